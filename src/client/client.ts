/**
 * The protocol client shared by the web app and the terminal client: typed requests matched
 * to replies by id, typed events validated on receipt, automatic reconnect with exponential
 * backoff and jitter, and an outbox so that messages written while offline are sent once
 * when the connection is back.
 *
 * Duplicate-free resend: each `send` keeps its request id across reconnects; the server
 * stores at most one message per (sender, request id) within its idempotency window, so a
 * message whose reply was lost in a disconnect is not stored twice when resent.
 *
 * Resume without gaps: the client remembers the last `seq` it saw per conversation (from
 * `message` events and from the messages in `login`/`join`/`history` replies). After a
 * reconnect it logs in again with `resume` (and its session token, for a registered name),
 * rejoins its rooms with `since`, and hands every missed message to the `message`
 * handlers, in order, exactly once; messages at or below the remembered seq are dropped. When
 * more was missed than the server sends at once, `onGap` handlers are told so the UI can
 * offer to page back with `history`. Edits, deletions and reactions take seqs of their own
 * (`message_update` events advance the resume point too); older messages changed while
 * away come back in their current state to the `onUpdated` handlers.
 *
 * Works with the browser's WebSocket and Node's global WebSocket alike.
 */
import {
  foldName, ServerEvent, type ArgsOf, type ChatMessage, type EventOf, type MessageKind, type MissedMessages, type ReplyData, type RequestType, type ServerEventType,
} from '../protocol/index.ts';

/** How long an outbox message refused with RATE_LIMITED waits before it is sent again. */
const RATE_LIMIT_RETRY_MS = 1000;

export type ClientStatus = 'idle' | 'connecting' | 'online' | 'offline' | 'closed';

export class RequestError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'RequestError';
  }
}

export interface ClientOptions {
  /** WebSocket URL, e.g. ws://localhost:8080/ws */
  url: string;
  /** Reconnect after an unexpected close (default true). */
  reconnect?: boolean;
  /** First reconnect delay in ms (default 500), doubled each failure up to maxDelayMs (default 15000). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** How long a request may wait for its reply, in ms (default 30000). */
  requestTimeoutMs?: number;
  /**
   * After a reconnect, how long (ms since the connection dropped) a NAME_TAKEN on re-login
   * counts as our own stale connection and is retried with backoff (default 90000; the
   * server notices a dead peer within two ping intervals, 60 s by default).
   */
  reloginGraceMs?: number;
}

interface Pending {
  type: RequestType;
  frame: string;
  resolve: (data: unknown) => void;
  reject: (err: Error) => void;
  /** Outbox entries survive reconnects; other requests fail when the connection drops. */
  durable: boolean;
  sent: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** A join with `since`: its history is delivered as missed messages, not marked seen on arrival. */
  tracksSince: boolean;
}

type Handler<T extends ServerEventType> = (ev: EventOf<T>) => void;

export class BanterClient {
  status: ClientStatus = 'idle';
  /** The name we are logged in with (kept for automatic re-login). */
  name: string | undefined;
  /** Rooms to rejoin after a reconnect (besides #lobby). */
  readonly rooms = new Set<string>();
  /** Session token of a registered name (from a password login or `register`); persist it to stay signed in. */
  token: string | undefined;
  /**
   * Last seq seen per conversation, keyed by the folded room name or the folded name of the
   * other person of a DM.
   */
  readonly lastSeq = new Map<string, number>();
  private readonly gapHandlers = new Set<(to: string, oldestSeq: number) => void>();
  private readonly updatedHandlers = new Set<(to: string, messages: ChatMessage[]) => void>();
  private ws: WebSocket | undefined;
  private readonly opts: Required<ClientOptions>;
  private readonly pending = new Map<string, Pending>();
  private readonly handlers = new Map<string, Set<(ev: never) => void>>();
  private readonly statusHandlers = new Set<(s: ClientStatus, detail?: string) => void>();
  private readonly idPrefix = Math.random().toString(36).slice(2, 10);
  private seq = 0;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** True between the server's hello and the close of that connection. */
  private connected = false;
  private opened: { resolve: () => void; reject: (e: Error) => void } | undefined;
  /** The server's frame size limit, from its hello. */
  private maxPayload: number | undefined;
  /** The limits the server announced in its hello (text lines, edit window…). */
  limits: EventOf<'hello'>['limits'] | undefined;
  /** When the last established connection dropped (for reloginGraceMs). */
  private droppedAt = 0;
  /** Why we closed the socket ourselves, reported instead of the close code. */
  private closeNote: string | undefined;

  constructor(opts: ClientOptions) {
    this.opts = { reconnect: true, initialDelayMs: 500, maxDelayMs: 15_000, requestTimeoutMs: 30_000, reloginGraceMs: 90_000, ...opts };
  }

  // ---------------------------------------------------------------- lifecycle

  /** Opens the connection; resolves when the server's hello arrives. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.opened = { resolve, reject };
      this.open();
    });
  }

  /**
   * Picks a name on this connection; remembered for automatic re-login after reconnects. A
   * registered name needs `password` or `token`; a password login yields `this.token`.
   * Missed messages in the reply (resume, unread DMs) go to the `message` handlers.
   */
  async login(name: string, auth: { password?: string; token?: string } = {}): Promise<ReplyData['login']> {
    const resume = Object.fromEntries([...this.lastSeq].filter(([k]) => !k.startsWith('#') || k === '#lobby'));
    const args: ArgsOf<'login'> = { name, ...auth, ...(Object.keys(resume).length ? { resume } : {}) };
    const reply = await this.request('login', args);
    // (Its name, missed messages and resume points were taken as the reply arrived: observeReply.)
    if (reply.token) this.token = reply.token;
    else if (auth.token) this.token = auth.token;
    else if (!reply.registered) this.token = undefined;
    return reply;
  }

  /** Registers the current name (or `name` before login); keeps the session token. */
  async register(password: string, name?: string): Promise<ReplyData['register']> {
    const reply = await this.request('register', { password, ...(name !== undefined ? { name } : {}) });
    if (this.name !== undefined) this.token = reply.token;
    return reply;
  }

  /** Revokes this session's token (all: every session of the account) and forgets it. */
  async logout(all = false): Promise<ReplyData['logout']> {
    const reply = await this.request('logout', all ? { all } : {});
    this.token = undefined;
    return reply;
  }

  async changePassword(oldPassword: string, newPassword: string): Promise<ReplyData['change_password']> {
    const reply = await this.request('change_password', { old: oldPassword, new: newPassword });
    this.token = reply.token;
    return reply;
  }

  /** Joins a room (remembered for reconnects); the reply holds its recent history. */
  async join(room: string, key?: string): Promise<ReplyData['join']> {
    const reply = await this.request('join', key !== undefined ? { room, key } : { room });
    this.rooms.add(reply.name);
    return reply;
  }

  /** Older (`before`) or newer (`after`) messages of a room or DM; without either, the newest. */
  history(to: string, opts: { before?: number; after?: number; limit?: number } = {}): Promise<ReplyData['history']> {
    return this.request('history', { to, ...opts });
  }

  /** Full-text search; `from:NAME` and `in:#room` filters may appear in the query. */
  search(query: string, limit?: number): Promise<ReplyData['search']> {
    return this.request('search', { query, ...(limit !== undefined ? { limit } : {}) });
  }

  /** Moves the read mark of a conversation (unread counts are messages after it). */
  markRead(to: string, seq: number): Promise<ReplyData['read']> {
    return this.request('read', { to, seq });
  }

  unread(): Promise<ReplyData['unread']> {
    return this.request('unread', {});
  }

  /** Told when a resume could not send everything missed in a conversation; page back from `oldestSeq`. */
  onGap(handler: (to: string, oldestSeq: number) => void): () => void {
    this.gapHandlers.add(handler);
    return () => this.gapHandlers.delete(handler);
  }

  /**
   * After a resume: messages seen before the disconnect that were edited, deleted or reacted
   * to meanwhile, in their current state (replace them by id). Live changes arrive as
   * `message_update` events instead.
   */
  onUpdated(handler: (to: string, messages: ChatMessage[]) => void): () => void {
    this.updatedHandlers.add(handler);
    return () => this.updatedHandlers.delete(handler);
  }

  close(): void {
    this.setStatus('closed');
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.failPending(new RequestError('CLOSED', 'the client was closed'), true);
    this.ws?.close(1000, 'quit');
  }

  onStatus(handler: (s: ClientStatus, detail?: string) => void): () => void {
    this.statusHandlers.add(handler);
    return () => this.statusHandlers.delete(handler);
  }

  on<T extends ServerEventType>(type: T, handler: Handler<T>): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler as (ev: never) => void);
    return () => set.delete(handler as (ev: never) => void);
  }

  // ---------------------------------------------------------------- requests

  request<T extends RequestType>(type: T, args: ArgsOf<T>): Promise<ReplyData[T]> {
    return this.enqueue(type, args, false);
  }

  /**
   * Sends a chat message. While offline it waits in the outbox and goes out once the
   * connection is back; its id is kept so a resend cannot create a duplicate. `kind`:
   * "action" (/me) or "notice"; absent for a plain message.
   */
  send(to: string, text: string, kind?: MessageKind, replyTo?: string): Promise<ReplyData['send']> {
    return this.enqueue('send', { to, text, ...(kind ? { kind } : {}), ...(replyTo !== undefined ? { replyTo } : {}) }, true);
  }

  /** Messages waiting to be sent or acknowledged. */
  get outboxSize(): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.durable) n++;
    return n;
  }

  private enqueue<T extends RequestType>(type: T, args: ArgsOf<T>, durable: boolean): Promise<ReplyData[T]> {
    const id = `${this.idPrefix}-${++this.seq}`;
    const frame = JSON.stringify({ type, id, ...args });
    return new Promise((resolve, reject) => {
      // A frame over the server's maxPayload would get the connection closed (1009), and an
      // outbox message would then be resent after every reconnect: refuse it here.
      if (this.maxPayload !== undefined && frame.length * 3 > this.maxPayload && new TextEncoder().encode(frame).length > this.maxPayload) {
        reject(new RequestError('TOO_BIG', `the request is larger than the server's limit of ${this.maxPayload} bytes`));
        return;
      }
      const p: Pending = { type, frame, resolve: resolve as (d: unknown) => void, reject, durable, sent: false, timer: undefined, tracksSince: type === 'join' && 'since' in args };
      if (!durable && !this.connected) {
        reject(new RequestError('OFFLINE', 'not connected to the server'));
        return;
      }
      this.pending.set(id, p);
      if (!durable) {
        p.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new RequestError('TIMEOUT', `no reply to "${type}" within ${this.opts.requestTimeoutMs} ms`));
        }, this.opts.requestTimeoutMs);
      }
      // Outbox messages wait until re-login is complete; other requests go out at once.
      if (this.connected && (!durable || this.status === 'online')) this.transmit(p);
    });
  }

  private transmit(p: Pending): void {
    p.sent = true;
    this.ws?.send(p.frame);
  }

  // ---------------------------------------------------------------- connection

  private open(): void {
    this.setStatus('connecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.opts.url);
    } catch (err) {
      this.opened?.reject(err as Error);
      this.opened = undefined;
      return;
    }
    this.ws = ws;
    ws.onmessage = (e: MessageEvent) => this.onFrame(String(e.data));
    ws.onclose = (e: CloseEvent) => this.onClose(e.code, e.reason);
    ws.onerror = () => { /* onclose follows with the code */ };
  }

  private onFrame(data: string): void {
    let ev: ServerEvent;
    try {
      const parsed = ServerEvent.safeParse(JSON.parse(data));
      if (!parsed.success) return;
      ev = parsed.data;
    } catch {
      return;
    }
    if (ev.type === 'hello') {
      this.maxPayload = ev.limits.maxPayload;
      this.limits = ev.limits;
      void this.onHello();
    } else if (ev.type === 'reply' || (ev.type === 'error' && ev.id !== undefined)) {
      const p = this.pending.get(ev.id!);
      if (p && p.durable && ev.type === 'error' && ev.code === 'RATE_LIMITED') {
        // The server refused it for now (flood control): keep it in the outbox and retry.
        p.sent = false;
        setTimeout(() => { if (this.connected && this.status === 'online' && !p.sent && this.pending.has(ev.id!)) this.transmit(p); }, RATE_LIMIT_RETRY_MS);
      } else if (p) {
        this.pending.delete(ev.id!);
        if (p.timer) clearTimeout(p.timer);
        if (ev.type === 'reply') {
          this.observeReply(p, ev.data);
          p.resolve(ev.data);
        } else p.reject(new RequestError(ev.code, ev.message));
      }
    } else if (ev.type === 'message') {
      // Already seen (delivered before a reconnect, or in a reply): drop the duplicate.
      if (!this.advance(ev.msg)) return;
    } else if (ev.type === 'message_update') {
      // A change takes its own seq in the conversation: seen ones are duplicates too.
      if (!this.advanceTo(this.convOf(ev.msg), ev.seq)) return;
    }
    // A rename of ourselves (e.g. by the server, or from another client of the same user).
    if (ev.type === 'user_renamed' && this.name !== undefined && foldName(ev.old) === foldName(this.name)) this.name = ev.name;
    const set = this.handlers.get(ev.type);
    if (set) for (const h of set) (h as (e: ServerEvent) => void)(ev);
  }

  private async onHello(): Promise<void> {
    this.connected = true;
    if (this.opened) {
      // First connection: the caller logs in.
      this.attempt = 0;
      this.setStatus('online');
      this.opened.resolve();
      this.opened = undefined;
      return;
    }
    // Reconnect: log in again with the same name, rejoin rooms, then flush the outbox.
    const ws = this.ws;
    const name = this.name;
    if (name) {
      try {
        this.name = undefined;
        await this.login(name, this.token ? { token: this.token } : {});
        for (const room of this.rooms) {
          const since = this.lastSeq.get(foldName(room));
          // With `since`, its history is handed over as missed messages when the reply arrives (observeReply).
          await this.request('join', { room, ...(since !== undefined ? { since } : {}) }).catch(() => undefined);
        }
      } catch (err) {
        this.name ??= name;
        // The connection dropped during the login: onClose has already scheduled the next try.
        if (this.ws !== ws || !this.connected) return;
        if (err instanceof RequestError && err.code === 'NAME_TAKEN' && Date.now() - this.droppedAt < this.opts.reloginGraceMs) {
          // Most likely our own previous connection, which the server has not yet noticed
          // is dead: keep the name and try again after the usual backoff.
          this.closeNote = 'the name is still held by our previous connection';
          this.ws?.close(1000, 'retrying login');
          return;
        }
        this.setStatus('offline', `could not log in again: ${(err as Error).message}`);
        this.opts.reconnect = false;
        ws?.close(1000, 'login failed');
        return;
      }
    }
    // Backoff starts over only once we are fully back (a refused re-login keeps backing off).
    this.attempt = 0;
    this.setStatus('online');
    for (const p of this.pending.values()) if (!p.sent) this.transmit(p);
  }

  private onClose(code: number, reason: string): void {
    const wasUp = this.connected;
    this.ws = undefined;
    this.connected = false;
    const note = this.closeNote;
    this.closeNote = undefined;
    if (wasUp && this.status === 'online') this.droppedAt = Date.now();
    if (this.status === 'closed') return;
    if (this.opened) {
      this.opened.reject(new RequestError('UNREACHABLE', `could not connect to ${this.opts.url}`));
      this.opened = undefined;
      this.setStatus('offline', 'unreachable');
      return;
    }
    this.failPending(new RequestError('DISCONNECTED', 'the connection was lost'), false);
    for (const p of this.pending.values()) p.sent = false;
    const why = note ?? (reason || (wasUp ? `connection lost (code ${code})` : 'server unreachable'));
    if (!this.opts.reconnect || code === 4005) {
      this.setStatus('closed', why);
      return;
    }
    const delay = Math.min(this.opts.maxDelayMs, this.opts.initialDelayMs * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt++;
    this.setStatus('offline', `${why}; reconnecting in ${(delay / 1000).toFixed(1)} s`);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  /** Conversation key of a message as this client sees it: the room, or the other person. */
  private convOf(msg: ChatMessage): string {
    if (msg.to.startsWith('#')) return foldName(msg.to);
    const me = this.name === undefined ? undefined : foldName(this.name);
    return foldName(msg.from) === me ? foldName(msg.to) : foldName(msg.from);
  }

  /** Records a message as seen; false when it was seen already. */
  private advance(msg: ChatMessage): boolean {
    return this.advanceTo(this.convOf(msg), msg.seq);
  }

  private advanceTo(key: string, seq: number): boolean {
    if (seq <= (this.lastSeq.get(key) ?? 0)) return false;
    this.lastSeq.set(key, seq);
    return true;
  }

  /**
   * Messages carried by `join` and `history` replies count as seen (the UI shows them from
   * the reply). Those a `login` (resume, unread DMs) or a rejoin with `since` missed go to the
   * `message` handlers, once each and in order.
   */
  private observeReply(p: Pending, data: unknown): void {
    // What a login or a rejoin with `since` missed is handed over here, as its reply frame is
    // read, not where the caller awaits it: the events the server held back for the reply can
    // arrive in the same read, and each frame of a read is handled before any awaiting code
    // runs (Node's WebSocket). Handled after them, the missed messages would look older than
    // what was just seen, and be dropped as seen (a gap after every reconnect under load).
    if (p.type === 'login') {
      const reply = data as ReplyData['login'];
      // Conversation keys of DMs need our name (convOf).
      this.name = reply.name;
      this.deliverMissed(reply.missed);
      // Rooms we had seen nothing of resume from where they stood at this login. A server
      // whose history is behind what we saw (its data was reset) is believed: otherwise its
      // new messages would look like duplicates.
      for (const [room, seq] of Object.entries(reply.lastSeq ?? {})) {
        const mine = this.lastSeq.get(foldName(room));
        if (mine === undefined || seq < mine) this.lastSeq.set(foldName(room), seq);
      }
      return;
    }
    if (p.tracksSince) {
      const reply = data as ReplyData['join'];
      this.deliverMissed([{ to: reply.name, messages: reply.history, gap: reply.gap, ...(reply.updated ? { updated: reply.updated } : {}), ...(reply.lastSeq !== undefined ? { lastSeq: reply.lastSeq } : {}) }]);
      return;
    }
    const messages = p.type === 'join' ? (data as ReplyData['join']).history : p.type === 'history' ? (data as ReplyData['history']).messages : undefined;
    const last = messages?.at(-1);
    if (last) this.advance(last);
    else if (p.type === 'join' && !this.lastSeq.has(foldName((data as ReplyData['join']).name))) this.lastSeq.set(foldName((data as ReplyData['join']).name), 0);
  }

  /** Hands missed messages to the `message` handlers in order, once each; reports gaps. */
  private deliverMissed(missed: MissedMessages[] | undefined): void {
    const set = this.handlers.get('message');
    for (const m of missed ?? []) {
      if (m.gap && m.messages[0]) for (const h of this.gapHandlers) h(m.to, m.messages[0].seq);
      for (const msg of m.messages) {
        if (!this.advance(msg)) continue;
        if (set) for (const h of set) (h as (e: ServerEvent) => void)({ type: 'message', msg });
      }
      if (m.updated && m.updated.length > 0) for (const h of this.updatedHandlers) h(m.to, m.updated);
      // The resume point covers the changes too (they take seqs of their own).
      const first = m.messages[0] ?? m.updated?.[0];
      if (m.lastSeq !== undefined && first) this.advanceTo(this.convOf(first), m.lastSeq);
    }
  }

  /** Rejects non-durable requests (all of them when `all`). */
  private failPending(err: Error, all: boolean): void {
    for (const [id, p] of this.pending) {
      if (p.durable && !all) continue;
      this.pending.delete(id);
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
  }

  private setStatus(s: ClientStatus, detail?: string): void {
    this.status = s;
    for (const h of this.statusHandlers) h(s, detail);
  }
}

/** ws:// or wss:// URL of the WebSocket endpoint for an http(s) server URL. */
export function wsUrlFor(server: string, path = '/ws'): string {
  const u = new URL(server);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = path;
  return u.toString();
}
