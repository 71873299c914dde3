// mentions [before] [limit]  — messages that mention you, newest first
import { defineCommand, me } from './command.ts';

const DEFAULT_LIMIT = 50;

export const mentions = defineCommand({
  name: 'mentions',
  needsLogin: true,
  help: 'mentions — messages that mention you in your rooms and direct messages',
  async run(ctx, req) {
    const user = me(ctx);
    // As search reads them: the rooms the user is in, DMs from their dmSince on (owner.ts).
    const messages = await ctx.core.deps.store.mentions({
      user: user.folded, convs: [...user.rooms], dmsOf: user.folded, dmsSince: user.dmSince,
      ...(req.before !== undefined ? { beforeTs: req.before } : {}), limit: req.limit ?? DEFAULT_LIMIT,
    });
    return { messages };
  },
});
