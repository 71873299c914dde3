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
  ERROR_CODES, foldName, LIMITS, LOBBY, normalizeText, type ArgsOf, type ReplyData, type RequestType, type UserInfo,
} from '../protocol/index.ts';
import { findCommand } from './commands.ts';
import { EXIT } from './exit-codes.ts';
import type { Item, ShownEvent } from './items.ts';

export interface Output {
  show(item: Item): void;
  /** Something the prompt shows (conversation, online state) changed. */
  changed(): void;
}

export interface RoomView {
  name: string;
  topic: string;
}

const TYPING_EVERY_MS = 3000;

const SHOWN: readonly ShownEvent['type'][] = [
  'message', 'user_joined', 'user_left', 'user_presence', 'room_joined', 'room_left', 'room_topic', 'typing', 'notice', 'bye',
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

  constructor(client: BanterClient, output: Output) {
    this.client = client;
    this.output = output;
    this.done = new Promise((resolve) => { this.finish = resolve; });
    for (const type of SHOWN) client.on(type, (ev) => this.onEvent(ev as ShownEvent));
    client.onStatus((s, detail) => this.onStatus(s, detail));
  }

  /** My name; kept while the client is logging in again after a reconnect. */
  get me(): string {
    if (this.client.name) this.myName = this.client.name;
    return this.myName;
  }

  /** Messages sent but not yet acknowledged by the server. */
  get unackedCount(): number {
    return this.unacked.size;
  }

  get online(): boolean {
    return this.client.status === 'online';
  }

  /** Call once after login with its reply. */
  async start(rooms: ReplyData['login']['rooms']): Promise<void> {
    for (const r of rooms) this.rememberRoom(r.name, r.topic);
    await this.refreshUsers();
    const lobby = rooms.find((r) => foldName(r.name) === LOBBY);
    this.show({ type: 'status', status: 'connected', text: `connected as ${this.me}${lobby ? `; ${lobby.members.length} in ${lobby.name}` : ''}; /help lists the commands` });
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
  say(to: string, raw: string): void {
    // The server's own rules, checked first so that a message it would refuse never waits
    // in the outbox.
    const norm = normalizeText(raw);
    if ('problem' in norm) {
      const code = norm.problem === 'empty' ? 'TEXT_EMPTY' : norm.problem === 'too_long' ? 'TEXT_TOO_LONG' : 'TEXT_INVALID';
      this.show({ type: 'error', code, message: `${ERROR_CODES[code]}${norm.problem === 'too_long' ? ` (${raw.length} > ${LIMITS.textMaxLength})` : ''}` });
      return;
    }
    const text = norm.text;
    if (!this.online) this.show({ type: 'info', text: `offline: "${text}" will be sent to ${to} when reconnected` });
    const p = this.client.send(to, text).then(() => undefined, (err: unknown) => {
      if (!(err instanceof RequestError && err.code === 'CLOSED')) this.showError(err);
    });
    this.unacked.add(p);
    void p.finally(() => this.unacked.delete(p));
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
    for (const u of users) this.users.set(foldName(u.name), u);
    this.output.changed();
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
        break;
      }
      case 'user_presence': {
        const u = this.users.get(foldName(ev.name));
        if (u) this.users.set(foldName(ev.name), ev.presence === 'away' ? { ...u, presence: 'away', away: ev.away } : { name: u.name, presence: 'online', rooms: u.rooms });
        break;
      }
      case 'message':
        if (!ev.msg.to.startsWith('#') && foldName(ev.msg.from) !== foldName(this.me)) this.lastDmFrom = ev.msg.from;
        break;
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
