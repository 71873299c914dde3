/**
 * How every store assembles a message's current state (docs/protocol.md, "Message
 * features"), so that memory, SQLite and PostgreSQL answer field for field the same.
 */
import type { ChatMessage, Reaction } from '../protocol/index.ts';
import { LIMITS } from '../protocol/limits.ts';

/** A message's state beyond its base fields, as a store keeps it. */
export interface MessageState {
  replyTo?: string | null;
  thread?: string | null;
  replies?: number;
  editedAt?: number | null;
  deleted?: boolean;
  reactions?: Reaction[];
  mentions?: readonly string[] | null;
}

/**
 * Reaction rows (emoji, display name) in the order they were added, grouped per emoji in
 * the order of each emoji's oldest remaining reaction; `by` keeps the oldest LIMITS.reactionNamesMax.
 */
export function reactionSummary(rows: Iterable<{ emoji: string; name: string }>): Reaction[] {
  if (Array.isArray(rows) && rows.length === 0) return [];
  const out = new Map<string, Reaction>();
  for (const r of rows) {
    let e = out.get(r.emoji);
    if (!e) { e = { emoji: r.emoji, count: 0, by: [] }; out.set(r.emoji, e); }
    e.count++;
    if (e.by.length < LIMITS.reactionNamesMax) e.by.push(r.name);
  }
  return [...out.values()];
}

/** The wire message: base fields plus the state's fields that are set (absent ones left out, never null). */
export function withState(base: ChatMessage, s: MessageState): ChatMessage {
  const msg: ChatMessage = { ...base };
  if (s.deleted) {
    msg.text = '';
    delete msg.files;
    delete msg.kind;
    msg.deleted = true;
  }
  if (s.replyTo) msg.replyTo = s.replyTo;
  if (s.thread) msg.thread = s.thread;
  if (s.replies) msg.replies = s.replies;
  if (s.editedAt !== undefined && s.editedAt !== null && !s.deleted) msg.editedAt = s.editedAt;
  if (s.reactions && s.reactions.length > 0 && !s.deleted) msg.reactions = s.reactions;
  if (s.mentions && s.mentions.length > 0 && !s.deleted) msg.mentions = [...s.mentions];
  return msg;
}
