/**
 * One load-generator process (forked by bench/load.ts). It opens the clients with global
 * indexes [from, to) from one source address, joins each to its channel (client i is in
 * channel i % channels; clients 0..senders-1 are the senders), and then runs measurement
 * steps on command:
 *
 *   parent → {type:'start', step, t0Us, rate, durationMs}   senders send on a fixed schedule
 *   worker → {type:'sent', sent, cpu, ...}                   when its window is over
 *   parent → {type:'expect', sent: number[]}                 what every sender sent
 *   worker → {type:'result', ...}                            once all expected arrived, or drainMs passed
 *   parent → {type:'quiet'}                                  worker → {type:'quiet', lastRecvUs}
 *   parent → {type:'stop'}
 *
 * Every message text is `B<step>:<sender>:<seq>:<scheduledUs>:` padded to `size` bytes. The
 * timestamp is the time the message was *due* by the schedule, on the machine-wide monotonic
 * clock, so a generator that falls behind shows up as latency instead of hiding it. Each
 * recipient keeps a count per (sender, seq): a count of 0 is a loss, above 1 a duplicate.
 * One line (IRC) or one frame (WebSocket) per write, Nagle off: one message per packet.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createHash, randomBytes } from 'node:crypto';
import { Histogram, nowUs } from './lib/hist.ts';

export type Proto = 'ws' | 'irc' | 'sio';

export interface WorkerJob {
  proto: Proto;
  host: string;
  port: number;
  wsPath: string;
  from: number;
  to: number;
  clients: number;
  channels: number;
  senders: number;
  size: number;
  drainMs: number;
  localAddress: string;
  prefix: string;
  connectTimeoutMs: number;
  /** Several servers (cluster nodes, ports on `host`): client i connects to ports[i % n] (its `port` port for IRC, …). Default: `port`. */
  ports?: number[];
}

/** The port client `idx` connects to. */
function portOf(idx: number): number {
  return job.ports && job.ports.length > 0 ? job.ports[idx % job.ports.length]! : job.port;
}

interface StartMsg { type: 'start'; step: number; t0Us: number; rate: number; durationMs: number }
interface ExpectMsg { type: 'expect'; sent: number[] }
type ParentMsg = StartMsg | ExpectMsg | { type: 'quiet' } | { type: 'stop' };

export interface SentReport {
  type: 'sent';
  /** Messages sent per global sender index (only this worker's senders are non-zero). */
  sent: number[];
  /** Generator CPU over the window, in cores (1 = one core busy). */
  cpuCores: number;
  /** Event-loop utilisation of this generator over the window (0..1). */
  elu: number;
  /** How much of the window `cpuCores` and `elu` were measured over (µs): all of it, give or take a timer's slack. */
  measuredUs: number;
  /** How late sends were against their schedule. */
  sendLag: ReturnType<Histogram['toJSON']>;
}

export interface ResultReport {
  type: 'result';
  unique: number;
  expected: number;
  inWindow: number;
  dupes: number;
  stale: number;
  bogus: number;
  acked: number;
  errors: number;
  disconnected: number;
  latency: ReturnType<Histogram['toJSON']>;
}

const job = JSON.parse(process.argv[2]!) as WorkerJob;

const channelOf = (i: number): number => i % job.channels;
const channelName = (c: number): string => `#bench${c}`;
/** Global sender indexes in channel c. */
const sendersIn: number[][] = Array.from({ length: job.channels }, () => []);
/** senderRank[s]: the index of sender s in sendersIn of its channel. */
const senderRank = new Int32Array(job.senders);
for (let s = 0; s < job.senders; s++) senderRank[s] = sendersIn[channelOf(s)]!.push(s) - 1;

interface Client {
  idx: number;
  send: (line: string) => void;
  close: () => void;
  /** seen[k][seq] for the k-th sender of this client's channel. */
  seen: Uint8Array[];
  open: boolean;
}

const clients: Client[] = [];
let step = -1;
let windowEndUs = 0;
let maxSeq = 0;
let latency = new Histogram();
let unique = 0, inWindow = 0, dupes = 0, stale = 0, bogus = 0, acked = 0, errors = 0, disconnected = 0;
let stopping = false;
/** When any bench message last arrived (stale ones included): tells the parent whether a backlog is still draining. */
let lastRecvUs = 0;

/** Where `readNumber` stopped: the index of the ':' after the digits, or -1 when there was none. */
let numberEnd = -1;

/** The decimal number in `s` from `i` up to the next ':' before `end` (NaN if it is not one: empty, another character). */
function readNumber(s: string, i: number, end: number): number {
  let n = 0;
  const from = i;
  for (; i < end; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 58 /* : */) break;
    if (ch < 48 || ch > 57) { numberEnd = -1; return NaN; }
    n = n * 10 + (ch - 48);
  }
  numberEnd = i < end ? i : -1;
  return i > from ? n : NaN;
}

/**
 * The message text `s[from, end)`: `B<step>:<sender>:<seq>:<us>:` and padding. Parsed in place
 * (no slices, no Number()): a generator process reads every delivery, so its cost per line
 * decides how many deliveries it can count before it, not the server, is what is measured.
 */
function onTextAt(c: Client, s: string, from: number, end: number, at: number): void {
  lastRecvUs = at;
  if (s.charCodeAt(from) !== 66 /* B */) { bogus++; return; }
  const st = readNumber(s, from + 1, end);
  const snd = numberEnd < 0 ? NaN : readNumber(s, numberEnd + 1, end);
  const seq = numberEnd < 0 ? NaN : readNumber(s, numberEnd + 1, end);
  const us = numberEnd < 0 ? NaN : readNumber(s, numberEnd + 1, end);
  tally(c, numberEnd < 0 ? NaN : st, snd, seq, us, at);
}

/** `onTextAt` for a text held in bytes, `b[from, end)` (the WebSocket client reads frames as bytes, never as strings). */
function onBytesAt(c: Client, b: Buffer, from: number, end: number, at: number): void {
  lastRecvUs = at;
  if (b[from] !== 66 /* B */) { bogus++; return; }
  const st = readNumberBytes(b, from + 1, end);
  const snd = numberEnd < 0 ? NaN : readNumberBytes(b, numberEnd + 1, end);
  const seq = numberEnd < 0 ? NaN : readNumberBytes(b, numberEnd + 1, end);
  const us = numberEnd < 0 ? NaN : readNumberBytes(b, numberEnd + 1, end);
  tally(c, numberEnd < 0 ? NaN : st, snd, seq, us, at);
}

/** `readNumber` over bytes. */
function readNumberBytes(b: Buffer, i: number, end: number): number {
  let n = 0;
  const from = i;
  for (; i < end; i++) {
    const ch = b[i]!;
    if (ch === 58 /* : */) break;
    if (ch < 48 || ch > 57) { numberEnd = -1; return NaN; }
    n = n * 10 + (ch - 48);
  }
  numberEnd = i < end ? i : -1;
  return i > from ? n : NaN;
}

/** Counts one parsed delivery of (step, sender, seq, due µs) to client `c` (NaN anywhere: bogus). */
function tally(c: Client, st: number, snd: number, seq: number, us: number, at: number): void {
  if (Number.isNaN(st) || Number.isNaN(snd) || Number.isNaN(seq) || Number.isNaN(us)) { bogus++; return; }
  if (st !== step) { stale++; return; }
  if (snd === c.idx) return; // the sender's own echo (Banter's JSON protocol echoes)
  const k = snd < job.senders && channelOf(snd) === channelOf(c.idx) ? senderRank[snd]! : -1;
  if (k < 0 || seq >= maxSeq) { bogus++; return; }
  const row = c.seen[k]!;
  if (row[seq]! > 0) {
    dupes++;
    if (row[seq]! < 255) row[seq]!++;
    return;
  }
  row[seq] = 1;
  unique++;
  if (at <= windowEndUs) inWindow++;
  latency.record(at - us);
}

function fail(msg: string): void {
  errors++;
  if (errors <= 3) process.stderr.write(`bench client error: ${msg.slice(0, 300)}\n`);
}

/** Bytes the WebSocket client looks for in a frame's payload (never decoded to a string). */
const WS_MESSAGE = Buffer.from('{"type":"message"');
const WS_REPLY = Buffer.from('{"type":"reply"');
const WS_ERROR = Buffer.from('{"type":"error"');
const WS_TEXT_KEY = Buffer.from('"text":"');
/** Frames larger than this are an error (Banter's largest frames, history pages, are far smaller). */
const WS_MAX_FRAME = 64 << 20;
/** The read buffer of every WebSocket client of this process (see openRawWs). */
const wsReadBuffer = Buffer.allocUnsafe(256 << 10);

/** Horspool's shifts for WS_TEXT_KEY: how far the key may move when its last byte is aligned with a byte of this value. */
const TEXT_SHIFT = new Uint8Array(256).fill(WS_TEXT_KEY.length);
for (let i = 0; i < WS_TEXT_KEY.length - 1; i++) TEXT_SHIFT[WS_TEXT_KEY[i]!] = WS_TEXT_KEY.length - 1 - i;

/**
 * Where the value of the first `"text":"` key in `b[from, end)` starts, or -1. Horspool's search
 * in JS: most bytes are skipped, and it costs no call into C++ as Buffer#indexOf does.
 */
function textAt(b: Buffer, from: number, end: number): number {
  const K = WS_TEXT_KEY, last = K.length - 1;
  outer: for (let i = from + last; i < end; i += TEXT_SHIFT[b[i]!]!) {
    if (b[i] !== 34 /* " */) continue;
    for (let j = 1; j <= last; j++) if (b[i - j] !== K[last - j]) continue outer;
    return i + 1;
  }
  return -1;
}

/** Whether `b[at, end)` starts with `p`. */
function startsAt(b: Buffer, at: number, end: number, p: Buffer): boolean {
  if (end - at < p.length) return false;
  for (let i = 0; i < p.length; i++) if (b[at + i] !== p[i]) return false;
  return true;
}

/**
 * A client frame (RFC 6455 §5.2): FIN, `opcode`, masked with the all-zero key (clients must
 * mask; XOR with zeros leaves the payload as it is, so nothing is copied twice), `payload` in latin1.
 */
function wsClientFrame(opcode: number, payload: string | Buffer): Buffer {
  const len = typeof payload === 'string' ? Buffer.byteLength(payload, 'latin1') : payload.length;
  const head = len < 126 ? 6 : len < 65536 ? 8 : 14;
  const out = Buffer.allocUnsafe(head + len);
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65536) { out[1] = 0x80 | 126; out.writeUInt16BE(len, 2); }
  else { out[1] = 0x80 | 127; out.writeUInt32BE(Math.floor(len / 2 ** 32), 2); out.writeUInt32BE(len >>> 0, 6); }
  out.writeUInt32BE(0, head - 4);
  if (typeof payload === 'string') out.write(payload, head, 'latin1');
  else payload.copy(out, head);
  return out;
}

/** What a protocol over the raw WebSocket client does: `upgraded` once the handshake is done, `text` for each text message. */
interface WsProtocol {
  upgraded(w: RawWs): void;
  text(w: RawWs, b: Buffer, from: number, end: number, at: number): void;
}

/** One raw WebSocket connection, as its protocol sees it. */
interface RawWs {
  readonly c: Client;
  readonly nick: string;
  readonly room: string;
  /** Logged in and joined: the client counts. */
  ready(): void;
  readonly isReady: boolean;
  /** Before `ready`: the connection failed (rejects); after: an error report. */
  refused(msg: string): void;
}

/**
 * A WebSocket client on a plain socket: the generator reads every delivery, so it parses the
 * frames itself, straight from the received bytes: many frames per read, a frame cut
 * anywhere carried over to the next read, no string or object per frame. Its protocol finds a
 * delivery's text in the frame's bytes and reads it in place (onBytesAt); pings, close and
 * fragmented frames are handled here as `ws` would.
 */
function openRawWs(idx: number, path: string, proto: WsProtocol): Promise<Client> {
  return new Promise((resolve, reject) => {
    const nick = `${job.prefix}${idx}`;
    const room = channelName(channelOf(idx));
    const port = portOf(idx);
    // onread: the socket reads into one buffer shared by all of this process's sockets and calls `onBytes`
    // directly, with no 'data' event, no stream state and no Buffer per read.
    const sock: Socket = connect({ host: job.host, port, localAddress: job.localAddress, noDelay: true, onread: { buffer: wsReadBuffer, callback: (n, buf) => { onBytes((buf as Buffer).subarray(0, n)); return true; } } });
    const c: Client = { idx, send: (l) => sock.write(wsClientFrame(1, l)), close: () => sock.destroy(), seen: [], open: true };
    const key = randomBytes(16).toString('base64');
    let ready = false;
    let upgraded = false;
    /** Bytes of an incomplete frame (or HTTP response) carried over to the next chunk. */
    let rest: Buffer | undefined;
    /** Payload pieces of a fragmented text message. */
    let fragments: Buffer[] | undefined;
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`${nick}: not ready within ${job.connectTimeoutMs} ms`)); }, job.connectTimeoutMs);
    const broken = (msg: string): void => {
      if (!ready) { clearTimeout(timer); reject(new Error(`${nick}: ${msg}`)); } else fail(msg);
      sock.destroy();
    };
    const w: RawWs = {
      c, nick, room,
      get isReady() { return ready; },
      ready: () => { if (!ready) { ready = true; clearTimeout(timer); resolve(c); } },
      refused: (msg) => { if (!ready) broken(msg); else fail(msg); },
    };
    const onText = (b: Buffer, from: number, end: number, at: number): void => proto.text(w, b, from, end, at);
    sock.on('connect', () => sock.write(`GET ${path} HTTP/1.1\r\nHost: ${job.host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`));
    sock.on('error', (err) => { if (!ready) { clearTimeout(timer); reject(err); } });
    sock.on('close', () => { if (c.open && !stopping) disconnected++; c.open = false; });
    /** What one read brought (`chunk` is the shared read buffer: what outlives the call is copied). */
    const onBytes = (chunk: Buffer): void => {
      const at = nowUs();
      const b = rest ? Buffer.concat([rest, chunk]) : chunk;
      rest = undefined;
      let off = 0;
      if (!upgraded) {
        const h = b.indexOf('\r\n\r\n', 0, 'latin1');
        if (h < 0) { if (b.length > 16384) broken('HTTP response head too long'); else rest = Buffer.from(b); return; }
        const head = b.toString('latin1', 0, h);
        const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
        if (!/^HTTP\/1\.1 101 /.test(head)) return broken(`upgrade refused: ${head.split('\r\n')[0]}`);
        if (!new RegExp(`^sec-websocket-accept: *${accept.replace(/[+/=]/g, '\\$&')} *$`, 'im').test(head)) return broken('bad Sec-WebSocket-Accept');
        upgraded = true;
        off = h + 4;
        proto.upgraded(w);
      }
      while (b.length - off >= 2) {
        const b0 = b[off]!, b1 = b[off + 1]!;
        if (b1 & 0x80) return broken('masked frame from the server');
        if (b0 & 0x70) return broken('reserved frame bits set');
        let len = b1 & 0x7f;
        let p = off + 2;
        if (len === 126) {
          if (b.length - off < 4) break;
          len = b.readUInt16BE(off + 2);
          p = off + 4;
        } else if (len === 127) {
          if (b.length - off < 10) break;
          len = b.readUInt32BE(off + 2) * 2 ** 32 + b.readUInt32BE(off + 6);
          p = off + 10;
        }
        if (len > WS_MAX_FRAME) return broken(`frame of ${len} bytes`);
        const end = p + len;
        if (end > b.length) break;
        const opcode = b0 & 0x0f;
        const fin = (b0 & 0x80) !== 0;
        off = end;
        if (opcode === 1 && fin && !fragments) onText(b, p, end, at);
        else if (opcode === 1 || opcode === 0) {
          if ((opcode === 1) === (fragments !== undefined)) return broken('bad fragment sequence');
          (fragments ??= []).push(Buffer.from(b.subarray(p, end)));
          if (fin) {
            const whole = Buffer.concat(fragments);
            fragments = undefined;
            onText(whole, 0, whole.length, at);
          }
        } else if (opcode === 9) sock.write(wsClientFrame(10, b.subarray(p, end)));
        else if (opcode === 8) { sock.end(wsClientFrame(8, b.subarray(p, Math.min(end, p + 2)))); return; }
        else if (opcode !== 10) return broken(`frame opcode ${opcode}`);
      }
      // The incomplete frame's bytes, copied: a subarray would keep the whole chunk alive.
      if (off < b.length) rest = Buffer.from(b.subarray(off));
    };
  });
}

/** Banter's JSON protocol: login, join, then `message` events (the sender's own echo is skipped by tally). */
const banterWs: WsProtocol = {
  upgraded: (w) => w.c.send(JSON.stringify({ type: 'login', id: 'l', name: w.nick, lobby: false })),
  text: (w, b, from, end, at) => {
    if (startsAt(b, from, end, WS_MESSAGE)) {
      const t = textAt(b, from + WS_MESSAGE.length, end);
      if (t < 0) { bogus++; return; }
      // No need to find the closing quote: the text's fields each end with ':', so a text cut short ends on a '"' and is bogus.
      onBytesAt(w.c, b, t, end, at);
    } else if (startsAt(b, from, end, WS_REPLY)) {
      const id = b.indexOf('"id":"', from, 'latin1');
      const ch = id >= 0 && id + 6 < end ? b[id + 6] : -1;
      if (ch === 115 /* s */) acked++;
      else if (ch === 108 /* l */ && b[id + 7] === 34) w.c.send(JSON.stringify({ type: 'join', id: 'j', room: w.room }));
      else if (ch === 106 /* j */ && b[id + 7] === 34) w.ready();
    } else if (startsAt(b, from, end, WS_ERROR)) w.refused(b.toString('utf8', from, end));
  },
};

function openWs(idx: number): Promise<Client> {
  return openRawWs(idx, job.wsPath, banterWs);
}

/** A Socket.IO event `message` with one string argument: the relayed text follows. */
const SIO_MESSAGE = Buffer.from('42["message","');

/**
 * Socket.IO (Engine.IO 4) over the same raw client, so that both servers face the same
 * generator: `0{…}` open → `40` connect to "/" → `40{…}` → `420["join",room]` → ack `430[…]`;
 * the server's pings `2` are answered `3`; deliveries are `42["message","<text>"]`.
 */
const socketIoWs: WsProtocol = {
  upgraded: () => undefined,
  text: (w, b, from, end, at) => {
    if (startsAt(b, from, end, SIO_MESSAGE)) { onBytesAt(w.c, b, from + SIO_MESSAGE.length, end, at); return; }
    const t = b[from];
    if (t === 50 /* 2: ping */ && end - from === 1) w.c.send('3');
    else if (t === 48 /* 0: open */) w.c.send('40');
    else if (t === 52 /* 4 */ && b[from + 1] === 48 /* 0: connected */ && !w.isReady) w.c.send(`420${JSON.stringify(['join', w.room])}`);
    else if (t === 52 && b[from + 1] === 51 /* 3: ack */ && b[from + 2] === 48 /* id 0 */) w.ready();
    else if (t === 52 && b[from + 1] === 52 /* 4: connect error */) w.refused(b.toString('utf8', from, end));
  },
};

function openSio(idx: number): Promise<Client> {
  return openRawWs(idx, `${job.wsPath}?EIO=4&transport=websocket`, socketIoWs);
}

let wsSendId = 0;
function wsSendLine(room: string, text: string): string {
  return `{"type":"send","id":"s${++wsSendId}","to":"${room}","text":"${text}"}`;
}

function openIrc(idx: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const nick = `${job.prefix}${idx}`;
    const room = channelName(channelOf(idx));
    const sock: Socket = connect({ host: job.host, port: portOf(idx), localAddress: job.localAddress, noDelay: true });
    const c: Client = { idx, send: (l) => sock.write(l), close: () => sock.destroy(), seen: [], open: true };
    let ready = false;
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`${nick}: not ready within ${job.connectTimeoutMs} ms`)); }, job.connectTimeoutMs);
    sock.setEncoding('latin1');
    sock.on('connect', () => sock.write(`NICK ${nick}\r\nUSER ${nick} 0 * :bench\r\n`));
    sock.on('error', (err) => { if (!ready) { clearTimeout(timer); reject(err); } });
    sock.on('close', () => { if (c.open && !stopping) disconnected++; c.open = false; });
    sock.on('data', (chunk: string) => {
      const at = nowUs();
      buf = buf === '' ? chunk : buf + chunk;
      let start = 0;
      // A PRIVMSG line is read in place in the received text; only other lines are sliced.
      let privmsg = buf.indexOf(' PRIVMSG ');
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n', start)) {
        const end = buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        const from = start;
        start = nl + 1;
        if (privmsg !== -1 && privmsg < from) privmsg = buf.indexOf(' PRIVMSG ', from);
        if (privmsg > from && privmsg < end) {
          const t = buf.indexOf(' :', privmsg + 9);
          if (t > 0 && t < end) onTextAt(c, buf, t + 2, end, at);
          continue;
        }
        const line = buf.slice(from, end);
        if (line.startsWith('PING ')) { sock.write(`PONG ${line.slice(5)}\r\n`); continue; }
        const parts = line.split(' ');
        const cmd = parts[1] ?? '';
        if (cmd === '001') sock.write(`JOIN ${room}\r\n`);
        else if (cmd === '366' && !ready) { ready = true; clearTimeout(timer); resolve(c); }
        else if (line.startsWith('ERROR') || (/^[45]\d\d$/.test(cmd) && cmd !== '422' /* no MOTD */)) {
          if (!ready) { clearTimeout(timer); sock.destroy(); reject(new Error(`${nick}: ${line}`)); }
          else fail(line);
        }
      }
      buf = buf.slice(start);
      if (buf.length > 1 << 20) { fail('line longer than 1 MiB'); sock.destroy(); }
    });
  });
}

const open = job.proto === 'ws' ? openWs : job.proto === 'irc' ? openIrc : openSio;

function messageFor(s: number, seq: number, due: number): string {
  const head = `B${step}:${s}:${seq}:${due}:`;
  return head.length >= job.size ? head : head + 'x'.repeat(job.size - head.length);
}

function runWindow(m: StartMsg): Promise<SentReport> {
  step = m.step;
  maxSeq = Math.ceil((m.rate * m.durationMs) / 1000) + 2;
  windowEndUs = m.t0Us + m.durationMs * 1000;
  latency = new Histogram();
  unique = inWindow = dupes = stale = bogus = acked = errors = 0;
  for (const c of clients) {
    const k = sendersIn[channelOf(c.idx)]!.length;
    c.seen = Array.from({ length: k }, () => new Uint8Array(maxSeq));
  }
  const mine = clients.filter((c) => c.idx < job.senders);
  const intervalUs = 1e6 / m.rate;
  const next = mine.map((c) => m.t0Us + (c.idx / job.senders) * intervalUs);
  const seq = mine.map(() => 0);
  const sent = new Array<number>(job.senders).fill(0);
  const sendLag = new Histogram();
  return new Promise((resolve) => {
    let cpu0: NodeJS.CpuUsage | undefined;
    let elu0: ReturnType<typeof performance.eventLoopUtilization> | undefined;
    let measuredFromUs = 0;
    const tick = (): void => {
      const now = nowUs();
      if (now >= m.t0Us && !cpu0) { cpu0 = process.cpuUsage(); elu0 = performance.eventLoopUtilization(); measuredFromUs = now; }
      for (let i = 0; i < mine.length; i++) {
        const c = mine[i]!;
        while (next[i]! <= now && next[i]! < windowEndUs) {
          const due = Math.round(next[i]!);
          const text = messageFor(c.idx, seq[i]!, due);
          const room = channelName(channelOf(c.idx));
          if (c.open) {
            c.send(job.proto === 'ws' ? wsSendLine(room, text) : job.proto === 'irc' ? `PRIVMSG ${room} :${text}\r\n` : `42["send","${room}","${text}"]`);
            sent[c.idx]!++;
          }
          sendLag.record(now - due);
          seq[i]!++;
          next[i]! += intervalUs;
        }
      }
      if (now >= windowEndUs) {
        const cpu = process.cpuUsage(cpu0);
        const elu = performance.eventLoopUtilization(elu0);
        resolve({ type: 'sent', sent, cpuCores: (cpu.user + cpu.system) / (m.durationMs * 1000), elu: elu.utilization, measuredUs: now - measuredFromUs, sendLag: sendLag.toJSON() });
        return;
      }
      // Sleep until the next due send (at most 1 ms granularity of the timer wheel).
      // A timer can fire up to a millisecond early: until the window's start has been seen, it is the next wake-up too, so
      // that CPU and ELU are measured over the whole window (not from its end, in a process without senders).
      const soonest = Math.min(windowEndUs, cpu0 ? Infinity : m.t0Us, ...next);
      setTimeout(tick, Math.max(0, Math.floor((soonest - nowUs()) / 1000)));
    };
    setTimeout(tick, Math.max(0, Math.floor((m.t0Us - nowUs()) / 1000)));
  });
}

async function drain(m: ExpectMsg): Promise<ResultReport> {
  let expected = 0;
  for (const c of clients) {
    for (const s of sendersIn[channelOf(c.idx)]!) if (s !== c.idx) expected += m.sent[s] ?? 0;
  }
  const deadline = windowEndUs + job.drainMs * 1000;
  while (unique < expected && nowUs() < deadline) await new Promise((r) => setTimeout(r, 20));
  return { type: 'result', unique, expected, inWindow, dupes, stale, bogus, acked, errors, disconnected, latency: latency.toJSON() };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  for (let i = job.from; i < job.to; i += 50) {
    const batch: Promise<Client>[] = [];
    for (let j = i; j < Math.min(job.to, i + 50); j++) batch.push(open(j));
    clients.push(...(await Promise.all(batch)));
  }
  process.send!({ type: 'ready', connectMs: Date.now() - t0 });
  process.on('message', (m: ParentMsg) => {
    if (m.type === 'start') void runWindow(m).then((r) => process.send!(r));
    else if (m.type === 'expect') void drain(m).then((r) => process.send!(r));
    else if (m.type === 'quiet') process.send!({ type: 'quiet', lastRecvUs });
    else {
      stopping = true;
      for (const c of clients) c.close();
      process.exit(0);
    }
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`load worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
