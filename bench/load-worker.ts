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
import WebSocket from 'ws';
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
for (let s = 0; s < job.senders; s++) sendersIn[channelOf(s)]!.push(s);

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

function onText(c: Client, text: string, at: number): void {
  onTextAt(c, text, 0, text.length, at);
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
  if (numberEnd < 0 || Number.isNaN(st) || Number.isNaN(snd) || Number.isNaN(seq) || Number.isNaN(us)) { bogus++; return; }
  if (st !== step) { stale++; return; }
  if (snd === c.idx) return; // the sender's own echo (Banter's JSON protocol echoes)
  const k = sendersIn[channelOf(c.idx)]!.indexOf(snd);
  if (k < 0 || !Number.isInteger(seq) || seq < 0 || seq >= maxSeq) { bogus++; return; }
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

function openWs(idx: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const nick = `${job.prefix}${idx}`;
    const room = channelName(channelOf(idx));
    const ws = new WebSocket(`ws://${job.host}:${portOf(idx)}${job.wsPath}`, { localAddress: job.localAddress, perMessageDeflate: false });
    const c: Client = { idx, send: (l) => ws.send(l), close: () => ws.terminate(), seen: [], open: true };
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`${nick}: not ready within ${job.connectTimeoutMs} ms`)), job.connectTimeoutMs);
    ws.on('error', (err) => { if (!ready) reject(err); });
    ws.on('close', () => { if (c.open && !stopping) disconnected++; c.open = false; });
    ws.on('message', (data) => {
      const at = nowUs();
      const s = data.toString();
      if (s.startsWith('{"type":"message"')) {
        const i = s.indexOf('"text":"');
        if (i >= 0) onText(c, s.slice(i + 8, s.indexOf('"', i + 8)), at);
      } else if (s.startsWith('{"type":"reply"')) {
        if (s.includes('"id":"s')) acked++;
        else if (s.includes('"id":"l"')) ws.send(JSON.stringify({ type: 'join', id: 'j', room }));
        else if (s.includes('"id":"j"')) { ready = true; clearTimeout(timer); resolve(c); }
      } else if (s.startsWith('{"type":"error"')) {
        if (!ready) reject(new Error(`${nick}: ${s}`));
        else fail(s);
      }
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'login', id: 'l', name: nick, lobby: false })));
  });
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

async function openSio(idx: number): Promise<Client> {
  const { io } = await import('socket.io-client');
  return new Promise((resolve, reject) => {
    const room = channelName(channelOf(idx));
    const socket = io(`http://${job.host}:${portOf(idx)}`, { transports: ['websocket'], forceNew: true, reconnection: false, localAddress: job.localAddress } as Parameters<typeof io>[1]);
    const c: Client = { idx, send: (t) => socket.emit('send', room, t), close: () => socket.disconnect(), seen: [], open: true };
    const timer = setTimeout(() => reject(new Error(`sio ${idx}: not ready within ${job.connectTimeoutMs} ms`)), job.connectTimeoutMs);
    socket.on('connect_error', (err: Error) => { clearTimeout(timer); reject(err); });
    socket.on('disconnect', () => { if (c.open && !stopping) disconnected++; c.open = false; });
    socket.on('message', (text: string) => onText(c, text, nowUs()));
    socket.on('connect', () => socket.emit('join', room, () => { clearTimeout(timer); resolve(c); }));
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
    const tick = (): void => {
      const now = nowUs();
      if (now >= m.t0Us && !cpu0) { cpu0 = process.cpuUsage(); elu0 = performance.eventLoopUtilization(); }
      for (let i = 0; i < mine.length; i++) {
        const c = mine[i]!;
        while (next[i]! <= now && next[i]! < windowEndUs) {
          const due = Math.round(next[i]!);
          const text = messageFor(c.idx, seq[i]!, due);
          const room = channelName(channelOf(c.idx));
          if (c.open) {
            c.send(job.proto === 'ws' ? wsSendLine(room, text) : job.proto === 'irc' ? `PRIVMSG ${room} :${text}\r\n` : text);
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
        resolve({ type: 'sent', sent, cpuCores: (cpu.user + cpu.system) / (m.durationMs * 1000), elu: elu.utilization, sendLag: sendLag.toJSON() });
        return;
      }
      // Sleep until the next due send (at most 1 ms granularity of the timer wheel).
      const soonest = Math.min(windowEndUs, ...next);
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
