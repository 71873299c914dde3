// history <#room|name> [before] [after] [limit]
import { defineCommand, me } from './command.ts';
import { readPage, recent, resolveConversation } from './conversation.ts';

export const history = defineCommand({
  name: 'history',
  needsLogin: true,
  help: 'history TARGET [before SEQ] — older messages of a room you are in or of a DM (since your account was created, or since a guest logged in)',
  async run(ctx, req) {
    const user = me(ctx);
    // A DM reads from the reader's dmSince on (an account's creation, a guest's login): owner.ts.
    const c = await resolveConversation(ctx, user, req.to);
    const { onJoin, pageMax } = ctx.core.history;
    const limit = Math.min(req.limit ?? onJoin, pageMax);
    const messages = req.before === undefined && req.after === undefined
      ? await recent(ctx, c, limit, ctx.hold())
      : await readPage(ctx, c, { beforeSeq: req.before, afterSeq: req.after, limit });
    return { to: c.to, messages };
  },
});
