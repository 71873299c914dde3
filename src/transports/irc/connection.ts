/**
 * One IRC client connection: reads lines, runs them through the verb table one at a time
 * (replies keep request order), and queues outgoing lines. Implements the core's Session;
 * translation of chat events lives in deliver.ts.
 *
 * Outbound: lines queued in one event-loop turn leave in one write (one Buffer). Queue plus
 * socket buffer are bounded by `sendQueueBytes` (see `enqueue`); a client that does not
 * read is dropped with "SendQ exceeded". Inbound: every received byte counts against
 * `readQueueBytes` until its line is handled, bad lines and an unterminated line included
 * ("ReadQ exceeded"); lines beyond the flood allowance wait; a line over the IRC limits gets
 * ERR_INPUTTOOLONG and is dropped, and it and invalid UTF-8 cost the core's request budget.
 * labeled-response: see `Label`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { CLIENT_TAGS_MAX_BYTES, foldName, type ArgsOf, type ChatEvent, type ReplyData, type RequestType } from '../../protocol/index.ts';
import type { ChatCore } from '../../core/chat.ts';
import { ChatError } from '../../core/errors.ts';
import type { CloseKind, Session } from '../../core/session.ts';
import { capForTag } from './caps.ts';
import { VERBS } from './commands/index.ts';
import type { Verb } from './commands/verb.ts';
import { deliverEvent } from './deliver.ts';
import { errorReply, type ErrorSubject } from './errors.ts';
import { FloodGate } from './flood.ts';
import { parse, serialize, type IrcMessage } from './message.ts';
import { N } from './numerics.ts';
import { LineReader, type ReadItem } from './reader.ts';
import type { IrcServer } from './server.ts';
import { InboundPump, type InboundHost } from '../inbound-pump.ts';
import { OutboundQueue } from '../outbound-queue.ts';
import { failCode, standardReply } from './standard-replies.ts';

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

/** An HTTP request line (`GET / HTTP/1.1`), the first thing a browser or curl sends. */
const HTTP_REQUEST_LINE = /^(?:GET|POST|HEAD|PUT|DELETE|OPTIONS|PATCH|CONNECT|TRACE|PRI) \S+ HTTP\/\d/;

/**
 * Bytes of a received line's tag data, without the leading '@' and the space after it. IRCv3
 * message-tags caps what a client sends at 4094 (every tag counted, not only client-only
 * ones), so that the server's own tags still fit in the 8191 bytes a line's tags may take.
 */
function tagDataBytes(line: string): number {
  if (!line.startsWith('@')) return 0;
  const sp = line.indexOf(' ');
  return Buffer.byteLength(sp === -1 ? line : line.slice(0, sp)) - 1;
}

/**
 * A labeled command in progress (labeled-response). Its lines stream out as they are made:
 * the first is held (one line → labeled, several → a batch), and from the second on they go
 * out inside the batch, so a label never holds more than one line.
 */
interface Label {
  readonly label: string;
  first: IrcMessage | undefined;
  batch: string | undefined;
}

/**
 * A core request made by a labeled command: `live` until the request settles. The core may
 * deliver later from the request's async context (events it held back during a join are
 * released on the next turn); those are other users' lines, not the command's.
 */
interface CoreScope {
  readonly label: Label;
  live: boolean;
}

/** A line whose handling ended at once. */
const DONE: Promise<void> = Promise.resolve();

/**
 * The labeled command whose code is running. Lines belong to a label only when produced in
 * its async context (the verb's own code and what it awaits, and the events its own core
 * requests fan out while they run); lines for other users' events, delivered while the
 * command waits, are outside it and go out at once, unlabeled.
 */
const labelScope = new AsyncLocalStorage<Label | CoreScope>();

/**
 * A line tagged as part of batch `id` (a line already in a nested batch keeps its own). The copy
 * drops the original's serialisations (`encoded`): they are of the other tags.
 */
function inBatch(msg: IrcMessage, id: string): IrcMessage {
  return msg.tags?.batch ? msg : { ...msg, tags: { ...msg.tags, batch: id }, encoded: undefined };
}

/**
 * Whether a line may overlap the channel messages before it (transports/inbound-pump.ts): an
 * unlabeled PRIVMSG or NOTICE to one channel (services, private messages and several targets
 * take other paths in the core, with other waits, so they run one at a time).
 */
function pipelined(item: ReadItem): boolean {
  if ('error' in item) return false;
  const m = /^(?:@(\S+) +)?(?::\S+ +)?(?:PRIVMSG|NOTICE) +([#&][^ ,]*) +:?/i.exec(item.line);
  if (!m) return false;
  return m[1] === undefined || !/(?:^|;)label=/.test(m[1]);
}

/** The caps of a connection that negotiated none (never written: `setCap` makes a connection its own set). */
const NO_CAPS: ReadonlySet<string> = new Set<string>();

/**
 * The connection a socket belongs to. The socket's listeners are the three functions below,
 * shared by every connection (`this` is the socket), so an idle connection holds no closures
 * or contexts of its own (docs/benchmarks.md, "Idle connection memory").
 */
const kConn = Symbol('banter.irc.connection');
type ConnSocket = Socket & { [kConn]?: IrcConnection };

function socketData(this: ConnSocket, chunk: Buffer): void {
  this[kConn]?.onData(chunk);
}

function socketClose(this: ConnSocket): void {
  const c = this[kConn];
  this[kConn] = undefined;
  c?.onClosed();
}

function socketError(): void {
  // 'close' follows.
}

export class IrcConnection implements Session, InboundHost<ReadItem> {
  readonly id: string;
  get transport(): 'irc' {
    return 'irc';
  }
  /** Request ids are this connection's own, fresh per line: never resent (Session.resendsIds). */
  get resendsIds(): false {
    return false;
  }
  readonly remote: string;
  readonly connectedAt: number;
  readonly server: IrcServer;
  get core(): ChatCore {
    return this.server.core;
  }
  /** The IRCv3 caps this client enabled (CAP REQ; `setCap`). */
  get caps(): ReadonlySet<string> {
    return this.capSet ?? NO_CAPS;
  }
  /** Made when the client enables its first cap; a client that negotiates none never has one. */
  private capSet: Set<string> | undefined;
  /** `variant()` of the current caps; -1 until computed, reset by `setCap`. */
  private variantValue = -1;
  /** Connected to the TLS listener (the `sts` cap value depends on it). */
  readonly secure: boolean;
  private nickValue: string | undefined;
  private foldedValue: string | undefined;
  username: string | undefined;
  /** The user part of this connection's mask, for the core's ban and mute masks (Session.ident). */
  get ident(): string | undefined {
    return this.username;
  }
  realname = '';
  registered = false;
  registering = false;
  /** CAP LS/REQ before registration suspends it until CAP END. */
  capNegotiating = false;
  capVersion = 0;
  invisible = false;
  /** Raised by OPER (an admin account with the operator password): KILL, WALLOPS, `*` in WHO, 313 in WHOIS. */
  oper = false;
  /** Password from PASS, used (then forgotten) at registration when the nick is a registered account. */
  password: string | undefined;
  /** A SASL exchange in progress: the mechanism was accepted, base64 chunks so far. */
  sasl: { chunks: string } | undefined;
  /** The account SASL authenticated, with the one-use session token registration logs in with. */
  saslAccount: { name: string; token: string } | undefined;
  /** Whether the first line has been seen (it is checked for HTTP). */
  private sawLine = false;
  /** Liveness, read by the server's sweep. */
  lastActivity: number;
  pingSentAt = 0;
  /** When the user last sent a message (WHOIS idle time). */
  lastSpoke: number;
  private readonly socket: ConnSocket;
  /**
   * State an idle connection does not need is made when first needed and dropped again by
   * `compact` (the server's sweep): the line reader (an unfinished line keeps it), the flood
   * gate (kept until it is full again: a fresh gate is full), and the inbound pump (the
   * received lines, the channel messages in flight, the read pause).
   */
  private reader: LineReader | undefined;
  private flood: FloodGate | undefined;
  private inbound: InboundPump<ReadItem> | undefined;
  /** Deliveries from others count against the SendQ limit; replies to own commands do not (see enqueue). */
  private readonly out: OutboundQueue;
  private closed = false;
  /** Whether the connection has left the core (see `leave`). */
  private left = false;
  /** Whether the connection has left the core: closed by the server or by the peer. */
  get gone(): boolean {
    return this.left;
  }
  private closeReason: string | undefined;
  /** The labeled command being run, if any (labeled-response). */
  private label: Label | undefined;
  private nextReq = 1;
  /**
   * Prefix of this connection's request ids. The core remembers (name, request id) to
   * recognise resent messages, so ids must never repeat for a name: not on a later
   * connection, not after a restart.
   */
  private readonly reqPrefix = randomBytes(9).toString('base64url');
  private nextBatch = 1;

  constructor(id: string, socket: Socket, server: IrcServer, now: number) {
    this.id = id;
    this.socket = socket;
    this.secure = socket instanceof TLSSocket;
    this.server = server;
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.connectedAt = now;
    this.lastActivity = now;
    this.lastSpoke = now;
    this.out = new OutboundQueue(socket, server.config.sendQueueBytes, this, server.flusher);
    (socket as ConnSocket)[kConn] = this;
    socket.on('data', socketData);
    socket.on('close', socketClose);
    socket.on('error', socketError);
  }

  /** Enables or disables a cap for this client (CAP REQ). */
  setCap(cap: string, on: boolean): void {
    if (on) (this.capSet ??= new Set()).add(cap);
    else this.capSet?.delete(cap);
    this.variantValue = -1;
  }

  /**
   * Drops the state an idle connection does not need (see `reader`); the server's sweep
   * calls it. Nothing is dropped while lines are being run or are still to run.
   */
  compact(now: number): void {
    if (this.inbound !== undefined) {
      if (!this.inbound.idle) return;
      this.inbound = undefined;
    }
    if (this.reader !== undefined && this.reader.pending === 0) this.reader = undefined;
    if (this.flood !== undefined && this.flood.full(now)) this.flood = undefined;
  }

  /** The name to put first in numerics: the nick, or "*" before one is known. */
  get me(): string {
    return this.registered && this.nick ? this.nick : '*';
  }

  /** The nick: wanted before registration, the core's name after. */
  get nick(): string | undefined {
    return this.nickValue;
  }

  set nick(n: string | undefined) {
    this.nickValue = n;
    this.foldedValue = n === undefined ? undefined : foldName(n);
  }

  /** The folded nick once registered (the fan-out path compares it per event). */
  get folded(): string | undefined {
    return this.registered ? this.foldedValue : undefined;
  }

  // ---------------------------------------------------------------- Session

  deliver(event: ChatEvent): void {
    if (this.closed || !this.registered) return;
    // Must not throw (Session contract): a bug translating one event for this client must
    // not cut the fan-out short for everyone after it, nor fail the sender's request.
    try {
      deliverEvent(this, event);
    } catch (err) {
      this.core.deps.log.error({ err, conn: this.id, event: event.type }, 'irc delivery failed');
    }
  }

  queuedBytes(): number {
    return this.out.size;
  }

  /** Ends the connection with an ERROR line; the core hears about it when the socket closes. */
  close(reason: string, _kind?: CloseKind): void {
    if (this.closed) return;
    // A labeled command that ends the connection (QUIT) still gets its lines out.
    if (this.label) this.endLabel(this.label, false);
    this.sendLine({ command: 'ERROR', params: [`Closing Link: ${this.socket.remoteAddress ?? '?'} (${reason})`] });
    this.flush();
    this.closed = true;
    this.closeReason = reason;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
    // The user is gone now, not when the peer closes its end: others see the QUIT and the
    // nick is free at once. After the current call (the core may be closing us from inside
    // its own apply, e.g. KILL).
    queueMicrotask(() => this.leave());
  }

  /** Ends an unregistered connection with a bare `ERROR :<text>` (no Closing Link wrapper). */
  refuse(text: string): void {
    if (this.closed) return;
    this.sendLine({ command: 'ERROR', params: [text], trailing: true });
    this.flush();
    this.closed = true;
    this.closeReason = text;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  // ---------------------------------------------------------------- sending

  /** A line for this connection only. */
  sendLine(msg: IrcMessage): void {
    const label = this.labelOf();
    if (label) this.labelLine(label, msg);
    else this.enqueue(this.encode(msg), true);
  }

  /** A line shared with other recipients: serialised once per tag variant. */
  sendShared(msg: IrcMessage): void {
    const label = this.labelOf();
    if (label) return this.labelLine(label, msg);
    const v = this.variant();
    const e = msg.encoded;
    // The serialising (a closure over `this`) is in its own method: here it would cost a context per call, i.e. per delivery.
    if (e === undefined) {
      const buf = this.encode(msg);
      msg.encoded = { v, buf, more: undefined };
      this.enqueue(buf, false);
    } else if (e.v === v) this.enqueue(e.buf, false);
    else this.enqueue((e.more ??= [])[v] ??= this.encode(msg), false);
  }

  /** A message serialised with the tags this client takes (every send path's one serialiser). */
  private encode(msg: IrcMessage): Buffer {
    return enc(serialize(msg, (k) => this.allowsTag(k)));
  }

  /**
   * A line that belongs to no label even when sent from a labeled command's code: the copy
   * of a message to oneself that arrives as it does to any recipient, beside the labelled
   * echo (echo-message). Counts against the SendQ like other deliveries.
   */
  sendUnlabeled(msg: IrcMessage): void {
    this.enqueue(this.encode(msg), false);
  }

  /** A numeric reply: `:server <code> <nick> <params...>`. The last parameter is text unless `trailing` is false. */
  numeric(code: string, params: string[], trailing = true): void {
    this.sendLine({ source: this.server.name, command: code, params: [this.me, ...params], trailing });
  }

  /** A NOTICE from the server to this client. */
  serverNotice(text: string): void {
    this.sendLine({ source: this.server.name, command: 'NOTICE', params: [this.me, text], trailing: true });
  }

  allowsTag(key: string): boolean {
    return this.caps.has(capForTag(key));
  }

  private variant(): number {
    if (this.variantValue < 0) {
      this.variantValue = (this.caps.has('server-time') ? 1 : 0) | (this.caps.has('message-tags') ? 2 : 0) | (this.caps.has('account-tag') ? 4 : 0);
    }
    return this.variantValue;
  }

  /**
   * Queues bytes. Deliveries from others count everything still queued against the SendQ;
   * a reply to the client's own command counts only what the client has left unread, so a
   * NAMES of a channel bigger than the SendQ is still answered (flood control bounds how
   * often a client can ask).
   */
  private enqueue(buf: Buffer, own: boolean): void {
    if (!this.closed) this.out.push(buf, !own);
  }

  /** The outbound queue overflowed (QueueOwner). */
  onSendQExceeded(): void {
    this.closed = true;
    this.closeReason = 'SendQ exceeded';
    this.core.deps.log.warn({ conn: this.id, remote: this.remote }, 'SendQ exceeded');
    this.socket.destroy();
  }

  private flush(): void {
    this.out.flush();
  }

  /** A fresh BATCH reference for this connection. */
  nextBatchId(): string {
    return `b${this.nextBatch++}`;
  }

  // ---------------------------------------------------------------- core requests

  /** Runs a core request as this session. */
  execute<T extends RequestType>(type: T, args: ArgsOf<T>): Promise<ReplyData[T]> {
    const req = { type, id: `${this.reqPrefix}.${this.nextReq++}`, ...args } as unknown as Parameters<ChatCore['execute']>[1];
    const label = this.labelOf();
    if (!label) return this.core.execute(this, req) as Promise<ReplyData[T]>;
    const scope: CoreScope = { label, live: true };
    const p = labelScope.run(scope, () => this.core.execute(this, req)) as Promise<ReplyData[T]>;
    // Registered before the caller's await, so the scope ends before the command goes on.
    const end = (): void => { scope.live = false; };
    p.then(end, end);
    return p;
  }

  /** Replies to a failed request with the numeric for its error. */
  fail(err: unknown, subject: ErrorSubject): void {
    if (!(err instanceof ChatError)) {
      this.core.deps.log.error({ err, conn: this.id, command: subject.command }, 'irc command failed');
      err = new ChatError('INTERNAL');
    }
    const e = err as ChatError;
    const r = errorReply(e.code, e.message, subject);
    // standard-replies: an error no numeric fits is a FAIL with its code, not a bare 400.
    if (r.numeric === N.ERR_UNKNOWNERROR && this.caps.has('standard-replies')) {
      return standardReply(this, 'FAIL', subject.command, failCode(e.code), subject.target !== undefined ? [subject.target] : [], r.params.at(-1)!);
    }
    this.numeric(r.numeric, r.params);
  }

  // ---------------------------------------------------------------- inbound

  /** Bytes from the socket (socketData). */
  onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastActivity = Date.now();
    this.pingSentAt = 0;
    // Every received byte counts until its line is handled: error lines (invalid UTF-8, too
    // long) as much as good ones, and an unterminated line with all of its bytes. Lines
    // waiting for the server pause reading; lines waiting for the flood gate, or a line that
    // never ends, past the read queue end in "ReadQ exceeded", as IRC servers do
    // (transports/inbound-pump.ts).
    const reader = (this.reader ??= new LineReader());
    const inbound = (this.inbound ??= new InboundPump(this, this.server.config));
    for (const item of reader.push(chunk)) inbound.push(item);
    inbound.received();
  }

  // ---------------------------------------------------------------- InboundHost (the pump's side)

  get inputClosed(): boolean {
    return this.closed;
  }

  /** Consecutive channel messages overlap: each is handed to the core without waiting for the commit of the one before. */
  overlaps(item: ReadItem): boolean {
    return this.registered && pipelined(item);
  }

  run(item: ReadItem): Promise<void> {
    return this.handle(item) ?? DONE;
  }

  failed(err: unknown): void {
    this.core.deps.log.error({ err, conn: this.id }, 'irc line failed');
  }

  /** The line flood gate (irc.floodBurst, irc.floodRate; 0 = off). */
  floodWait(): number {
    const { floodBurst, floodRate } = this.server.config;
    if (floodRate <= 0) return 0;
    return (this.flood ??= new FloodGate(floodBurst, floodRate, Date.now())).take(Date.now());
  }

  pendingBytes(): number {
    return this.reader?.pending ?? 0;
  }

  /** Drops what was received and not yet run, and disconnects the client ("ReadQ exceeded"). */
  readQueueExceeded(): void {
    this.close('ReadQ exceeded');
  }

  pauseReading(): void {
    this.socket.pause();
    this.core.metrics.readPaused('irc');
  }

  resumeReading(): void {
    this.socket.resume();
  }

  /**
   * One line. Not an async function, and nothing of the line is kept while a channel message
   * waits in its verb for the commit: a suspended frame here kept its registers and the parsed
   * line (about 420 B per waiting message, `bench/irc-alloc.ts --held`).
   */
  private handle(item: ReadItem): Promise<void> | void {
    if ('error' in item) {
      // A line that never becomes a command still costs the core's request budget, as a
      // malformed WebSocket frame does, so a garbage flood ends in "Excess flood".
      if (!this.core.chargeInvalid(this.id) || this.closed) return;
      if (item.error === 'too_long') this.numeric(N.ERR_INPUTTOOLONG, ['Input line was too long']);
      else this.sendLine({ source: this.server.name, command: 'FAIL', params: [item.command, 'INVALID_UTF8', 'Message rejected, your message contained invalid UTF-8'], trailing: true });
      return;
    }
    if (!this.sawLine) {
      this.sawLine = true;
      // A browser or HTTP client pointed at the IRC port: say so plainly and hang up.
      if (HTTP_REQUEST_LINE.test(item.line)) return this.refuse('This is an IRC server, not an HTTP server; connect with an IRC client');
    }
    const msg = parse(item.line);
    if (!msg) return;
    if (tagDataBytes(item.line) > CLIENT_TAGS_MAX_BYTES) {
      if (!this.core.chargeInvalid(this.id) || this.closed) return;
      this.numeric(N.ERR_INPUTTOOLONG, ['Input line was too long']);
      return;
    }
    const tag = msg.tags?.label;
    const label: Label | undefined = tag !== undefined && tag !== '' && this.caps.has('labeled-response') && this.registered
      ? { label: tag, first: undefined, batch: undefined }
      : undefined;
    this.label = label;
    // The refusals below are the command's reply too, labelled like any other.
    const verb = VERBS.get(msg.command);
    const refusal: [string, string[]] | undefined = !verb ? [N.ERR_UNKNOWNCOMMAND, [msg.command, 'Unknown command']]
      : !this.registered && !verb.beforeRegistration ? [N.ERR_NOTREGISTERED, ['You have not registered']]
      : msg.params.length < verb.minParams ? [N.ERR_NEEDMOREPARAMS, [msg.command, 'Not enough parameters']]
      : undefined;
    if (!verb || refusal) {
      const [code, params] = refusal!;
      if (label) labelScope.run(label, () => this.numeric(code, params));
      else this.numeric(code, params);
      if (label) this.endLabel(label, true);
      return;
    }
    if (!label) {
      // Returned, not awaited: a channel message waits in the verb for its commit, and this
      // frame, suspended, would keep its registers meanwhile (565 B per waiting message,
      // `bench/irc-alloc.ts --held`).
      // Only the command's name is kept for an error, not the parsed line.
      const { command } = msg;
      let running: Promise<void> | void;
      try {
        running = verb.run(this, msg);
      } catch (err) {
        this.fail(err, { command });
        return;
      }
      if (running === undefined) return;
      return running.then(undefined, (err: unknown) => this.fail(err, { command }));
    }
    return this.handleLabelled(verb, msg, label);
  }

  /** A labelled line (labeled-response): its replies are the label's, then the label ends. */
  private async handleLabelled(verb: Verb, msg: IrcMessage, label: Label): Promise<void> {
    try {
      await labelScope.run(label, () => verb.run(this, msg));
    } catch (err) {
      // Still the label's: the error numeric is the command's reply.
      labelScope.run(label, () => this.fail(err, { command: msg.command }));
    } finally {
      this.endLabel(label, true);
    }
  }

  /** The label a line being sent now belongs to: the running labeled command's, when sent from its code. */
  private labelOf(): Label | undefined {
    const label = this.label;
    if (label === undefined) return undefined;
    const scope = labelScope.getStore();
    if (scope === label) return label;
    return scope !== undefined && 'live' in scope && scope.label === label && scope.live ? label : undefined;
  }

  /** A line of a labeled command: the first is held, the second opens the batch, later ones stream into it. */
  private labelLine(l: Label, msg: IrcMessage): void {
    if (l.batch === undefined && l.first === undefined) {
      l.first = msg;
      return;
    }
    if (l.batch === undefined) {
      l.batch = this.nextBatchId();
      this.sendOwn({ tags: { label: l.label }, source: this.server.name, command: 'BATCH', params: [`+${l.batch}`, 'labeled-response'] });
      this.sendOwn(inBatch(l.first!, l.batch));
      l.first = undefined;
    }
    this.sendOwn(inBatch(msg, l.batch));
  }

  /** labeled-response, at the end of the command: no reply → ACK (when `ack`); one line → labeled; more → the batch closes. */
  private endLabel(l: Label, ack: boolean): void {
    if (this.label !== l) return;
    this.label = undefined;
    if (l.batch !== undefined) this.sendOwn({ source: this.server.name, command: 'BATCH', params: [`-${l.batch}`] });
    else if (l.first !== undefined) this.sendOwn({ ...l.first, tags: { ...l.first.tags, label: l.label }, encoded: undefined });
    else if (ack) this.sendOwn({ tags: { label: l.label }, source: this.server.name, command: 'ACK', params: [] });
  }

  /** Queues a reply line, outside any label. */
  private sendOwn(msg: IrcMessage): void {
    this.enqueue(this.encode(msg), true);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Whether the server paused reading this connection (its lines wait for the server). */
  get readPaused(): boolean {
    return this.inbound?.readPaused === true;
  }

  /** Called by the sweep. */
  ping(now: number): void {
    this.pingSentAt = now;
    this.sendLine({ command: 'PING', params: [this.server.name] });
  }

  terminate(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.socket.destroy();
  }

  /** The socket closed (socketClose). */
  onClosed(): void {
    this.closed = true;
    this.leave();
    this.password = undefined;
    // A SASL login that never became a registration: its token must not outlive the connection.
    if (this.saslAccount) {
      const { token } = this.saslAccount;
      this.saslAccount = undefined;
      this.core.accounts.revokeToken(token).catch((err: unknown) => this.core.deps.log.error({ err }, 'token revoke failed'));
    }
    this.out.stop();
  }

  /**
   * Leaves the core (others get the QUIT, the nick is free) once: when the server closes the
   * connection (QUIT, KILL, a limit) or the socket closes, whichever comes first. The nick is
   * remembered for WHOWAS here, so it is there even when no other IRC client saw the QUIT.
   */
  private leave(): void {
    if (this.left) return;
    this.left = true;
    if (this.registered && this.nick) this.server.rememberWhowas(this, this.nick);
    this.server.forget(this);
    this.core.detach(this.id, this.closeReason ?? 'connection lost');
    this.server.dropIdent(this, this.nick);
  }
}
