/**
 * One chat session of the terminal client, independent of how lines come in and go out:
 * keeps what the prompt and completion need (current conversation, users, rooms), turns
 * input lines into commands or messages, and server events into Items for an Output.
 *
 * Input lines are handled one at a time, in order, so that in a script "/join #dev" has
 * finished (and switched the conversation) before the next line is sent. Messages do not
 * block the queue: they go to BanterClient's outbox, which keeps them across reconnects.
 */
import { RequestError, type BanterClient, type ClientStatus } from '../client/client.ts';
import {
  ERROR_CODES, foldName, formatSize, LIMITS, LOBBY, normalizeText, textProblemCode, type ArgsOf, type ChatMessage, type MessageKind, type ReplyData, type RequestType, type UserInfo,
} from '../protocol/index.ts';
import { findCommand } from './commands.ts';
import { httpBase } from './commands-files.ts';
import { EXIT } from './exit-codes.ts';
import type { Item, ShownEvent } from './items.ts';
import type { TokenStore } from './tokens.ts';

export interface Output {
  show(item: Item): void;
  /** Something the prompt shows (conversation, online state) changed. */
  changed(): void;
  /** Asks the user a question (TTY mode only); `secret`: without echo. Undefined: cancelled. */
  ask?(question: string, secret: boolean): Promise<string | undefined>;
}

export interface SessionOptions {
  /** The server's http(s) URL (the key of saved session tokens). */
  server: string;
  /** Where session tokens are saved; undefined: not saved. */
  tokens: TokenStore | undefined;
}

/** Displayed seqs remembered per conversation (to show each message once). */
const SHOWN_MAX = 2000;

export interface RoomView {
  name: string;
  topic: string;
}

const TYPING_EVERY_MS = 3000;

const SHOWN: readonly ShownEvent['type'][] = [
  'message', 'user_joined', 'user_left', 'user_presence', 'room_joined', 'room_left', 'room_topic', 'typing', 'notice', 'bye',
  'user_renamed', 'room_kicked', 'room_operator', 'room_invited', 'room_mode', 'room_members',
];

export class ChatSession {
  readonly client: BanterClient;
  readonly output: Output;
  /** Where plain text goes: "#room" or a user name. */
  current: string = LOBBY;
  /** Connected users by folded name (for completion and /switch). */
  readonly users = new Map<string, UserInfo>();
  /** Rooms I am in, by folded name. */
  readonly joined = new Map<string, RoomView>();
  /** Every room name seen (for completion). */
  readonly knownRooms = new Set<string>();
  /** Resolves with the exit code once the session should end. */
  readonly done: Promise<number>;
  quitting = false;
  private finish!: (code: number) => void;
  private queue: Promise<void> = Promise.resolve();
  private readonly unacked = new Set<Promise<unknown>>();
  private wasOffline = false;
  private lastTyping = 0;
  private myName = '';
  /** The other party of the last direct message received (for /reply). */
  lastDmFrom: string | undefined;
  readonly server: string;
  readonly tokens: TokenStore | undefined;
  /** Whether my name is a registered account (DM history, unread marks, search in DMs). */
  registered = false;
  /** Seqs displayed per conversation key (folded room or person), so each message shows once. */
  private readonly shown = new Map<string, Set<number>>();
  /** Oldest seq shown by history per conversation: where /history pages back from. */
  readonly oldest = new Map<string, number>();
  /** Conversations whose recent history has been shown (it is shown once per session). */
  private readonly opened = new Set<string>();
  /** Read marks sent, per person. */
  private readonly readSent = new Map<string, number>();

  constructor(client: BanterClient, output: Output, opts: SessionOptions = { server: '', tokens: undefined }) {
    this.client = client;
    this.output = output;
    this.server = opts.server;
    this.tokens = opts.tokens;
    this.done = new Promise((resolve) => { this.finish = resolve; });
    for (const type of SHOWN) client.on(type, (ev) => this.onEvent(ev as ShownEvent));
    client.onStatus((s, detail) => this.onStatus(s, detail));
    client.onGap((to, before) => this.showGap(to, before));
  }

  /** My name; kept while the client is logging in again after a reconnect. */
  get me(): string {
    if (this.client.name) this.myName = this.client.name;
    return this.myName;
  }

  /** Messages (and read marks) sent but not yet acknowledged by the server. */
  get unackedCount(): number {
    return this.unacked.size;
  }

  get online(): boolean {
    return this.client.status === 'online';
  }

  /**
   * Call once after login with its reply: shows the lobby's recent history, then what was
   * delivered with the login (offline direct messages) and the unread counts.
   */
  async start(reply: ReplyData['login']): Promise<void> {
    const { rooms } = reply;
    this.registered = reply.registered;
    for (const r of rooms) this.rememberRoom(r.name, r.topic);
    await this.refreshUsers();
    const lobby = rooms.find((r) => foldName(r.name) === LOBBY);
    this.show({ type: 'status', status: 'connected', text: `connected as ${this.me}${reply.registered ? ' (registered)' : ''}${lobby ? `; ${lobby.count} in ${lobby.name}` : ''}; /help lists the commands` });
    if (lobby) {
      // Up to what the login reply counted: later messages arrive as events after it.
      const upTo = reply.lastSeq[lobby.name] ?? Object.entries(reply.lastSeq).find(([k]) => foldName(k) === LOBBY)?.[1];
      this.opened.add(LOBBY);
      const h = await this.client.history(lobby.name, upTo !== undefined ? { before: upTo + 1 } : {}).catch(() => undefined);
      if (h) this.showHistory(lobby.name, h.messages, true);
    }
    for (const m of reply.missed) {
      if (m.gap && m.messages[0]) this.showGap(m.to, m.messages[0].seq);
      for (const msg of m.messages) this.onEvent({ type: 'message', msg });
    }
    for (const u of reply.unread) if (u.count > 0) this.show({ type: 'unread', from: u.to, count: u.count });
  }

  /** Conversation key of a message: the folded room, or the folded name of the other person. */
  convKey(msg: ChatMessage): string {
    if (msg.to.startsWith('#')) return foldName(msg.to);
    return foldName(msg.from) === foldName(this.me) ? foldName(msg.to) : foldName(msg.from);
  }

  /** Records a message as displayed; false when it was displayed already. */
  private markShown(msg: ChatMessage): boolean {
    const key = this.convKey(msg);
    let set = this.shown.get(key);
    if (!set) this.shown.set(key, (set = new Set()));
    if (set.has(msg.seq)) return false;
    set.add(msg.seq);
    if (set.size > SHOWN_MAX) for (const seq of set) { set.delete(seq); if (set.size <= SHOWN_MAX) break; }
    return true;
  }

  /**
   * Shows earlier messages of a conversation, oldest first, as history lines. `auto` (on
   * join, switch, start): only those not displayed yet, with a hint about paging.
   */
  showHistory(target: string, messages: ChatMessage[], auto: boolean): void {
    const key = foldName(target);
    const first = messages[0];
    if (first && first.seq < (this.oldest.get(key) ?? Infinity)) this.oldest.set(key, first.seq);
    let n = 0;
    for (const msg of messages) {
      if (!this.markShown(msg) && auto) continue;
      this.show({ type: 'history', msg });
      n++;
    }
    if (auto && n > 0) this.show({ type: 'info', text: `${target}: ${n} earlier message${n === 1 ? '' : 's'} above; /history ${target} for older ones` });
  }

  /** Where /history pages back from in a conversation: the oldest seq displayed, if any. */
  pageFrom(target: string): number | undefined {
    const key = foldName(target);
    const o = this.oldest.get(key);
    if (o !== undefined) return o;
    const set = this.shown.get(key);
    return set && set.size ? Math.min(...set) : undefined;
  }

  private showGap(to: string, before: number): void {
    const key = foldName(to);
    if (before < (this.oldest.get(key) ?? Infinity)) this.oldest.set(key, before);
    this.show({ type: 'gap', to: to.startsWith('#') ? to : `@${to}`, before });
  }

  /**
   * Opens a conversation with a person: shows its recent history once (registered users
   * only; the server keeps guests' DMs out of history) and marks it read.
   */
  async openDm(name: string): Promise<void> {
    const key = foldName(name);
    if (this.registered && !this.opened.has(key) && this.online) {
      this.opened.add(key);
      const h = await this.client.history(name).catch(() => undefined);
      if (h) this.showHistory(name, h.messages, true);
    }
    this.markRead(name);
  }

  /** Moves my read mark of a DM conversation up to the newest message I have seen. */
  markRead(name: string): void {
    if (!this.registered || name.startsWith('#')) return;
    const key = foldName(name);
    const seq = this.client.lastSeq.get(key);
    if (!seq || (this.readSent.get(key) ?? 0) >= seq) return;
    this.readSent.set(key, seq);
    // Quitting waits for it like for a message, so a read mark set just before /quit holds.
    const p = this.client.markRead(name, seq).then(() => undefined, () => { this.readSent.delete(key); });
    this.unacked.add(p);
    void p.finally(() => this.unacked.delete(p));
  }

  /** Shows a join reply's recent history (once per room per session). */
  showJoinHistory(reply: ReplyData['join']): void {
    const key = foldName(reply.name);
    if (this.opened.has(key)) return;
    this.opened.add(key);
    this.showHistory(reply.name, reply.history, true);
  }

  show(item: Item): void {
    this.output.show(item);
  }

  showError(err: unknown): void {
    if (err instanceof RequestError) this.show({ type: 'error', code: err.code, message: err.message });
    else this.show({ type: 'error', code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) });
  }

  /** Queues one input line; lines run strictly in order. */
  input(line: string): void {
    this.queue = this.queue.then(() => (this.quitting ? undefined : this.handle(line))).catch((err: unknown) => this.showError(err));
  }

  /** Resolves when every queued input line has been handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  async handle(raw: string): Promise<void> {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    if (line.startsWith('//')) return this.say(this.current, line.slice(1));
    if (!line.startsWith('/')) return this.say(this.current, line);
    const m = /^\/(\S+)\s*([\s\S]*)$/.exec(line)!;
    const cmd = findCommand(m[1]!);
    if (!cmd) {
      this.show({ type: 'error', code: 'UNKNOWN_COMMAND', message: `unknown command /${m[1]!} (/help lists the commands)` });
      return;
    }
    await cmd.run(this, m[2]!.trim());
  }

  /** Sends a message; while offline it waits in the outbox and goes out once after reconnecting. */
  say(to: string, raw: string, kind?: MessageKind): void {
    // The server's own rules, checked first so that a message it would refuse never waits
    // in the outbox.
    const norm = normalizeText(raw);
    if ('problem' in norm) {
      const code = textProblemCode(norm.problem);
      this.show({ type: 'error', code, message: `${ERROR_CODES[code]}${norm.problem === 'too_long' ? ` (${raw.length} > ${LIMITS.textMaxLength})` : ''}` });
      return;
    }
    const text = norm.text;
    if (!this.online) this.show({ type: 'info', text: `offline: "${text}" will be sent to ${to} when reconnected` });
    const p = this.client.send(to, text, kind).then(() => undefined, (err: unknown) => {
      if (!(err instanceof RequestError && err.code === 'CLOSED')) this.showError(err);
    });
    this.unacked.add(p);
    void p.finally(() => this.unacked.delete(p));
  }

  /** For a message with files: one line per file with a (signed, expiring) URL to open it with. */
  private showFileLinks(msg: ChatMessage): void {
    const files = msg.files ?? [];
    if (files.length === 0 || this.server === '') return;
    void this.client.request('file_links', { files: files.map((f) => f.id) }).then((r) => {
      for (const f of files) {
        const l = r.links[f.id];
        if (l) this.show({ type: 'info', text: `file ${f.name} (${formatSize(f.size)}, ${f.type}): ${httpBase(this.server)}${l.url}` });
      }
    }, () => undefined);
  }

  /** A request whose failure is shown as an error line; resolves undefined then. */
  async request<T extends RequestType>(type: T, args: ArgsOf<T>): Promise<ReplyData[T] | undefined> {
    try {
      return await this.client.request(type, args);
    } catch (err) {
      this.showError(err);
      return undefined;
    }
  }

  /**
   * Tells the current conversation that I am typing (web users see an indicator). At most
   * once per TYPING_EVERY_MS, only for text (not commands), only while online.
   */
  typing(line: string): void {
    if (!this.online || line === '' || (line.startsWith('/') && !line.startsWith('//'))) return;
    const now = Date.now();
    if (now - this.lastTyping < TYPING_EVERY_MS) return;
    this.lastTyping = now;
    this.client.request('typing', { to: this.current }).catch(() => undefined);
  }

  setCurrent(target: string): void {
    this.current = target;
    this.output.changed();
  }

  rememberRoom(name: string, topic: string): void {
    this.joined.set(foldName(name), { name, topic });
    this.knownRooms.add(name);
    if (foldName(name) !== LOBBY) this.client.rooms.add(name);
  }

  forgetRoom(name: string): void {
    this.joined.delete(foldName(name));
    // Joining again shows what was said meanwhile (messages already shown are skipped).
    this.opened.delete(foldName(name));
    for (const r of this.client.rooms) if (foldName(r) === foldName(name)) this.client.rooms.delete(r);
    if (foldName(this.current) === foldName(name)) {
      this.setCurrent(LOBBY);
      this.show({ type: 'info', text: `now talking in ${LOBBY}` });
    }
  }

  /** Refreshes the user list quietly (for completion and the prompt). */
  async refreshUsers(): Promise<void> {
    const reply = await this.client.request('users', {}).catch(() => undefined);
    if (reply) this.setUsers(reply.users);
  }

  setUsers(users: UserInfo[]): void {
    this.users.clear();
    this.addUsers(users);
  }

  /** Adds a further page of the user list (`/users +`). */
  addUsers(users: UserInfo[]): void {
    for (const u of users) this.users.set(foldName(u.name), u);
    this.output.changed();
  }

  /** Cursors of paged lists (`users`, `members:<folded room>`): where `+` continues. */
  readonly pages = new Map<string, string>();

  /** Remembers where a paged list continues, or that it is complete (`next` absent). */
  notePage(key: string, next: string | undefined): void {
    if (next === undefined) this.pages.delete(key);
    else this.pages.set(key, next);
  }

  /** My presence as the server last announced it. */
  get away(): boolean {
    return this.users.get(foldName(this.me))?.presence === 'away';
  }

  quit(code: number): void {
    this.quitting = true;
    this.finish(code);
  }

  /** Waits up to `ms` for sent messages to be acknowledged; returns how many are still waiting. */
  async drain(ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    while (this.unacked.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.unacked]), new Promise((r) => { timer = setTimeout(r, left); })]);
      clearTimeout(timer);
    }
    return this.unacked.size;
  }

  private onEvent(ev: ShownEvent): void {
    switch (ev.type) {
      case 'user_joined': this.users.set(foldName(ev.user.name), ev.user); break;
      case 'user_left': this.users.delete(foldName(ev.name)); break;
      case 'user_renamed': {
        const u = this.users.get(foldName(ev.old));
        this.users.delete(foldName(ev.old));
        if (u) this.users.set(foldName(ev.name), { ...u, name: ev.name });
        // Keep talking to the same person (or, for myself, the prompt is redrawn below).
        if (foldName(this.current) === foldName(ev.old)) this.current = ev.name;
        if (this.lastDmFrom !== undefined && foldName(this.lastDmFrom) === foldName(ev.old)) this.lastDmFrom = ev.name;
        this.output.changed();
        break;
      }
      case 'user_presence': {
        const u = this.users.get(foldName(ev.name));
        if (u) this.users.set(foldName(ev.name), ev.presence === 'away' ? { ...u, presence: 'away', away: ev.away } : { name: u.name, presence: 'online', rooms: u.rooms });
        break;
      }
      case 'message': {
        if (!this.markShown(ev.msg)) return;
        const dm = !ev.msg.to.startsWith('#');
        if (dm && foldName(ev.msg.from) !== foldName(this.me)) this.lastDmFrom = ev.msg.from;
        // A direct message in the conversation on screen is read as it arrives.
        if (dm && this.convKey(ev.msg) === foldName(this.current)) {
          this.show(ev);
          this.markRead(this.current);
          this.showFileLinks(ev.msg);
          return;
        }
        this.show(ev);
        this.showFileLinks(ev.msg);
        return;
      }
      case 'room_topic': {
        const r = this.joined.get(foldName(ev.room));
        if (r) r.topic = ev.topic;
        break;
      }
      default: break;
    }
    this.show(ev);
    if (ev.type === 'user_presence' && foldName(ev.name) === foldName(this.me)) this.output.changed();
    if ((ev.type === 'room_left' || ev.type === 'room_kicked') && foldName(ev.name) === foldName(this.me)) this.forgetRoom(ev.room);
  }

  private onStatus(s: ClientStatus, detail: string | undefined): void {
    if (this.quitting) return;
    if (s === 'offline') {
      this.wasOffline = true;
      this.show({ type: 'status', status: 'disconnected', text: `disconnected${detail ? `: ${detail}` : ''}` });
      this.output.changed();
    } else if (s === 'online' && this.wasOffline) {
      this.wasOffline = false;
      const waiting = this.client.outboxSize;
      this.show({ type: 'status', status: 'reconnected', text: `reconnected as ${this.me}${waiting ? `; sending ${waiting} queued message${waiting === 1 ? '' : 's'}` : ''}` });
      this.output.changed();
      void this.refreshUsers();
    } else if (s === 'closed') {
      this.show({ type: 'status', status: 'closed', text: `connection closed for good${detail ? `: ${detail}` : ''}` });
      this.quit(EXIT.LOST);
    }
  }
}
