/**
 * The JSON-over-WebSocket wire protocol: every frame type, as a runtime schema (zod) and the
 * TypeScript type inferred from it. Server, web client and terminal client all import these.
 * docs/protocol.md documents each with an example.
 */
import * as z from 'zod';
import { LIMITS } from './limits.ts';
import { AuditEntry, MAX_MODE_CHANGES, ModeChange, RoomRole, RoomSettings } from './moderation.ts';
import { FileId, FileRef } from './files.ts';
import { EditVersion, Reaction, UpdateAction } from './features.ts';

export const PROTOCOL_VERSION = 1;

const reqId = z.string().min(1).max(LIMITS.requestIdMaxLength);
const str = (max: number) => z.string().max(max);
/** A conversation target: "#room" or a user name. Validated further by the core. */
const target = z.string().min(1).max(Math.max(LIMITS.roomMaxLength, LIMITS.nameMaxLength));

// Durable history, accounts and search (docs/protocol.md, "History, accounts and search").
/** Checked in bytes by the server (PASSWORD_INVALID); the schema only bounds the frame. */
const password = z.string().max(LIMITS.passwordMaxBytes * 4);
const seqNo = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Last seq seen per conversation ("#room" or a user name), for resuming after a reconnect. */
export const ResumeMap = z.record(target, seqNo).refine((r) => Object.keys(r).length <= LIMITS.resumeMaxConversations, { message: `at most ${LIMITS.resumeMaxConversations} conversations` });

// ---------------------------------------------------------------- client -> server

export const LoginRequest = z.object({ type: z.literal('login'), id: reqId, name: str(LIMITS.nameMaxLength * 4), lobby: z.boolean().optional(), password: password.optional(), token: z.string().min(1).max(LIMITS.tokenMaxLength).optional(), resume: ResumeMap.optional() });
/** How a message is meant to be shown: a plain message (absent), a notice, or an action ("/me waves"). */
export const MessageKind = z.enum(['notice', 'action']);
export type MessageKind = z.infer<typeof MessageKind>;
/** Bytes the client-only tags of one message may take (IRCv3 message-tags). */
export const CLIENT_TAGS_MAX_BYTES = 4094;
/**
 * IRCv3 client-only tags ("+draft/reply": "<msgid>", "+draft/react": "👍"): relayed with a
 * message to those who understand them, not stored.
 */
export const ClientTags = z.record(z.string().regex(/^\+[A-Za-z0-9][A-Za-z0-9./-]{0,99}$/), z.string())
  .refine((t) => new TextEncoder().encode(JSON.stringify(t)).length <= CLIENT_TAGS_MAX_BYTES, { message: `client tags are limited to ${CLIENT_TAGS_MAX_BYTES} bytes` });
export type ClientTags = z.infer<typeof ClientTags>;
/** A message id (`ChatMessage.id`). */
const msgId = z.string().min(1).max(64);
/**
 * `files`: ids from `upload` + HTTP PUT, attached to this message (text may then be empty).
 * `replyTo`: the id of a message of the same conversation this one answers (a thread reply).
 */
export const SendRequest = z.object({ type: z.literal('send'), id: reqId, to: target, text: z.string(), kind: MessageKind.optional(), tags: ClientTags.optional(), files: z.array(FileId).min(1).max(LIMITS.filesPerMessageMax).optional(), replyTo: msgId.optional() });
// Edits, deletions, reactions, threads, mentions (docs/protocol.md, "Message features").
/** Replaces the text of your own message (within messages.editWindowSeconds). */
export const EditRequest = z.object({ type: z.literal('edit'), id: reqId, to: target, msgid: msgId, text: z.string() });
/** Deletes a message: yours; any in a room you operate; any anywhere for an admin. Leaves a tombstone. */
export const DeleteRequest = z.object({ type: z.literal('delete'), id: reqId, to: target, msgid: msgId });
/** Adds (`on: true`) or removes your reaction with one emoji. */
export const ReactRequest = z.object({ type: z.literal('react'), id: reqId, to: target, msgid: msgId, emoji: z.string().max(LIMITS.emojiMaxLength * 2), on: z.boolean() });
/** A message's thread: its root and the replies after `after` (a seq), oldest first. */
export const ThreadRequest = z.object({ type: z.literal('thread'), id: reqId, to: target, msgid: msgId, after: seqNo.optional(), limit: z.number().int().min(1).max(1000).optional() });
/** Messages that mention you (rooms you are in, your DMs), newest first; `before`: a ts (ms) to page back from. */
export const MentionsRequest = z.object({ type: z.literal('mentions'), id: reqId, before: z.number().int().min(0).max(8.64e15).optional(), limit: z.number().int().min(1).max(100).optional() });
/** Previous versions of an edited message (room operators, admins). */
export const EditsRequest = z.object({ type: z.literal('edits'), id: reqId, to: target, msgid: msgId });
/** Asks to upload one file (docs/protocol.md, "Files"): the reply has a one-time URL to PUT the bytes to. */
export const UploadRequest = z.object({ type: z.literal('upload'), id: reqId, name: z.string().min(1).max(1000), size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
/** Signed, expiring links to files of conversations you may read. */
export const FileLinksRequest = z.object({ type: z.literal('file_links'), id: reqId, files: z.array(FileId).min(1).max(LIMITS.fileLinksMax) });
/** Revokes every link to a file handed out so far (the uploader, the room's operators, admins); `file_links` then gives fresh ones. */
export const FileRevokeRequest = z.object({ type: z.literal('file_revoke'), id: reqId, file: FileId, reason: z.string().optional() });
/** `history`: how many recent messages the reply carries (default `history.onJoin`; 0 for none, as IRC shows none). `key`: the room's join key (+k). */
export const JoinRequest = z.object({ type: z.literal('join'), id: reqId, room: str(LIMITS.roomMaxLength * 2), since: z.number().int().min(0).optional(), history: z.number().int().min(0).max(1000).optional(), key: str(LIMITS.keyMaxLength * 4).optional() });
export const PartRequest = z.object({ type: z.literal('part'), id: reqId, room: str(LIMITS.roomMaxLength * 2), reason: z.string().optional() });
export const TopicRequest = z.object({ type: z.literal('topic'), id: reqId, room: str(LIMITS.roomMaxLength * 2), topic: z.string() });
export const RoomsRequest = z.object({ type: z.literal('rooms'), id: reqId });
/**
 * Member and user lists come in pages, sorted by folded name (docs/protocol.md, "Large rooms"):
 * `after` is the `next` cursor of the previous page, `limit` at most MEMBER_PAGE_MAX
 * (default: the server's `rooms.announceMax`).
 */
export const MEMBER_PAGE_MAX = 1000;
const pageCursor = z.string().max(LIMITS.nameMaxLength * 4);
const pageLimit = z.number().int().min(1).max(MEMBER_PAGE_MAX);
export const MembersRequest = z.object({ type: z.literal('members'), id: reqId, room: str(LIMITS.roomMaxLength * 2), after: pageCursor.optional(), limit: pageLimit.optional() });
export const UsersRequest = z.object({ type: z.literal('users'), id: reqId, after: pageCursor.optional(), limit: pageLimit.optional() });
export const AwayRequest = z.object({ type: z.literal('away'), id: reqId, message: z.string().optional() });
export const BackRequest = z.object({ type: z.literal('back'), id: reqId });
export const CalcRequest = z.object({ type: z.literal('calc'), id: reqId, expr: z.string() });
export const TypingRequest = z.object({ type: z.literal('typing'), id: reqId, to: target });
/** Client-only tags with no message (IRCv3 TAGMSG: a reaction, a reply marker): relayed live, never stored. */
export const TagmsgRequest = z.object({ type: z.literal('tagmsg'), id: reqId, to: target, tags: ClientTags.refine((t) => Object.keys(t).length > 0, { message: 'at least one client tag' }) });
export const PingRequest = z.object({ type: z.literal('ping'), id: reqId });
export const NickRequest = z.object({ type: z.literal('nick'), id: reqId, name: str(LIMITS.nameMaxLength * 4) });
export const OpRequest = z.object({ type: z.literal('op'), id: reqId, room: str(LIMITS.roomMaxLength * 2), name: str(LIMITS.nameMaxLength * 4), op: z.boolean() });
export const InviteRequest = z.object({ type: z.literal('invite'), id: reqId, room: str(LIMITS.roomMaxLength * 2), name: str(LIMITS.nameMaxLength * 4) });
export const KickRequest = z.object({ type: z.literal('kick'), id: reqId, room: str(LIMITS.roomMaxLength * 2), name: str(LIMITS.nameMaxLength * 4), reason: z.string().optional() });
// Moderation (docs/protocol.md, "Moderation"): room settings, lists and roles; server admins.
export const ModeRequest = z.object({ type: z.literal('mode'), id: reqId, room: str(LIMITS.roomMaxLength * 2), changes: z.array(ModeChange).max(MAX_MODE_CHANGES).optional() });
export const ServerBanRequest = z.object({ type: z.literal('server_ban'), id: reqId, mask: str(LIMITS.maskMaxLength), on: z.boolean(), reason: z.string().optional() });
export const KillRequest = z.object({ type: z.literal('kill'), id: reqId, name: str(LIMITS.nameMaxLength * 4), reason: z.string().optional() });
export const WallopsRequest = z.object({ type: z.literal('wallops'), id: reqId, text: z.string() });
export const AuditRequest = z.object({ type: z.literal('audit'), id: reqId, room: str(LIMITS.roomMaxLength * 2).optional(), limit: z.number().int().min(1).max(500).optional() });

// History, accounts and search (docs/protocol.md, "History, accounts and search").
export const RegisterRequest = z.object({ type: z.literal('register'), id: reqId, name: str(LIMITS.nameMaxLength * 4).optional(), password });
export const LogoutRequest = z.object({ type: z.literal('logout'), id: reqId, all: z.boolean().optional() });
export const ChangePasswordRequest = z.object({ type: z.literal('change_password'), id: reqId, old: password, new: password });
export const HistoryRequest = z.object({ type: z.literal('history'), id: reqId, to: target, before: seqNo.optional(), after: seqNo.optional(), limit: z.number().int().min(1).max(1000).optional() });
/**
 * Where a message id or an instant falls in a conversation (IRC CHATHISTORY references):
 * exactly one of `msgid` and `ts` (ms since the epoch).
 */
export const LocateRequest = z.object({ type: z.literal('locate'), id: reqId, to: target, msgid: z.string().min(1).max(64).optional(), ts: z.number().int().min(0).max(8.64e15).optional() })
  .refine((r) => (r.msgid === undefined) !== (r.ts === undefined), { message: 'give exactly one of msgid and ts' });
/** Your rooms and DM conversations with their newest message's time, newest first; `after`/`before` (ms, exclusive) bound that time. */
export const TargetsRequest = z.object({ type: z.literal('targets'), id: reqId, after: z.number().int().min(0).max(8.64e15).optional(), before: z.number().int().min(0).max(8.64e15).optional(), limit: z.number().int().min(1).max(1000).optional() });
/** Checks an account's password without logging in (IRC SASL); the reply's token logs in once. */
export const AuthenticateRequest = z.object({ type: z.literal('authenticate'), id: reqId, name: str(LIMITS.nameMaxLength * 4), password });
export const ReadRequest = z.object({ type: z.literal('read'), id: reqId, to: target, seq: seqNo });
export const UnreadRequest = z.object({ type: z.literal('unread'), id: reqId });
export const SearchRequest = z.object({ type: z.literal('search'), id: reqId, query: str(LIMITS.searchMaxLength), limit: z.number().int().min(1).max(100).optional() });

export const ClientRequest = z.discriminatedUnion('type', [
  LoginRequest, SendRequest, JoinRequest, PartRequest, TopicRequest, RoomsRequest, MembersRequest,
  UsersRequest, AwayRequest, BackRequest, CalcRequest, TypingRequest, TagmsgRequest, PingRequest,
  NickRequest, KickRequest, OpRequest, InviteRequest,
  RegisterRequest, LogoutRequest, ChangePasswordRequest, HistoryRequest, ReadRequest, UnreadRequest, SearchRequest,
  LocateRequest, TargetsRequest, AuthenticateRequest,
  ModeRequest, ServerBanRequest, KillRequest, WallopsRequest, AuditRequest,
  UploadRequest, FileLinksRequest, FileRevokeRequest,
  EditRequest, DeleteRequest, ReactRequest, ThreadRequest, MentionsRequest, EditsRequest,
]);
export type ClientRequest = z.infer<typeof ClientRequest>;
export type RequestType = ClientRequest['type'];
export type RequestOf<T extends RequestType> = Extract<ClientRequest, { type: T }>;
/** A request without its envelope (`type`, `id`): what the caller of a command supplies. */
export type ArgsOf<T extends RequestType> = Omit<RequestOf<T>, 'type' | 'id'>;
export const REQUEST_TYPES: readonly RequestType[] = ClientRequest.options.map((o) => o.shape.type.value);

// ---------------------------------------------------------------- shared shapes

export const Presence = z.enum(['online', 'away']);
export type Presence = z.infer<typeof Presence>;

export const UserInfo = z.object({ name: z.string(), presence: Presence, away: z.string().optional(), rooms: z.number().int() });
export type UserInfo = z.infer<typeof UserInfo>;

/** `op` is true for owners and operators (older clients read it); `role` says which (absent: a plain member). */
export const MemberInfo = z.object({ name: z.string(), presence: Presence, op: z.boolean().optional(), role: RoomRole.optional() });
export type MemberInfo = z.infer<typeof MemberInfo>;

/** `modes`: the room's IRC mode string without parameters ("+int"), so lists show what is set. */
export const RoomSummary = z.object({ name: z.string(), members: z.number().int(), topic: z.string(), modes: z.string().optional() });
export type RoomSummary = z.infer<typeof RoomSummary>;

/**
 * `members` is the first page of the member list (all of it when `next` is absent); `count`
 * is how many members the room has; `next` is the cursor for `members {room, after: next}`.
 */
export const RoomState = z.object({ name: z.string(), topic: z.string(), members: z.array(MemberInfo), count: z.number().int(), next: z.string().optional() });
export type RoomState = z.infer<typeof RoomState>;

/**
 * A chat message as stored and delivered. `to` is a room ("#name") or, for a direct message,
 * the recipient's name. `id` is unique on the server; `seq` orders messages within one
 * conversation; `ts` is the server's time in ms since the epoch.
 */
export const ChatMessage = z.object({
  id: z.string(),
  seq: z.number().int(),
  to: z.string(),
  from: z.string(),
  text: z.string(),
  ts: z.number(),
  /** Absent for a plain message. */
  kind: MessageKind.optional(),
  /** Client-only tags sent with the message (delivered live, not kept in history). */
  tags: ClientTags.optional(),
  /** Attached files (docs/protocol.md, "Files"). */
  files: z.array(FileRef).optional(),
  /** The message this one replies to (same conversation). */
  replyTo: z.string().optional(),
  /** The first message of the thread this reply belongs to (the root); absent on a root. */
  thread: z.string().optional(),
  /** On a thread root: how many replies the thread has (deleted ones included, as tombstones). */
  replies: z.number().int().optional(),
  /** When the text was last edited (ms since the epoch): shown as "edited". */
  editedAt: z.number().optional(),
  /** A tombstone: the message was deleted; `text` is "" and its files, reactions and mentions are gone. */
  deleted: z.literal(true).optional(),
  /** Reactions: emoji in the order of their oldest (remaining) reaction. */
  reactions: z.array(Reaction).optional(),
  /** Folded names the text mentions (`@name`), and "@room" when it mentions everyone in a room (features.ts). */
  mentions: z.array(z.string()).optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/**
 * Messages of one conversation that a client missed. `to` is "#room" or the other person's
 * name. `gap` is true when more messages were missed than the server sends at once
 * (`history.resumeMax`): `messages` are then the newest ones, and the client pages back
 * with `history {to, before: messages[0].seq}` to fill the gap.
 */
export const MissedMessages = z.object({
  to: z.string(), messages: z.array(ChatMessage), gap: z.boolean(),
  /**
   * Messages at or before the resume point that were edited, deleted or reacted to after
   * it, in their current state (replace them by id); at most history.resumeMax, oldest
   * change first. Absent when none.
   */
  updated: z.array(ChatMessage).optional(),
  /** The conversation's newest seq (messages and updates) this answer covers: resume from it next time. */
  lastSeq: z.number().int().optional(),
});
export type MissedMessages = z.infer<typeof MissedMessages>;

/** Unread direct messages from one person: sent by them after your read mark. */
export const UnreadInfo = z.object({ to: z.string(), count: z.number().int(), lastSeq: z.number().int() });
export type UnreadInfo = z.infer<typeof UnreadInfo>;

/** Unread replies (after your read mark, not yours) in one thread you take part in (you wrote its root or a reply). */
export const ThreadUnread = z.object({ to: z.string(), root: z.string(), count: z.number().int(), lastSeq: z.number().int() });
export type ThreadUnread = z.infer<typeof ThreadUnread>;

/** What `login` adds to its reply for durable history and accounts. */
export interface LoginExtras {
  /** Whether the name is a registered account (false: a guest). */
  registered: boolean;
  /** Present (true) when the account is a server administrator: clients show the administration section. */
  admin?: true;
  /** A new session token, when the login used a password. */
  token?: string;
  /** Resumed conversations and unread DMs, in the order requested, then most recent first. */
  missed: MissedMessages[];
  unread: UnreadInfo[];
  /** Newest seq of each room you are in after login (a client resumes from here next time). */
  lastSeq: Record<string, number>;
  /** Accounts: your read mark of each room you are in (only those you have marked), as set from any device. */
  read?: Record<string, number>;
  /** Accounts: unread messages that mention you, per conversation (rooms you are in, DMs). */
  mentions?: UnreadInfo[];
}

/** What `join` adds to its reply: recent history, or what was missed after `since`. */
export interface JoinExtras {
  history: ChatMessage[];
  /** With `since`: true when more was missed than `history` holds (page back to fill it). */
  gap: boolean;
  /** With `since`: messages at or before `since` changed after it, current state (MissedMessages.updated). */
  updated?: ChatMessage[];
  /** With `since`: the newest seq (messages and changes) the reply covers (MissedMessages.lastSeq). */
  lastSeq?: number;
}

// ---------------------------------------------------------------- replies (data by request type)

export interface ReplyData {
  login: { name: string; protocol: number; rooms: RoomState[] } & LoginExtras;
  send: { msg: ChatMessage };
  join: RoomState & JoinExtras;
  part: { room: string };
  topic: { room: string; topic: string };
  rooms: { rooms: RoomSummary[] };
  /** One page (see MembersRequest); `next` absent on the last page. */
  members: { room: string; members: MemberInfo[]; count: number; next?: string };
  users: { users: UserInfo[]; count: number; next?: string };
  away: { presence: Presence; message: string };
  back: { presence: Presence };
  calc: { expr: string; result: string };
  typing: Record<string, never>;
  tagmsg: { id: string; to: string; ts: number };
  ping: { ts: number };
  nick: { name: string };
  kick: { room: string; name: string };
  op: { room: string; name: string; op: boolean };
  invite: { room: string; name: string };
  /** `admin`: as in the login reply (a name listed as an administrator becomes one once registered). */
  register: { name: string; token: string; admin?: true };
  logout: { revoked: number };
  change_password: { token: string; revoked: number };
  history: { to: string; messages: ChatMessage[] };
  read: { to: string; seq: number };
  /** `mentions` and `threads`: accounts only (empty for guests), like `unread`. */
  unread: { unread: UnreadInfo[]; mentions: UnreadInfo[]; threads: ThreadUnread[] };
  search: { results: ChatMessage[] };
  /**
   * `seq`: for a msgid, that message's seq (`exact`); for a ts, the first seq at or after it
   * (one past the newest when none is). `found` is false for an unknown msgid.
   */
  locate: { to: string; seq: number; exact: boolean; found: boolean };
  targets: { targets: { to: string; ts: number }[] };
  authenticate: { name: string; token: string };
  /** The changes that took effect (those that changed nothing are left out) and the settings after them. */
  mode: { room: string; changes: ModeChange[]; settings: RoomSettings };
  server_ban: { mask: string; on: boolean; bans: string[] };
  kill: { name: string };
  wallops: Record<string, never>;
  audit: { entries: AuditEntry[] };
  /** `url`: PUT the file's bytes there (path on this server) before `expires` (ms since the epoch). */
  upload: { file: string; name: string; url: string; expires: number };
  /** Per file id you may read: a link to the bytes, and to a thumbnail when it has one. Unknown or forbidden ids are left out. */
  file_links: { links: Record<string, { url: string; thumb?: string; expires: number }> };
  /** Links issued at or before `revokedAt` (ms since the epoch) answer 410 LINK_REVOKED. */
  file_revoke: { file: string; revokedAt: number };
  /** `msg`: the message after the change; `seq`: the update's own seq in the conversation (0 when nothing changed). */
  edit: { msg: ChatMessage; seq: number };
  delete: { msg: ChatMessage; seq: number };
  react: { msg: ChatMessage; seq: number };
  thread: { to: string; root: ChatMessage; replies: ChatMessage[] };
  mentions: { messages: ChatMessage[] };
  edits: { to: string; msgid: string; versions: EditVersion[] };
}

// ---------------------------------------------------------------- server -> client

export const HelloEvent = z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  server: z.string(),
  limits: z.object({ nameMaxLength: z.number(), roomMaxLength: z.number(), textMaxLength: z.number(), exprMaxLength: z.number(), maxPayload: z.number(), textMaxLines: z.number().optional(), editWindowSeconds: z.number().optional() }),
});
export const ReplyEvent = z.object({ type: z.literal('reply'), id: z.string(), data: z.record(z.string(), z.unknown()) });
export const ErrorEvent = z.object({ type: z.literal('error'), id: z.string().optional(), code: z.string(), message: z.string() });
export const MessageEvent = z.object({ type: z.literal('message'), msg: ChatMessage });
export const UserJoinedEvent = z.object({ type: z.literal('user_joined'), user: UserInfo });
export const UserLeftEvent = z.object({ type: z.literal('user_left'), name: z.string(), reason: z.string(), rooms: z.array(z.string()).optional() });
export const UserPresenceEvent = z.object({ type: z.literal('user_presence'), name: z.string(), presence: Presence, away: z.string().optional() });
export const RoomJoinedEvent = z.object({ type: z.literal('room_joined'), room: z.string(), name: z.string() });
export const RoomLeftEvent = z.object({ type: z.literal('room_left'), room: z.string(), name: z.string(), reason: z.string().optional() });
export const RoomTopicEvent = z.object({ type: z.literal('room_topic'), room: z.string(), topic: z.string(), by: z.string() });
export const TypingEvent = z.object({ type: z.literal('typing'), from: z.string(), to: z.string() });
export const TagmsgEvent = z.object({ type: z.literal('tagmsg'), id: z.string(), from: z.string(), to: z.string(), tags: z.record(z.string(), z.string()), ts: z.number() });
export const NoticeEvent = z.object({ type: z.literal('notice'), text: z.string() });
export const ByeEvent = z.object({ type: z.literal('bye'), reason: z.string() });
export const UserRenamedEvent = z.object({ type: z.literal('user_renamed'), old: z.string(), name: z.string() });
export const RoomOperatorEvent = z.object({ type: z.literal('room_operator'), room: z.string(), name: z.string(), by: z.string(), op: z.boolean() });
export const RoomInvitedEvent = z.object({ type: z.literal('room_invited'), room: z.string(), name: z.string(), by: z.string() });
/** For the room's members (the inviter excepted): someone was invited (IRC invite-notify). */
export const RoomMemberInvitedEvent = z.object({ type: z.literal('room_member_invited'), room: z.string(), name: z.string(), by: z.string() });
/** A connected user logged in to an account (today: registered their name while connected; IRC account-notify). */
export const UserAccountEvent = z.object({ type: z.literal('user_account'), name: z.string(), account: z.string() });
export const RoomKickedEvent = z.object({ type: z.literal('room_kicked'), room: z.string(), name: z.string(), by: z.string(), reason: z.string() });
/**
 * A large room's membership changed (docs/protocol.md, "Large rooms"): instead of one
 * `room_joined` / `room_left` per member, its members get at most one of these per
 * `rooms.summaryMs`, with how many joined and left since the last one and the count now.
 */
export const RoomMembersEvent = z.object({ type: z.literal('room_members'), room: z.string(), count: z.number().int(), joined: z.number().int(), left: z.number().int() });
/** Settings, lists or roles of a room changed (`voice` and `op` name the member in `arg`). */
export const RoomModeEvent = z.object({ type: z.literal('room_mode'), room: z.string(), by: z.string(), changes: z.array(ModeChange) });
/**
 * A message was edited, deleted or reacted to. The change takes its own `seq` in the
 * message's conversation (so resume and `cover` order it with messages); `msg` is the
 * message's state after it (`msg.seq` is the message's own seq): replace it by `msg.id`.
 * `by`: who did it; `emoji`: for react/unreact.
 */
export const MessageUpdateEvent = z.object({ type: z.literal('message_update'), seq: z.number().int(), action: UpdateAction, by: z.string(), emoji: z.string().optional(), msg: ChatMessage });
export type MessageUpdateEvent = z.infer<typeof MessageUpdateEvent>;

export const ServerEvent = z.discriminatedUnion('type', [
  HelloEvent, ReplyEvent, ErrorEvent, MessageEvent, UserJoinedEvent, UserLeftEvent, UserPresenceEvent,
  RoomJoinedEvent, RoomLeftEvent, RoomTopicEvent, TypingEvent, TagmsgEvent, NoticeEvent, ByeEvent,
  UserRenamedEvent, RoomKickedEvent, RoomOperatorEvent, RoomInvitedEvent, RoomModeEvent, RoomMembersEvent,
  RoomMemberInvitedEvent, UserAccountEvent,
  MessageUpdateEvent,
]);
export type ServerEvent = z.infer<typeof ServerEvent>;
export type ServerEventType = ServerEvent['type'];
export type EventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;
/** Events that the chat core emits to sessions (everything except the per-request envelope frames). */
export type ChatEvent = Exclude<ServerEvent, { type: 'hello' | 'reply' | 'error' }>;
