// read <#room|name> <seq>  — moves your read mark forward (unread counts start after it)
import { defineCommand, me } from './command.ts';
import { resolveConversation } from './conversation.ts';

export const read = defineCommand({
  name: 'read',
  needsLogin: true,
  help: 'read TARGET SEQ — mark a conversation read up to SEQ',
  async run(ctx, req) {
    const user = me(ctx);
    const c = await resolveConversation(ctx, user, req.to);
    await ctx.core.deps.store.markRead(user.folded, c.conv, req.seq);
    return { to: c.to, seq: req.seq };
  },
});
