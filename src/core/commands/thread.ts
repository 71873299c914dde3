// thread <#room|name> <msgid> [after] [limit]  — a thread's root and its replies
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';
import { locate } from './message.ts';

export const thread = defineCommand({
  name: 'thread',
  needsLogin: true,
  help: 'thread TARGET MSGID — the thread a message belongs to: its first message and the replies',
  async run(ctx, req) {
    const user = me(ctx);
    const { c, stored } = await locate(ctx, user, req.to, req.msgid);
    const rootId = stored.msg.thread ?? stored.msg.id;
    const root = rootId === stored.msg.id ? stored : await ctx.core.deps.store.get(c.conv, rootId);
    if (!root) throw new ChatError('NO_SUCH_MESSAGE', `no message ${rootId} in ${c.to}`);
    const { onJoin, pageMax } = ctx.core.history;
    const replies = await ctx.core.deps.store.thread(c.conv, rootId, {
      ...(req.after !== undefined ? { afterSeq: req.after } : {}), limit: Math.min(req.limit ?? onJoin, pageMax), ...(c.since !== undefined ? { sinceTs: c.since } : {}),
    });
    return { to: c.to, root: root.msg, replies };
  },
});
