// history <#room|name> [before] [after] [limit]
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';
import { recent, resolveConversation } from './conversation.ts';

export const history = defineCommand({
  name: 'history',
  needsLogin: true,
  help: 'history TARGET [before SEQ] — older messages of a room you are in or of a DM (registered users)',
  async run(ctx, req) {
    const user = me(ctx);
    const c = await resolveConversation(ctx, user, req.to);
    if (!c.to.startsWith('#') && !(await ctx.core.accounts.get(user.folded))) {
      throw new ChatError('NOT_REGISTERED', 'direct-message history is kept for registered names only');
    }
    const { onJoin, pageMax } = ctx.core.history;
    const limit = Math.min(req.limit ?? onJoin, pageMax);
    const messages = req.before === undefined && req.after === undefined
      ? await recent(ctx, c, limit, ctx.hold())
      : await ctx.core.deps.store.history(c.conv, { beforeSeq: req.before, afterSeq: req.after, limit });
    return { to: c.to, messages };
  },
});
