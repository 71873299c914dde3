/**
 * Edits, deletions, reactions, replies and threads, mentions and read-mark sync in the web
 * client (docs/web.md, "Message actions"). Requests go through the shared protocol client;
 * the changes come back as `message_update` events (to every tab and device) and replace the
 * shown copy of the message by id.
 */
import { foldName, ROOM_MENTION, type ChatMessage, type EventOf, type ReplyData } from '../../protocol/index.ts';
import { describeError } from '../lib/errors.ts';
import { mentions as mentionsName } from '../lib/richtext.ts';
import { dmKey, findMsg, roomKey } from './conv.ts';
import type { ChatStore } from './store.ts';
import type { Conv, ThreadView } from './types.ts';

/** The reaction picker's built-in set (with names for screen readers). */
export const REACTIONS: readonly { emoji: string; name: string }[] = [
  { emoji: '👍', name: 'thumbs up' }, { emoji: '❤️', name: 'heart' }, { emoji: '😂', name: 'laughing' },
  { emoji: '🎉', name: 'party' }, { emoji: '😮', name: 'surprised' }, { emoji: '😢', name: 'sad' },
  { emoji: '🙏', name: 'thanks' }, { emoji: '👀', name: 'eyes' }, { emoji: '🚀', name: 'rocket' }, { emoji: '✅', name: 'done' },
];

/** Mentions fetched for the mentions view. */
export const MENTIONS_LIMIT = 50;

/** The conversation a message belongs to, as this client keys it (room, or the other person). */
export function convKeyOf(store: ChatStore, msg: ChatMessage): string {
  if (msg.to.startsWith('#')) return roomKey(msg.to);
  return dmKey(store.isMe(msg.from) ? msg.to : msg.from);
}

/** Whether a message is for me: it mentions me (`@name`, `@room`), or my name as a word; every DM is. */
export function mentionsMe(store: ChatStore, conv: Conv, msg: ChatMessage): boolean {
  return conv.kind === 'dm' || textMentionsMe(store, msg);
}

/** Whether the text mentions me: the server's `mentions` (`@name`, `@room`), or my name as a word. */
export function textMentionsMe(store: ChatStore, msg: ChatMessage): boolean {
  if (msg.mentions?.includes(store.meFolded) || msg.mentions?.includes(ROOM_MENTION)) return true;
  return mentionsName(msg.text, store.me);
}

/** Whether I may delete a message: my own, or any in a room I own or operate (the server decides for admins). */
export function canDelete(store: ChatStore, conv: Conv, msg: ChatMessage): boolean {
  if (msg.deleted) return false;
  if (store.isMe(msg.from)) return true;
  const role = store.myRole(conv);
  return conv.kind === 'room' && (role === 'owner' || role === 'op');
}

/** Whether I may edit a message: my own, not deleted, within the server's edit window (hello.limits). */
export function canEdit(store: ChatStore, msg: ChatMessage, now = Date.now()): boolean {
  if (msg.deleted || !store.isMe(msg.from) || msg.kind === 'action' || msg.seq <= 0) return false;
  const win = store.editWindowSeconds;
  return win === undefined || (win > 0 && now - msg.ts <= win * 1000);
}

/** Whether my own reaction with `emoji` is on the message. */
export function reactedByMe(store: ChatStore, msg: ChatMessage, emoji: string): boolean {
  const r = msg.reactions?.find((x) => x.emoji === emoji);
  return !!r && r.by.some((n) => foldName(n) === store.meFolded);
}

/** Replaces the shown copy of a message (main list and thread panel) with its new state. */
export function applyMessageState(store: ChatStore, msg: ChatMessage): void {
  const conv = store.convs.get(convKeyOf(store, msg));
  if (conv) {
    const it = findMsg(conv, msg.id);
    if (it) {
      const i = conv.items.indexOf(it);
      conv.items[i] = { ...it, msg };
    }
    if (msg.deleted && conv.replyTo === msg.id) conv.replyTo = undefined;
  }
  const t = store.thread;
  if (t) {
    if (t.root.id === msg.id) t.root = msg;
    else {
      const i = t.replies.findIndex((r) => r.id === msg.id);
      if (i >= 0) t.replies = t.replies.map((r, k) => (k === i ? msg : r));
    }
  }
  if (store.editing === msg.id && msg.deleted) store.editing = undefined;
  if (store.mentionList) store.mentionList = store.mentionList.map((m) => (m.id === msg.id ? msg : m)).filter((m) => !m.deleted);
  store.changed();
}

export function onMessageUpdate(store: ChatStore, ev: EventOf<'message_update'>): void {
  applyMessageState(store, ev.msg);
}

/**
 * A new message that is a thread reply: shown in the open thread panel, counted on its root,
 * and counted as unread in threads I take part in when the panel is not showing it.
 */
export function onReply(store: ChatStore, conv: Conv, msg: ChatMessage): void {
  const root = msg.thread ?? msg.replyTo;
  if (root === undefined) return;
  const t = store.thread;
  const open = t !== undefined && t.root.id === root && t.conv === conv;
  if (open && !t.replies.some((r) => r.id === msg.id)) {
    t.replies = [...t.replies, msg];
    t.root = { ...t.root, replies: (t.root.replies ?? 0) + 1 };
  }
  const rootItem = findMsg(conv, root);
  if (rootItem) conv.items[conv.items.indexOf(rootItem)] = { ...rootItem, msg: { ...rootItem.msg, replies: (rootItem.msg.replies ?? 0) + 1 } };
  if (store.isMe(msg.from) || open) return;
  const takesPart = (rootItem && store.isMe(rootItem.msg.from))
    || conv.items.some((it) => it.kind === 'msg' && (it.msg.thread === root || it.msg.replyTo === root) && store.isMe(it.msg.from));
  if (takesPart) conv.threadUnread.set(root, (conv.threadUnread.get(root) ?? 0) + 1);
}

async function run<T>(store: ChatStore, conv: Conv, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (err) {
    store.error(conv, describeError(err));
    return undefined;
  }
}

export async function editMessage(store: ChatStore, conv: Conv, msg: ChatMessage, text: string): Promise<boolean> {
  const c = store.client;
  if (!c) return false;
  const r = await run(store, conv, () => c.request('edit', { to: conv.name, msgid: msg.id, text }));
  if (r) applyMessageState(store, r.msg);
  return r !== undefined;
}

export async function deleteMessage(store: ChatStore, conv: Conv, msg: ChatMessage): Promise<void> {
  const c = store.client;
  if (!c) return;
  const r = await run(store, conv, () => c.request('delete', { to: conv.name, msgid: msg.id }));
  if (r) applyMessageState(store, r.msg);
}

/** Adds my reaction, or takes it back when I already reacted with this emoji. */
export async function toggleReaction(store: ChatStore, conv: Conv, msg: ChatMessage, emoji: string): Promise<void> {
  const c = store.client;
  if (!c) return;
  const on = !reactedByMe(store, msg, emoji);
  const r = await run(store, conv, () => c.request('react', { to: conv.name, msgid: msg.id, emoji, on }));
  if (r) applyMessageState(store, r.msg);
}

/** Opens the thread panel on a message's thread (the root and its replies). */
export async function openThread(store: ChatStore, conv: Conv, msg: ChatMessage): Promise<void> {
  const c = store.client;
  if (!c) return;
  const rootId = msg.thread ?? msg.id;
  const view: ThreadView = { conv, root: findMsg(conv, rootId)?.msg ?? msg, replies: [], loading: true, error: undefined };
  store.thread = view;
  conv.threadUnread.delete(rootId);
  store.changed();
  let r: ReplyData['thread'];
  try {
    r = await c.request('thread', { to: conv.name, msgid: rootId, limit: 200 });
  } catch (err) {
    view.error = describeError(err);
    view.loading = false;
    store.changed();
    return;
  }
  if (store.thread !== view) return;
  // Replies that arrived live while the request was out are kept (the reply has the rest).
  const seen = new Set(r.replies.map((m) => m.id));
  view.replies = [...r.replies, ...view.replies.filter((m) => !seen.has(m.id))];
  view.root = r.root;
  view.loading = false;
  const rootItem = findMsg(conv, rootId);
  if (rootItem) conv.items[conv.items.indexOf(rootItem)] = { ...rootItem, msg: r.root };
  store.markThreadRead(conv, view);
  store.changed();
}

export function closeThread(store: ChatStore): void {
  store.thread = undefined;
  store.changed();
}

/** Loads the mentions view (messages that mention me, newest first). */
export async function loadMentions(store: ChatStore): Promise<void> {
  const c = store.client;
  if (!c) return;
  store.mentionList = undefined;
  store.mentionError = undefined;
  store.changed();
  try {
    store.mentionList = (await c.request('mentions', { limit: MENTIONS_LIMIT })).messages;
  } catch (err) {
    store.mentionError = describeError(err);
  }
  store.changed();
}

/** Applies the server's `unread` answer: DM counts, mentions per conversation, thread replies. */
export function applyServerUnread(store: ChatStore, r: ReplyData['unread']): void {
  const dms = new Map(r.unread.map((u) => [dmKey(u.to), u]));
  const ment = new Map(r.mentions.map((u) => [u.to.startsWith('#') ? roomKey(u.to) : dmKey(u.to), u.count]));
  for (const conv of store.convs.values()) {
    if (conv.key === store.current && !store.isHidden()) continue;
    if (conv.kind === 'dm') {
      const u = dms.get(conv.key);
      // Read on another device: the server's count is lower than ours.
      conv.unread = Math.min(conv.unread, u?.count ?? 0);
      conv.mentions = Math.min(conv.unread, u?.count ?? 0);
    } else {
      // Rooms: the server counts mentions only; when those were read elsewhere, so was the rest.
      const m = ment.get(conv.key) ?? 0;
      if (m === 0 && conv.mentions > 0) conv.unread = 0;
      if (m < conv.mentions) conv.mentions = m;
    }
    conv.threadUnread.clear();
  }
  for (const t of r.threads) {
    const conv = store.convs.get(roomKey(t.to)) ?? store.convs.get(dmKey(t.to));
    if (conv && !(store.thread?.root.id === t.root)) conv.threadUnread.set(t.root, t.count);
  }
  store.changed();
}

/** Newest server seq of the messages shown in a conversation (0 when none). */
export function newestSeq(conv: Conv): number {
  for (let i = conv.items.length - 1; i >= 0; i--) {
    const it = conv.items[i]!;
    if (it.kind === 'msg' && it.msg.seq > 0) return it.msg.seq;
  }
  return 0;
}
