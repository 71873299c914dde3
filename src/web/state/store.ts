/**
 * The web client's state: conversations, users and connection status, kept up to date from
 * the shared protocol client's events. Components subscribe and re-render on change; Preact
 * batches the renders, so a burst of events costs one render.
 */
import { BanterClient, RequestError, wsUrlFor, type ClientStatus } from '../../client/client.ts';
import {
  foldName, LOBBY, type ChatMessage, type EventOf, type MemberInfo, type RoomState, type UserInfo,
} from '../../protocol/index.ts';
import { mentions } from '../lib/richtext.ts';
import type { Conv, Item } from './types.ts';

/** Items kept per conversation; older ones are dropped (bounds memory in long sessions). */
export const MAX_ITEMS_PER_CONV = 20_000;
/** How long a typing indicator stays without a new typing event. */
const TYPING_TTL_MS = 6000;
/** Longest a change waits before it is rendered (about one frame). */
const RENDER_BATCH_MS = 16;

let localSeq = 0;
const localKey = (): string => `local-${++localSeq}`;

export function roomKey(name: string): string {
  return foldName(name);
}
export function dmKey(name: string): string {
  return `@${foldName(name)}`;
}

export class ChatStore {
  client: BanterClient | undefined;
  me = '';
  status: ClientStatus = 'idle';
  statusDetail = '';
  readonly convs = new Map<string, Conv>();
  current = LOBBY;
  readonly users = new Map<string, UserInfo>();
  /** The latest server-wide notice, shown as a banner until dismissed. */
  banner: string | undefined;
  notifications = false;
  version = 0;
  private readonly listeners = new Set<() => void>();
  private typingTimer: ReturnType<typeof setInterval> | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private everOnline = false;
  private readonly wsUrl: string;
  private readonly hidden: () => boolean;

  constructor(wsUrl: string = wsUrlFor(globalThis.location?.origin ?? 'http://localhost', '/ws'), hidden: () => boolean = () => document.hidden) {
    this.wsUrl = wsUrl;
    this.hidden = hidden;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Marks the state changed. Listeners are told at most once per frame, so a burst of
   * hundreds of events (a busy room, a reconnect) costs one render instead of hundreds.
   */
  changed(): void {
    this.version++;
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      for (const fn of this.listeners) fn();
    }, RENDER_BATCH_MS);
  }

  // ---------------------------------------------------------------- session

  /** Connects and logs in; on failure the client is closed and a readable error thrown. */
  async login(name: string): Promise<void> {
    const client = new BanterClient({ url: this.wsUrl });
    try {
      await client.connect();
    } catch {
      client.close();
      throw new Error('Cannot reach the server. Check your connection and try again.');
    }
    let reply;
    try {
      reply = await client.login(name);
    } catch (err) {
      client.close();
      throw new Error(err instanceof RequestError ? err.message : 'Login failed.', { cause: err });
    }
    this.client = client;
    this.me = reply.name;
    this.status = 'online';
    this.everOnline = true;
    this.wire(client);
    for (const r of reply.rooms) this.applyRoomState(r);
    this.current = LOBBY;
    this.changed();
    void this.refreshUsers();
  }

  get meFolded(): string {
    return foldName(this.me);
  }

  isMe(name: string): boolean {
    return foldName(name) === this.meFolded;
  }

  get myPresence(): UserInfo | undefined {
    return this.users.get(this.meFolded);
  }

  private wire(c: BanterClient): void {
    c.onStatus((s, detail) => {
      const was = this.status;
      this.status = s;
      this.statusDetail = detail ?? '';
      if (s === 'online' && was !== 'online' && this.everOnline) void this.afterReconnect();
      if (s === 'offline' && was === 'online') this.pushEvent(this.lobby(), 'Connection lost. Reconnecting…');
      this.changed();
    });
    c.on('message', (ev) => this.onMessage(ev.msg));
    c.on('user_joined', (ev) => this.onUserJoined(ev));
    c.on('user_left', (ev) => this.onUserLeft(ev));
    c.on('user_presence', (ev) => this.onPresence(ev));
    c.on('room_joined', (ev) => this.onRoomJoined(ev));
    c.on('room_left', (ev) => this.onRoomLeft(ev));
    c.on('room_topic', (ev) => {
      const conv = this.convs.get(roomKey(ev.room));
      if (!conv) return;
      conv.topic = ev.topic;
      this.pushEvent(conv, ev.topic ? `${ev.by} set the topic: ${ev.topic}` : `${ev.by} cleared the topic`);
    });
    c.on('typing', (ev) => this.onTyping(ev));
    c.on('notice', (ev) => {
      this.banner = ev.text;
      const item: Item = { kind: 'notice', key: localKey(), ts: Date.now(), text: ev.text };
      this.push(this.lobby(), item);
      const cur = this.currentConv;
      if (cur && cur !== this.lobby()) this.push(cur, { ...item, key: localKey() });
      this.changed();
    });
    c.on('bye', (ev) => {
      this.statusDetail = ev.reason;
      this.changed();
    });
  }

  /** After a reconnect the client has logged in and rejoined rooms; refresh what may have changed. */
  private async afterReconnect(): Promise<void> {
    this.pushEvent(this.lobby(), 'Reconnected.');
    const c = this.client;
    if (!c) return;
    for (const conv of this.convs.values()) {
      if (conv.kind !== 'room' || !conv.joined) continue;
      try {
        const r = await c.request('members', { room: conv.name });
        conv.members.clear();
        for (const m of r.members) conv.members.set(foldName(m.name), m);
      } catch {
        conv.joined = conv.key === LOBBY;
      }
    }
    await this.refreshUsers();
  }

  async refreshUsers(): Promise<void> {
    const c = this.client;
    if (!c || c.status !== 'online') return;
    try {
      const r = await c.request('users', {});
      this.users.clear();
      for (const u of r.users) this.users.set(foldName(u.name), u);
      this.changed();
    } catch {
      // Offline or timed out: the list refreshes on the next reconnect or when Users is opened.
    }
  }

  // ---------------------------------------------------------------- conversations

  get currentConv(): Conv | undefined {
    return this.convs.get(this.current);
  }

  lobby(): Conv {
    return this.ensureConv(roomKey(LOBBY), 'room', LOBBY);
  }

  ensureConv(key: string, kind: 'room' | 'dm', name: string): Conv {
    let conv = this.convs.get(key);
    if (!conv) {
      conv = { key, kind, name, items: [], ids: new Set(), unread: 0, mentions: 0, topic: '', members: new Map(), joined: true, typing: new Map(), lastTs: 0 };
      this.convs.set(key, conv);
    }
    return conv;
  }

  openDm(name: string): Conv {
    const known = this.users.get(foldName(name));
    const conv = this.ensureConv(dmKey(name), 'dm', known?.name ?? name);
    conv.joined = true;
    this.select(conv.key);
    return conv;
  }

  select(key: string): void {
    const conv = this.convs.get(key);
    if (!conv) return;
    this.current = key;
    conv.unread = 0;
    conv.mentions = 0;
    this.changed();
  }

  /** The tab became visible again: what is on screen has been read. */
  markCurrentRead(): void {
    const conv = this.currentConv;
    if (conv && (conv.unread || conv.mentions)) {
      conv.unread = 0;
      conv.mentions = 0;
      this.changed();
    }
  }

  private applyRoomState(r: RoomState): Conv {
    const conv = this.ensureConv(roomKey(r.name), 'room', r.name);
    conv.name = r.name;
    conv.topic = r.topic;
    conv.joined = true;
    conv.members.clear();
    for (const m of r.members) conv.members.set(foldName(m.name), m);
    return conv;
  }

  private push(conv: Conv, item: Item): void {
    conv.items.push(item);
    if (conv.items.length > MAX_ITEMS_PER_CONV) {
      const dropped = conv.items.splice(0, conv.items.length - MAX_ITEMS_PER_CONV);
      for (const d of dropped) if (d.kind === 'msg') conv.ids.delete(d.msg.id);
    }
  }

  private replace(conv: Conv, old: Item, next: Item | undefined): void {
    const i = conv.items.indexOf(old);
    if (i < 0) return;
    if (next) conv.items[i] = next;
    else conv.items.splice(i, 1);
  }

  /** Shows a local line (help, hints) in a conversation. */
  info(conv: Conv, text: string): void {
    this.pushEvent(conv, text);
  }

  /** Rooms (#lobby first, then by name) and direct conversations (most recent first), as the sidebar lists them. */
  sidebar(): { rooms: Conv[]; dms: Conv[] } {
    const convs = [...this.convs.values()].filter((c) => c.joined);
    return {
      rooms: convs.filter((c) => c.kind === 'room').sort((a, b) => (a.key === LOBBY ? -1 : b.key === LOBBY ? 1 : a.key.localeCompare(b.key))),
      dms: convs.filter((c) => c.kind === 'dm').sort((a, b) => b.lastTs - a.lastTs || a.key.localeCompare(b.key)),
    };
  }

  /** Moves to the previous (-1) or next (+1) conversation in sidebar order. */
  step(dir: -1 | 1): void {
    const { rooms, dms } = this.sidebar();
    const all = [...rooms, ...dms];
    const i = all.findIndex((c) => c.key === this.current);
    const next = all[(i + dir + all.length) % all.length];
    if (next) this.select(next.key);
  }

  /** Names of existing rooms this user is not in (for the join field's suggestions). */
  async otherRooms(): Promise<string[]> {
    const c = this.client;
    if (!c || c.status !== 'online') return [];
    try {
      const r = await c.request('rooms', {});
      return r.rooms.map((x) => x.name).filter((n) => !this.convs.get(roomKey(n))?.joined);
    } catch {
      return [];
    }
  }

  private pushEvent(conv: Conv, text: string): void {
    this.push(conv, { kind: 'event', key: localKey(), ts: Date.now(), text });
    this.changed();
  }

  private pushError(conv: Conv, text: string): void {
    this.push(conv, { kind: 'error', key: localKey(), ts: Date.now(), text });
    this.changed();
  }

  // ---------------------------------------------------------------- incoming events

  private convOf(msg: ChatMessage): Conv {
    if (msg.to.startsWith('#')) return this.ensureConv(roomKey(msg.to), 'room', msg.to);
    const other = this.isMe(msg.from) ? msg.to : msg.from;
    const conv = this.ensureConv(dmKey(other), 'dm', other);
    conv.joined = true;
    return conv;
  }

  private onMessage(msg: ChatMessage): void {
    const conv = this.convOf(msg);
    if (conv.ids.has(msg.id)) return;
    conv.ids.add(msg.id);
    conv.lastTs = msg.ts;
    const mine = this.isMe(msg.from);
    if (mine) {
      // Our own message echoed back: it replaces the pending copy, so it is never shown twice.
      const pending = conv.items.find((it) => it.kind === 'msg' && it.pending && it.msg.text === msg.text);
      if (pending) this.replace(conv, pending, { kind: 'msg', key: msg.id, msg });
      else this.push(conv, { kind: 'msg', key: msg.id, msg });
    } else {
      this.push(conv, { kind: 'msg', key: msg.id, msg });
      conv.typing.delete(msg.from);
      const visible = conv.key === this.current && !this.hidden();
      const mentioned = conv.kind === 'dm' || mentions(msg.text, this.me);
      if (!visible) {
        conv.unread++;
        if (mentioned) conv.mentions++;
      }
      if (this.hidden() && mentioned) this.notify(conv, msg);
    }
    this.changed();
  }

  private onUserJoined(ev: EventOf<'user_joined'>): void {
    const u = ev.user;
    this.users.set(foldName(u.name), u);
    const lobby = this.lobby();
    lobby.members.set(foldName(u.name), { name: u.name, presence: u.presence });
    this.pushEvent(lobby, `${u.name} joined`);
    const dm = this.convs.get(dmKey(u.name));
    if (dm?.joined) this.pushEvent(dm, `${u.name} is online`);
  }

  private onUserLeft(ev: EventOf<'user_left'>): void {
    const folded = foldName(ev.name);
    this.users.delete(folded);
    const why = ev.reason && ev.reason !== 'quit' ? ` (${ev.reason})` : '';
    for (const conv of this.convs.values()) {
      conv.typing.delete(ev.name);
      if (conv.kind === 'room' && (conv.members.delete(folded) || conv.key === LOBBY)) {
        this.push(conv, { kind: 'event', key: localKey(), ts: Date.now(), text: `${ev.name} left${why}` });
      }
    }
    const dm = this.convs.get(dmKey(ev.name));
    if (dm) this.push(dm, { kind: 'event', key: localKey(), ts: Date.now(), text: `${ev.name} went offline` });
    this.changed();
  }

  private onPresence(ev: EventOf<'user_presence'>): void {
    const folded = foldName(ev.name);
    const u = this.users.get(folded);
    if (u) this.users.set(folded, ev.presence === 'away' ? { ...u, presence: 'away', away: ev.away } : { name: u.name, presence: 'online', rooms: u.rooms });
    for (const conv of this.convs.values()) {
      const m = conv.members.get(folded);
      if (m) conv.members.set(folded, { ...m, presence: ev.presence });
    }
    this.changed();
  }

  private onRoomJoined(ev: EventOf<'room_joined'>): void {
    const conv = this.convs.get(roomKey(ev.room));
    if (!conv) return;
    conv.members.set(foldName(ev.name), { name: ev.name, presence: this.users.get(foldName(ev.name))?.presence ?? 'online' });
    if (!this.isMe(ev.name)) this.pushEvent(conv, `${ev.name} joined ${conv.name}`);
    else this.changed();
  }

  private onRoomLeft(ev: EventOf<'room_left'>): void {
    const conv = this.convs.get(roomKey(ev.room));
    if (!conv) return;
    conv.members.delete(foldName(ev.name));
    if (this.isMe(ev.name)) {
      conv.joined = false;
      this.changed();
      return;
    }
    this.pushEvent(conv, `${ev.name} left ${conv.name}`);
  }

  private onTyping(ev: EventOf<'typing'>): void {
    if (this.isMe(ev.from)) return;
    const conv = ev.to.startsWith('#') ? this.convs.get(roomKey(ev.to)) : this.ensureConv(dmKey(ev.from), 'dm', ev.from);
    if (!conv) return;
    conv.typing.set(ev.from, Date.now() + TYPING_TTL_MS);
    this.typingTimer ??= setInterval(() => this.expireTyping(), 1000);
    this.changed();
  }

  private expireTyping(): void {
    const now = Date.now();
    let any = false;
    let changed = false;
    for (const conv of this.convs.values()) {
      for (const [name, until] of conv.typing) {
        if (until <= now) {
          conv.typing.delete(name);
          changed = true;
        } else {
          any = true;
        }
      }
    }
    if (!any && this.typingTimer) {
      clearInterval(this.typingTimer);
      this.typingTimer = undefined;
    }
    if (changed) this.changed();
  }

  private notify(conv: Conv, msg: ChatMessage): void {
    if (!this.notifications || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    const title = conv.kind === 'dm' ? `${msg.from} (direct message)` : `${msg.from} in ${conv.name}`;
    const n = new Notification(title, { body: msg.text.slice(0, 200), tag: conv.key });
    n.onclick = () => {
      window.focus();
      this.select(conv.key);
      n.close();
    };
  }

  async setNotifications(on: boolean): Promise<void> {
    if (on && typeof Notification !== 'undefined' && Notification.permission !== 'granted') {
      const p = await Notification.requestPermission();
      on = p === 'granted';
    }
    this.notifications = on;
    this.changed();
  }

  // ---------------------------------------------------------------- actions

  /** Sends to a conversation. While offline the message waits in the client's outbox. */
  sendTo(conv: Conv, text: string): void {
    const c = this.client;
    if (!c) return;
    const key = localKey();
    const item: Item = { kind: 'msg', key, pending: true, msg: { id: key, seq: -1, to: conv.name, from: this.me, text, ts: Date.now() } };
    this.push(conv, item);
    conv.lastTs = Date.now();
    this.changed();
    c.send(conv.name, text).then(({ msg }) => {
      if (conv.ids.has(msg.id)) {
        this.replace(conv, item, undefined);
      } else {
        conv.ids.add(msg.id);
        this.replace(conv, item, { kind: 'msg', key: msg.id, msg });
      }
      this.changed();
    }, (err: unknown) => {
      this.replace(conv, item, { ...item, pending: false, failed: err instanceof Error ? err.message : String(err) });
      this.changed();
    });
  }

  sendDm(name: string, text: string): void {
    const conv = this.openDm(name.trim());
    if (text.trim()) this.sendTo(conv, text);
  }

  /** Evaluates an expression; the result is shown only here, in the current conversation. */
  calc(expr: string): void {
    const conv = this.currentConv;
    const c = this.client;
    if (!conv || !c) return;
    const item: Item = { kind: 'calc', key: localKey(), ts: Date.now(), expr };
    this.push(conv, item);
    this.changed();
    c.request('calc', { expr }).then((r) => {
      this.replace(conv, item, { ...item, expr: r.expr, result: r.result });
      this.changed();
    }, (err: unknown) => {
      this.replace(conv, item, { ...item, error: err instanceof RequestError && err.code === 'OFFLINE' ? 'Not connected; try again when the connection is back.' : (err as Error).message });
      this.changed();
    });
  }

  /** Joins (or creates) a room and switches to it. Throws a readable error. */
  async joinRoom(raw: string): Promise<void> {
    const c = this.client;
    if (!c) return;
    const name = raw.trim().startsWith('#') ? raw.trim() : `#${raw.trim()}`;
    const state = await c.request('join', { room: name });
    c.rooms.add(state.name);
    const conv = this.applyRoomState(state);
    this.select(conv.key);
  }

  async leaveRoom(conv: Conv): Promise<void> {
    const c = this.client;
    if (!c || conv.kind !== 'room') return;
    try {
      await c.request('part', { room: conv.name });
      c.rooms.delete(conv.name);
      conv.joined = false;
      if (this.current === conv.key) this.select(roomKey(LOBBY));
      this.changed();
    } catch (err) {
      this.pushError(conv, (err as Error).message);
    }
  }

  closeDm(conv: Conv): void {
    conv.joined = false;
    if (this.current === conv.key) this.select(roomKey(LOBBY));
    this.changed();
  }

  async setTopic(conv: Conv, topic: string): Promise<void> {
    try {
      await this.client?.request('topic', { room: conv.name, topic });
    } catch (err) {
      this.pushError(conv, (err as Error).message);
    }
  }

  /** Shows an error line (a refused command) in a conversation. */
  error(conv: Conv, text: string): void {
    this.pushError(conv, text);
  }

  async setAway(message: string | undefined): Promise<void> {
    const c = this.client;
    if (!c) return;
    try {
      if (message === undefined) await c.request('back', {});
      else await c.request('away', message ? { message } : {});
    } catch (err) {
      const conv = this.currentConv;
      if (conv) this.pushError(conv, (err as Error).message);
    }
  }

  /** Tells the conversation we are typing (callers throttle). */
  typing(conv: Conv): void {
    const c = this.client;
    if (!c || c.status !== 'online') return;
    if (conv.kind === 'dm' && !this.users.has(foldName(conv.name))) return;
    c.request('typing', { to: conv.name }).catch(() => undefined);
  }

  members(conv: Conv): MemberInfo[] {
    return [...conv.members.values()].sort((a, b) => foldName(a.name).localeCompare(foldName(b.name)));
  }

  logout(): void {
    this.client?.close();
    this.client = undefined;
  }
}
