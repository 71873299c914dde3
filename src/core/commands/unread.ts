// unread  — unread direct messages per person, unread mentions per conversation, unread thread replies
import type { ThreadUnread, UnreadInfo } from '../../protocol/index.ts';
import type { UserEntry } from '../directory.ts';
import { defineCommand, me, type CommandContext } from './command.ts';
import { peerOf } from './conversation.ts';

export const unread = defineCommand({
  name: 'unread',
  needsLogin: true,
  help: 'unread — how many direct messages, mentions and thread replies you have not read',
  async run(ctx) {
    const user = me(ctx);
    if (user.account === undefined) return { unread: [], mentions: [], threads: [] };
    const out: UnreadInfo[] = [];
    for (const s of await ctx.core.deps.store.dmSummaries(user.folded, 200, user.dmSince, user.principal)) {
      if (s.unread > 0) out.push({ to: peerOf(s.last, user.folded), count: s.unread, lastSeq: s.lastSeq });
    }
    return { unread: out, mentions: await unreadMentions(ctx, user), threads: await unreadThreads(ctx, user) };
  },
});

/** How a conversation key reads to `user`: the room's name, or the other person of a DM. */
function convName(ctx: CommandContext, user: UserEntry, conv: string): string {
  if (conv.startsWith('#')) return ctx.core.dir.rooms.get(conv)?.name ?? conv;
  const [a, b] = conv.slice(1).split('@') as [string, string];
  const peer = a === user.folded ? b : a;
  return ctx.core.dir.users.get(peer)?.name ?? peer;
}

/** Unread messages mentioning an account, per conversation (its rooms and DMs). */
export async function unreadMentions(ctx: CommandContext, user: UserEntry): Promise<UnreadInfo[]> {
  const counts = await ctx.core.deps.store.mentionCounts(user.principal, user.folded, [...user.rooms], user.dmSince);
  return counts.map((m) => ({ to: convName(ctx, user, m.conv), count: m.count, lastSeq: m.lastSeq }));
}

async function unreadThreads(ctx: CommandContext, user: UserEntry): Promise<ThreadUnread[]> {
  const counts = await ctx.core.deps.store.threadCounts(user.principal, user.folded, [...user.rooms], user.dmSince);
  return counts.map((t) => ({ to: convName(ctx, user, t.conv), root: t.root, count: t.count, lastSeq: t.lastSeq }));
}
