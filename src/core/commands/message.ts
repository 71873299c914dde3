/** What the message-feature commands share: finding a message one may act on, mentions, emitting a change. */
import { parseMentions, ROOM_MENTION, type ChatMessage, type UpdateAction } from '../../protocol/index.ts';
import { MESSAGES_DEFAULTS, type MessagesConfig } from '../chat.ts';
import type { RoomEntry, UserEntry } from '../directory.ts';
import { ChatError } from '../errors.ts';
import { rankOf, RANK_OP, silenced } from '../moderation.ts';
import type { StoredMessage } from '../ports.ts';
import type { CommandContext } from './command.ts';
import { resolveConversation, type Conversation } from './conversation.ts';
import { whoOf } from './moderate.ts';
import { requireRoom } from './target.ts';

export function messagesConfig(ctx: CommandContext): MessagesConfig {
  return ctx.core.deps.config.messages ?? MESSAGES_DEFAULTS;
}

export interface Located {
  c: Conversation;
  /** The room, for a room conversation. */
  room: RoomEntry | undefined;
  stored: StoredMessage;
}

/**
 * The message `msgid` of the conversation `to`, as the user may see it: a room they are in
 * (or, with `adminAnyRoom`, any room for a server admin), or their DM from their dmSince
 * on (owner.ts). NO_SUCH_MESSAGE for a message they may not read, exactly as for an unknown
 * id, so ids of unreadable messages cannot be probed.
 */
export async function locate(ctx: CommandContext, user: UserEntry, to: string, msgid: string, adminAnyRoom = false): Promise<Located> {
  let c: Conversation;
  let room: RoomEntry | undefined;
  if (to.startsWith('#') && adminAnyRoom && ctx.core.isAdmin(user)) {
    room = requireRoom(ctx, to);
    c = { conv: room.folded, to: room.name };
  } else {
    c = await resolveConversation(ctx, user, to);
    room = to.startsWith('#') ? ctx.core.dir.room(to) : undefined;
  }
  const stored = await ctx.core.deps.store.get(c.conv, msgid);
  if (!stored || (c.since !== undefined && stored.msg.ts < c.since)) throw new ChatError('NO_SUCH_MESSAGE', `no message ${msgid} in ${c.to}`);
  return { c, room, stored };
}

/** Whether the user operates the room (owner or op) or is a server admin. */
export function moderates(ctx: CommandContext, user: UserEntry, room: RoomEntry | undefined): boolean {
  const admin = ctx.core.isAdmin(user);
  return admin || (room !== undefined && rankOf(room, user, admin) >= RANK_OP);
}

/** Refuses a change to the room by someone who may not speak in it (banned, muted, +m), slow mode aside. */
export function requireVoice(ctx: CommandContext, user: UserEntry, room: RoomEntry | undefined): void {
  if (!room) return;
  const refusal = silenced(room, whoOf(ctx, user));
  if (refusal) throw refusal;
}

/**
 * The mentions a text makes as stored: its `@name`s, and "@room" only from the room's owner
 * or an operator (or a server admin) in a room; from others `@room` stays plain text.
 */
export function mentionsOf(ctx: CommandContext, user: UserEntry, room: RoomEntry | undefined, text: string): string[] {
  const { names, room: everyone } = parseMentions(text);
  return everyone && room && moderates(ctx, user, room) ? [...names, ROOM_MENTION] : names;
}

/** Announces a stored change (seq > 0) to the conversation, on every node. */
export function emitUpdate(ctx: CommandContext, seq: number, action: UpdateAction, by: string, msg: ChatMessage, emoji?: string): void {
  if (seq === 0) return;
  ctx.core.emit({ kind: 'message_update', update: { type: 'message_update', seq, action, by, ...(emoji !== undefined ? { emoji } : {}), msg } });
}
