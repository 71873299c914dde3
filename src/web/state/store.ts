/**
 * The web client's state: conversations, users and connection status, kept up to date from
 * the shared protocol client's events. Components subscribe and re-render on change; Preact
 * batches the renders, so a burst of events costs one render. Event handling is in
 * incoming.ts, item lists in conv.ts.
 */
import { BanterClient, RequestError, wsUrlFor, type ClientStatus } from '../../client/client.ts';
import {
  foldName, LOBBY, type ArgsOf, type ChatMessage, type MemberInfo, type ModeChange, type ReplyData, type RoomSettings, type RoomState, type UserInfo,
} from '../../protocol/index.ts';
import { dmKey, eventItem, firstUnreadKey, localKey, newConv, pushItem, replaceItem, roomKey } from './conv.ts';
import { wireEvents } from './incoming.ts';
import { applyUnread, loadHistory, loadOlder, markRead, mergeReply } from './history.ts';
import { describeError } from '../lib/errors.ts';
import { Announcer } from './announce.ts';
import type { Conv, Item } from './types.ts';
import { fileLinks } from './files.ts';

/** Longest a change waits before it is rendered (about one frame). */
const RENDER_BATCH_MS = 16;

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
  /** Whether the name is a registered account (history of DMs, search in DMs, read marks). */
  registered = false;
  /** Whether the account is a server administrator (the login reply says so): the sidebar shows the administration button. */
  admin = false;
  /** Rooms other than #lobby a fresh login is put in (see login). */
  loginRooms = 0;
  version = 0;
  /** What the screen reader's live regions say about arriving messages. */
  readonly announcer = new Announcer(() => this.changed());
  private readonly listeners = new Set<() => void>();
  private typingTimer: ReturnType<typeof setInterval> | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
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

  /**
   * Connects and logs in (a registered name with its password or session token); on failure
   * the client is closed and an error with a readable message thrown (its `cause` is the
   * RequestError). Loads the recent history of every room after the login.
   */
  async login(name: string, auth: { password?: string; token?: string } = {}): Promise<void> {
    const client = new BanterClient({ url: this.wsUrl });
    try {
      await client.connect();
    } catch {
      client.close();
      throw new Error('Cannot reach the server. Check your connection and try again.');
    }
    // Wired before the login: its reply hands missed and unread messages to the handlers.
    this.me = name;
    wireEvents(this, client);
    let reply;
    try {
      reply = await client.login(name, auth);
    } catch (err) {
      client.close();
      this.convs.clear();
      throw new Error(describeError(err, name), { cause: err });
    }
    this.client = client;
    fileLinks.client = client;
    this.me = reply.name;
    this.registered = reply.registered;
    this.admin = reply.admin === true;
    this.status = 'online';
    // Rooms besides #lobby the user was put in at login (permanent rooms): tells whether
    // someone who logs in later joined #lobby (their room count is then one more).
    this.loginRooms = reply.rooms.filter((r) => r.name !== LOBBY).length;
    for (const r of reply.rooms) this.applyRoomState(r);
    applyUnread(this, reply.unread);
    this.current = reply.rooms.some((r) => r.name === LOBBY) ? LOBBY : roomKey(reply.rooms[0]?.name ?? LOBBY);
    this.changed();
    void this.refreshUsers();
    for (const r of reply.rooms) void loadHistory(this, this.ensureConv(roomKey(r.name), 'room', r.name));
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

  /** After a reconnect the client has logged in and rejoined rooms; refresh what may have changed. */
  async afterReconnect(): Promise<void> {
    this.info(this.lobby(), 'Reconnected.');
    const c = this.client;
    if (!c) return;
    for (const conv of this.convs.values()) {
      if (conv.kind !== 'room' || !conv.joined) continue;
      try {
        const r = await c.request('members', { room: conv.name });
        setMembers(conv, r);
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
      conv = newConv(key, kind, name);
      this.convs.set(key, conv);
    }
    return conv;
  }

  openDm(name: string): Conv {
    const known = this.users.get(foldName(name));
    const conv = this.ensureConv(dmKey(name), 'dm', known?.name ?? name);
    conv.joined = true;
    this.select(conv.key);
    if (this.registered && conv.hasOlder === undefined) void loadHistory(this, conv);
    return conv;
  }

  select(key: string): void {
    const conv = this.convs.get(key);
    if (!conv) return;
    this.current = key;
    conv.newFrom = firstUnreadKey(conv, (n) => this.isMe(n));
    conv.unread = 0;
    conv.mentions = 0;
    markRead(this, conv);
    this.changed();
  }

  /** The tab became visible again: what is on screen has been read. */
  markCurrentRead(): void {
    const conv = this.currentConv;
    if (conv && (conv.unread || conv.mentions)) {
      conv.newFrom = firstUnreadKey(conv, (n) => this.isMe(n));
      conv.unread = 0;
      conv.mentions = 0;
      markRead(this, conv);
      this.changed();
    }
  }

  private applyRoomState(r: RoomState): Conv {
    const conv = this.ensureConv(roomKey(r.name), 'room', r.name);
    conv.name = r.name;
    conv.topic = r.topic;
    conv.joined = true;
    setMembers(conv, r);
    return conv;
  }

  /** Loads the next page of a large room's member list. */
  async moreMembers(conv: Conv): Promise<void> {
    const c = this.client;
    const after = conv.membersNext;
    if (!c || after === undefined) return;
    try {
      const r = await c.request('members', { room: conv.name, after });
      for (const m of r.members) conv.members.set(foldName(m.name), m);
      conv.memberCount = r.count;
      conv.membersNext = r.next;
      this.changed();
    } catch (err) {
      this.pushError(conv, describeError(err));
    }
  }

  /** How many members the room has: the list's size when it is complete, else the server's count. */
  memberCount(conv: Conv): number {
    return conv.membersNext === undefined ? conv.members.size : Math.max(conv.memberCount, conv.members.size);
  }

  /** Shows a local line (help, hints) in a conversation. */
  info(conv: Conv, text: string): void {
    pushItem(conv, eventItem(text));
    this.changed();
  }

  isHidden(): boolean {
    return this.hidden();
  }

  /** Shows "NAME is typing…" in `conv` until `until` (ms). */
  noteTyping(conv: Conv, name: string, until: number): void {
    conv.typing.set(name, until);
    this.typingTimer ??= setInterval(() => this.expireTyping(), 1000);
    this.changed();
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

  private pushError(conv: Conv, text: string): void {
    pushItem(conv, { kind: 'error', key: localKey(), ts: Date.now(), text });
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

  /** A desktop notification (when enabled and permitted). */
  notify(conv: Conv, msg: ChatMessage): void {
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
    pushItem(conv, item);
    conv.lastTs = Date.now();
    this.changed();
    c.send(conv.name, text).then(({ msg }) => {
      if (conv.ids.has(msg.id)) {
        replaceItem(conv, item, undefined);
      } else {
        conv.ids.add(msg.id);
        replaceItem(conv, item, { kind: 'msg', key: msg.id, msg });
      }
      this.changed();
    }, (err: unknown) => {
      replaceItem(conv, item, { ...item, pending: false, failed: describeError(err) });
      this.changed();
    });
  }

  /** Sends uploaded files (ids) with an optional text; the message arrives as an event like any other. */
  sendFiles(conv: Conv, text: string, files: string[]): void {
    this.client?.request('send', { to: conv.name, text, files }).catch((err: unknown) => this.pushError(conv, describeError(err)));
  }

  /** "/me waves": an action, shown as "* NAME waves". Needs the connection (not queued while offline). */
  sendAction(conv: Conv, text: string): void {
    this.client?.request('send', { to: conv.name, text, kind: 'action' }).catch((err: unknown) => this.pushError(conv, describeError(err)));
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
    pushItem(conv, item);
    this.changed();
    c.request('calc', { expr }).then((r) => {
      replaceItem(conv, item, { ...item, expr: r.expr, result: r.result });
      this.changed();
    }, (err: unknown) => {
      replaceItem(conv, item, { ...item, error: err instanceof RequestError && err.code === 'OFFLINE' ? 'Not connected; try again when the connection is back.' : (err as Error).message });
      this.changed();
    });
  }

  /** The administrators' section is open (`/admin`; Chat.tsx). */
  adminOpen = false;

  /** A room that asked for a key: the key prompt is shown for it (Chat.tsx). */
  keyPrompt: string | undefined;

  /**
   * Joins (or creates) a room and switches to it. Throws a readable error; a room with a key
   * opens the key prompt instead (once without a key, again after a wrong one).
   */
  async joinRoom(raw: string, key?: string): Promise<void> {
    const c = this.client;
    if (!c) return;
    const name = raw.trim().startsWith('#') ? raw.trim() : `#${raw.trim()}`;
    let state;
    try {
      state = await c.join(name, key);
    } catch (err) {
      if (err instanceof RequestError && err.code === 'ROOM_KEY_REQUIRED' && key === undefined) {
        this.keyPrompt = name;
        this.changed();
        return;
      }
      throw new Error(describeError(err), { cause: err });
    }
    if (this.keyPrompt !== undefined) this.keyPrompt = undefined;
    const conv = this.applyRoomState(state);
    mergeReply(conv, state.history, true);
    // Fewer than the default 50: the room is small, or the server sends fewer on join
    // (`history.onJoin`); one page back tells which.
    if (state.history.length > 0 && state.history.length < 50) {
      conv.hasOlder = true;
      void loadOlder(this, conv);
    }
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

  /** My role in a room: 'owner', 'op', 'voice' or undefined. */
  myRole(conv: Conv): MemberInfo['role'] {
    return conv.members.get(foldName(this.me))?.role;
  }

  /** Changes room settings, lists or roles; a refusal is shown in the room and rethrown for dialogs. */
  async mode(conv: Conv, changes: ModeChange[]): Promise<ReplyData['mode'] | undefined> {
    const c = this.client;
    if (!c) return undefined;
    try {
      return await c.request('mode', { room: conv.name, changes });
    } catch (err) {
      this.pushError(conv, describeError(err));
      throw new Error(describeError(err), { cause: err });
    }
  }

  /** The room's settings and lists (shown to members). */
  async roomSettings(conv: Conv): Promise<RoomSettings | undefined> {
    return (await this.client?.request('mode', { room: conv.name }))?.settings;
  }

  /** Runs a moderation request for a room; a refusal becomes a readable line there. */
  async moderate<T extends 'kick' | 'invite'>(conv: Conv, type: T, args: ArgsOf<T>): Promise<void> {
    try {
      await this.client?.request(type, args);
      if (type === 'invite') this.info(conv, `Invited ${(args as ArgsOf<'invite'>).name} to ${conv.name}`);
    } catch (err) {
      this.pushError(conv, describeError(err));
    }
  }

  members(conv: Conv): MemberInfo[] {
    return [...conv.members.values()].sort((a, b) => foldName(a.name).localeCompare(foldName(b.name)));
  }

  /** Signs out: a registered session's token is revoked first (best effort), then the connection closed. */
  async logout(): Promise<void> {
    const c = this.client;
    if (c?.token && c.status === 'online') await c.logout().catch(() => undefined);
    c?.close();
    this.client = undefined;
    this.announcer.reset();
  }
}

/** A room's member list from a reply: its first page, the count and where the next page starts. */
function setMembers(conv: Conv, r: { members: MemberInfo[]; count: number; next?: string }): void {
  conv.members.clear();
  for (const m of r.members) conv.members.set(foldName(m.name), m);
  conv.memberCount = r.count;
  conv.membersNext = r.next;
}
