/** Helpers shared by the history commands: naming a conversation and reading it for a reply. */
import { checkUserName, foldName, isRoomName, type ChatMessage, type MissedMessages } from '../../protocol/index.ts';
import type { UserEntry } from '../directory.ts';
import { convKey } from '../conv.ts';
import { ChatError } from '../errors.ts';
import type { HistoryQuery } from '../ports.ts';
import type { CommandContext } from './command.ts';

export interface Conversation {
  /** Storage key. */
  conv: string;
  /** Display target: "#room" or the other person's name. */
  to: string;
  /** For DMs: both folded names. */
  participants?: string[];
  /** For DMs: the reader sees only messages with ts >= since (the DM owner rule, owner.ts). */
  since?: number;
}

/**
 * One page of a conversation's history as the reader may see it: every history read of a
 * command goes through here, so the DM owner rule is applied in one place.
 */
export function readPage(ctx: CommandContext, c: Conversation, q: HistoryQuery): Promise<ChatMessage[]> {
  return ctx.core.deps.store.history(c.conv, c.since === undefined ? q : { ...q, sinceTs: c.since });
}

/**
 * A conversation the user may read: a room they are in, or their DM with `to` (any valid
 * name; the peer's display name comes from the directory or the account when known).
 */
export async function resolveConversation(ctx: CommandContext, user: UserEntry, to: string): Promise<Conversation> {
  if (to.startsWith('#')) {
    if (!isRoomName(to)) throw new ChatError('ROOM_INVALID', `invalid room name "${to}"`);
    const room = ctx.core.dir.room(to);
    if (!room?.members.has(user.folded)) throw new ChatError('NOT_IN_ROOM', `you are not in ${room?.name ?? to}`);
    return { conv: room.folded, to: room.name };
  }
  if (checkUserName(to) !== null) throw new ChatError('NO_SUCH_USER', `"${to}" is not a valid user name`);
  const name = ctx.core.dir.user(to)?.name ?? (await ctx.core.accounts.get(foldName(to)))?.name ?? to;
  return dmConversation(user, name);
}

/** The DM of `user` with `peer`, readable from `user.dmSince` on (owner.ts). */
export function dmConversation(user: UserEntry, peer: string): Conversation {
  const participants = [...new Set([user.folded, foldName(peer)])].sort();
  return { conv: convKey(user.name, peer), to: peer, participants, since: user.dmSince };
}

/** The other person of a DM message, seen from `me` (folded). */
export function peerOf(msg: ChatMessage, me: string): string {
  return foldName(msg.from) === me ? msg.to : msg.from;
}

/**
 * What the user missed after `after`: everything when at most `resumeMax` messages,
 * otherwise the newest `resumeMax` with `gap: true`. Covers the returned seqs in `hold`.
 */
export async function missedSince(ctx: CommandContext, c: Conversation, after: number, hold: ReturnType<CommandContext['hold']>): Promise<MissedMessages> {
  const max = ctx.core.history.resumeMax;
  // The counter first: every message and change up to it is in what is read below.
  const lastSeq = await ctx.core.deps.store.lastSeq(c.conv);
  let messages = await readPage(ctx, c, { afterSeq: after, limit: max + 1 });
  let gap = false;
  if (messages.length > max) {
    messages = await readPage(ctx, c, { limit: max });
    gap = true;
  }
  // Older messages edited, deleted or reacted to since `after`, in their current state.
  const first = messages[0]?.seq ?? Number.MAX_SAFE_INTEGER;
  const changed = await ctx.core.deps.store.changes(c.conv, { afterSeq: after, limit: max, ...(c.since !== undefined ? { sinceTs: c.since } : {}) });
  const updated = changed.filter((u) => u.msg.seq < first).map((u) => u.msg);
  // Not the changes' seqs: a message committed between the two reads may lie below them.
  const covered = Math.max(lastSeq, messages.at(-1)?.seq ?? 0);
  if (covered > 0) hold.cover(c.conv, covered);
  return { to: c.to, messages, gap, ...(updated.length > 0 ? { updated } : {}), lastSeq: covered };
}

/** The newest `limit` messages (for a join or opening a DM). Covers them in `hold`. */
export async function recent(ctx: CommandContext, c: Conversation, limit: number, hold: ReturnType<CommandContext['hold']>): Promise<ChatMessage[]> {
  if (limit <= 0) return [];
  const messages = await readPage(ctx, c, { limit });
  const last = messages.at(-1);
  if (last) hold.cover(c.conv, last.seq);
  return messages;
}
