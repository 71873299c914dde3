// read <#room|name> <seq>  — moves your read mark forward (unread counts start after it); the reply has the mark as stored
import { defineCommand, me } from './command.ts';
import { resolveConversation } from './conversation.ts';

export const read = defineCommand({
  name: 'read',
  needsLogin: true,
  help: 'read TARGET SEQ — mark a conversation read up to SEQ',
  async run(ctx, req) {
    const user = me(ctx);
    const c = await resolveConversation(ctx, user, req.to);
    // The mark belongs to the account (owner.ts), so every device of it sees it; a guest's
    // would outlive its session under a name someone else may take, so none is stored.
    if (user.account === undefined) return { to: c.to, seq: req.seq };
    await ctx.core.deps.store.markRead(user.principal, c.conv, req.seq);
    // The mark as stored: it never moves back (so `seq: 0` only asks for it), and is clamped to the newest seq.
    const marks = await ctx.core.deps.store.readMarks(user.principal, [c.conv]);
    return { to: c.to, seq: marks.get(c.conv) ?? 0 };
  },
});
