/**
 * Applies the server's events (through the shared client) to the web client's state:
 * messages, joins and parts, presence, topics, typing, notices and connection status.
 */
import type { BanterClient } from '../../client/client.ts';
import { foldName, LOBBY, type ChatMessage, type EventOf } from '../../protocol/index.ts';
import { mentions } from '../lib/richtext.ts';
import { describeModeChanges } from '../lib/moderation.ts';
import { read, SESSION_KEY, write } from '../lib/session.ts';
import { dmKey, eventItem, localKey, pushItem, replaceItem, roomKey } from './conv.ts';
import type { ChatStore } from './store.ts';
import type { Conv, Item } from './types.ts';
import { markRead, noteGap } from './history.ts';

/** How long a typing indicator stays without a new typing event. */
export const TYPING_TTL_MS = 6000;

export function wireEvents(store: ChatStore, c: BanterClient): void {
  c.onStatus((s, detail) => {
    const was = store.status;
    store.status = s;
    store.statusDetail = detail ?? '';
    if (s === 'online' && was !== 'online') void store.afterReconnect();
    if (s === 'offline' && was === 'online') store.info(store.lobby(), 'Connection lost. Reconnecting…');
    store.changed();
  });
  c.on('message', (ev) => onMessage(store, ev.msg));
  c.on('user_joined', (ev) => onUserJoined(store, ev));
  c.on('user_left', (ev) => onUserLeft(store, ev));
  c.on('user_presence', (ev) => onPresence(store, ev));
  c.on('room_joined', (ev) => onRoomJoined(store, ev));
  c.on('room_left', (ev) => onRoomLeft(store, ev));
  c.on('room_members', (ev) => onRoomMembers(store, ev));
  c.on('room_topic', (ev) => {
    const conv = store.convs.get(roomKey(ev.room));
    if (!conv) return;
    conv.topic = ev.topic;
    store.info(conv, ev.topic ? `${ev.by} set the topic: ${ev.topic}` : `${ev.by} cleared the topic`);
  });
  c.on('typing', (ev) => onTyping(store, ev));
  c.on('notice', (ev) => {
    store.banner = ev.text;
    const item: Item = { kind: 'notice', key: localKey(), ts: Date.now(), text: ev.text };
    pushItem(store.lobby(), item);
    const cur = store.currentConv;
    if (cur && cur !== store.lobby()) pushItem(cur, { ...item, key: localKey() });
    store.changed();
  });
  c.onGap((to, oldest) => noteGap(store, to, oldest));
  c.on('user_renamed', (ev) => onRenamed(store, ev));
  c.on('room_kicked', (ev) => onKicked(store, ev));
  c.on('room_operator', (ev) => {
    const conv = store.convs.get(roomKey(ev.room));
    const m = conv?.members.get(foldName(ev.name));
    if (!conv || !m) return;
    const { role: _role, op: _op, ...rest } = m;
    conv.members.set(foldName(ev.name), ev.op ? { ...rest, op: true, role: 'op' } : rest);
    const who = store.isMe(ev.name) ? 'you' : ev.name;
    store.info(conv, ev.op ? `${ev.by} made ${who} an operator` : `${ev.by} removed operator status from ${who}`);
  });
  c.on('room_mode', (ev) => {
    const conv = store.convs.get(roomKey(ev.room));
    if (!conv) return;
    for (const ch of ev.changes) {
      if (ch.mode !== 'voice' || ch.arg === undefined) continue;
      const m = conv.members.get(foldName(ch.arg));
      if (!m || m.op) continue;
      const { role: _role, ...rest } = m;
      conv.members.set(foldName(ch.arg), ch.on ? { ...rest, role: 'voice' } : rest);
    }
    store.info(conv, `${ev.by} ${describeModeChanges(ev.changes)}`);
  });
  c.on('room_invited', (ev) => {
    const conv = store.currentConv ?? store.lobby();
    pushItem(conv, { kind: 'invite', key: localKey(), ts: Date.now(), room: ev.room, by: ev.by });
    store.changed();
  });
  c.on('bye', (ev) => {
    store.statusDetail = ev.reason;
    store.changed();
  });
}

function convOf(store: ChatStore, msg: ChatMessage): Conv {
  if (msg.to.startsWith('#')) return store.ensureConv(roomKey(msg.to), 'room', msg.to);
  const other = store.isMe(msg.from) ? msg.to : msg.from;
  const conv = store.ensureConv(dmKey(other), 'dm', other);
  conv.joined = true;
  return conv;
}

function onMessage(store: ChatStore, msg: ChatMessage): void {
  const conv = convOf(store, msg);
  if (conv.ids.has(msg.id)) return;
  conv.ids.add(msg.id);
  conv.lastTs = msg.ts;
  if (store.isMe(msg.from)) {
    // Our own message echoed back: it replaces the pending copy, so it is never shown twice.
    const pending = conv.items.find((it) => it.kind === 'msg' && it.pending && it.msg.text === msg.text);
    if (pending) replaceItem(conv, pending, { kind: 'msg', key: msg.id, msg });
    else pushItem(conv, { kind: 'msg', key: msg.id, msg });
  } else {
    pushItem(conv, { kind: 'msg', key: msg.id, msg });
    conv.typing.delete(msg.from);
    const hidden = store.isHidden();
    const mentioned = conv.kind === 'dm' || mentions(msg.text, store.me);
    if (conv.key !== store.current || hidden) {
      conv.unread++;
      if (mentioned) conv.mentions++;
    } else {
      markRead(store, conv);
    }
    if (hidden && mentioned) store.notify(conv, msg);
    // Said to a screen reader: politely in the open conversation, assertively when it is for
    // me (a mention, or a direct message that is not the open conversation).
    const current = conv.key === store.current;
    store.announcer.message(msg, conv.name, conv.kind === 'dm', current, conv.kind === 'dm' ? !current : mentioned);
  }
  store.changed();
}

function onUserJoined(store: ChatStore, ev: EventOf<'user_joined'>): void {
  const u = ev.user;
  store.users.set(foldName(u.name), u);
  // A user who logged in without #lobby (an IRC client without autojoin) has only the
  // permanent rooms everyone gets; one more means #lobby.
  if (u.rooms > store.loginRooms) {
    const lobby = store.lobby();
    lobby.members.set(foldName(u.name), { name: u.name, presence: u.presence });
    pushItem(lobby, eventItem(`${u.name} joined`));
  }
  const dm = store.convs.get(dmKey(u.name));
  if (dm?.joined) pushItem(dm, eventItem(`${u.name} is online`));
  store.changed();
}

function onUserLeft(store: ChatStore, ev: EventOf<'user_left'>): void {
  const folded = foldName(ev.name);
  store.users.delete(folded);
  const why = ev.reason && ev.reason !== 'quit' ? ` (${ev.reason})` : '';
  const rooms = ev.rooms ? new Set(ev.rooms.map(roomKey)) : undefined;
  for (const conv of store.convs.values()) {
    conv.typing.delete(ev.name);
    if (conv.kind !== 'room') continue;
    const was = conv.members.delete(folded);
    if (rooms ? rooms.has(conv.key) : was || conv.key === LOBBY) pushItem(conv, eventItem(`${ev.name} left${why}`));
  }
  const dm = store.convs.get(dmKey(ev.name));
  if (dm) pushItem(dm, eventItem(`${ev.name} went offline`));
  store.changed();
}

function onPresence(store: ChatStore, ev: EventOf<'user_presence'>): void {
  const folded = foldName(ev.name);
  const u = store.users.get(folded);
  if (u) store.users.set(folded, ev.presence === 'away' ? { ...u, presence: 'away', away: ev.away } : { name: u.name, presence: 'online', rooms: u.rooms });
  for (const conv of store.convs.values()) {
    const m = conv.members.get(folded);
    if (m) conv.members.set(folded, { ...m, presence: ev.presence });
  }
  store.changed();
}

function onRoomJoined(store: ChatStore, ev: EventOf<'room_joined'>): void {
  const conv = store.convs.get(roomKey(ev.room));
  if (!conv) return;
  conv.members.set(foldName(ev.name), { name: ev.name, presence: store.users.get(foldName(ev.name))?.presence ?? 'online' });
  if (!store.isMe(ev.name)) pushItem(conv, eventItem(`${ev.name} joined ${conv.name}`));
  store.changed();
}

/** A large room's joins and leaves, summarised: the count changes and the log says how many. */
function onRoomMembers(store: ChatStore, ev: EventOf<'room_members'>): void {
  const conv = store.convs.get(roomKey(ev.room));
  if (!conv) return;
  conv.memberCount = ev.count;
  // The list is no longer known to be whole: it pages on from what is loaded.
  if (conv.membersNext === undefined && conv.members.size !== ev.count) conv.membersNext = [...conv.members.keys()].sort().at(-1) ?? '';
  const what = [ev.joined > 0 ? `${ev.joined} joined` : '', ev.left > 0 ? `${ev.left} left` : ''].filter((x) => x !== '').join(', ');
  if (what !== '') pushItem(conv, eventItem(`${what} — ${ev.count} members`));
  store.changed();
}

function onRoomLeft(store: ChatStore, ev: EventOf<'room_left'>): void {
  const conv = store.convs.get(roomKey(ev.room));
  if (!conv) return;
  conv.members.delete(foldName(ev.name));
  if (store.isMe(ev.name)) conv.joined = false;
  else pushItem(conv, eventItem(`${ev.name} left ${conv.name}`));
  store.changed();
}

function onTyping(store: ChatStore, ev: EventOf<'typing'>): void {
  if (store.isMe(ev.from)) return;
  // Typing to me directly shows only in an existing conversation; it does not open one.
  const conv = store.convs.get(ev.to.startsWith('#') ? roomKey(ev.to) : dmKey(ev.from));
  if (!conv) return;
  store.noteTyping(conv, ev.from, Date.now() + TYPING_TTL_MS);
}

function onRenamed(store: ChatStore, ev: EventOf<'user_renamed'>): void {
  const from = foldName(ev.old);
  const to = foldName(ev.name);
  const me = store.isMe(ev.old);
  if (me) {
    store.me = ev.name;
    // A reload of this tab signs in under the new name.
    if (read(() => sessionStorage, SESSION_KEY)) write(() => sessionStorage, SESSION_KEY, ev.name);
  }
  const u = store.users.get(from);
  if (u) {
    store.users.delete(from);
    store.users.set(to, { ...u, name: ev.name });
  }
  const line = me ? `You are now known as ${ev.name}` : `${ev.old} is now known as ${ev.name}`;
  for (const conv of store.convs.values()) {
    const m = conv.members.get(from);
    if (m) {
      conv.members.delete(from);
      conv.members.set(to, { ...m, name: ev.name });
    }
    const t = conv.typing.get(ev.old);
    if (t !== undefined) {
      conv.typing.delete(ev.old);
      conv.typing.set(ev.name, t);
    }
    if (m && conv.joined) pushItem(conv, eventItem(line));
  }
  // The direct conversation with them now goes by the new name (a case-only change keeps its key).
  const dm = store.convs.get(dmKey(ev.old));
  if (dm) {
    store.convs.delete(dm.key);
    const wasCurrent = store.current === dm.key;
    dm.key = dmKey(ev.name);
    dm.name = ev.name;
    store.convs.set(dm.key, dm);
    if (wasCurrent) store.current = dm.key;
    pushItem(dm, eventItem(line));
  }
  store.changed();
}

function onKicked(store: ChatStore, ev: EventOf<'room_kicked'>): void {
  const conv = store.convs.get(roomKey(ev.room));
  if (!conv) return;
  conv.members.delete(foldName(ev.name));
  const why = ev.reason && ev.reason !== ev.by ? `: ${ev.reason}` : '';
  if (store.isMe(ev.name)) {
    conv.joined = false;
    store.client?.rooms.delete(conv.name);
    const { rooms } = store.sidebar();
    const next = rooms[0] ?? store.lobby();
    if (store.current === conv.key) store.select(next.key);
    pushItem(store.currentConv ?? next, { kind: 'error', key: localKey(), ts: Date.now(), text: `You were removed from ${conv.name} by ${ev.by}${why}` });
  } else {
    pushItem(conv, eventItem(`${ev.name} was removed by ${ev.by}${why}`));
  }
  store.changed();
}
