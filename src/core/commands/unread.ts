// unread  — unread direct messages per person
import type { UnreadInfo } from '../../protocol/index.ts';
import { defineCommand, me } from './command.ts';
import { peerOf } from './conversation.ts';

export const unread = defineCommand({
  name: 'unread',
  needsLogin: true,
  help: 'unread — how many direct messages you have not read, per person',
  async run(ctx) {
    const user = me(ctx);
    if (user.account === undefined) return { unread: [] };
    const out: UnreadInfo[] = [];
    for (const s of await ctx.core.deps.store.dmSummaries(user.folded, 200, user.dmSince)) {
      if (s.unread > 0) out.push({ to: peerOf(s.last, user.folded), count: s.unread, lastSeq: s.lastSeq });
    }
    return { unread: out };
  },
});
