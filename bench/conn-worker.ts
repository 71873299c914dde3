/**
 * One connection-opening process for bench/idle-conns.ts and bench/login-storm.ts: opens
 * `count` IRC or WebSocket connections, paced at `ratePerSec` (0: as fast as `concurrency`
 * in-flight registrations allow), cycling over its source addresses, and registers each one
 * (IRC: NICK/USER until 001; WebSocket: login until its reply). Reports progress every 500 ms,
 * a final tally once every connection is registered or failed, then holds the connections
 * until the parent asks how many are still open, and closes them on "stop".
 */
import { connect } from 'node:net';
import WebSocket from 'ws';
import { Histogram, nowUs } from './lib/hist.ts';

export interface ConnJob {
  proto: 'irc' | 'ws';
  host: string;
  port: number;
  /** Several servers (cluster nodes): connection i goes to ports[i mod length] instead of `port`. */
  ports?: number[];
  wsPath: string;
  from: number;
  count: number;
  ratePerSec: number;
  concurrency: number;
  addresses: string[];
  prefix: string;
  /** WebSocket: join #lobby at login (Banter's default). */
  lobby: boolean;
  timeoutMs: number;
}

export interface ConnTally {
  type: 'done';
  registered: number;
  timedOut: number;
  /** Not registered yet when the parent's overall deadline ended the run. */
  unfinished: number;
  failed: Record<string, number>;
  /** Connect-to-registered time. */
  latency: ReturnType<Histogram['toJSON']>;
  bytes: number;
  elapsedMs: number;
  cpuSec: number;
}

const job = JSON.parse(process.argv[2]!) as ConnJob;
const open = new Set<{ close(): void }>();
const latency = new Histogram();
let registered = 0, timedOut = 0, bytes = 0, settled = 0, inFlight = 0;
/** WebSocket `message` events received after login (a broadcast's deliveries). */
let messages = 0;
const failed: Record<string, number> = {};

function fail(why: string): void {
  failed[why] = (failed[why] ?? 0) + 1;
}

function one(i: number): Promise<void> {
  return new Promise((resolve) => {
    const t0 = nowUs();
    const nick = `${job.prefix}${job.from + i}`;
    const localAddress = job.addresses[i % job.addresses.length]!;
    const port = job.ports ? job.ports[(job.from + i) % job.ports.length]! : job.port;
    let done = false;
    const finish = (ok: boolean, why?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (ok) { registered++; latency.record(nowUs() - t0); } else if (why === 'timeout') timedOut++; else fail(why ?? 'error');
      settled++;
      resolve();
    };
    const timer = setTimeout(() => { finish(false, 'timeout'); handle.close(); }, job.timeoutMs);
    let handle: { close(): void };
    if (job.proto === 'irc') {
      const sock = connect({ host: job.host, port, localAddress });
      handle = { close: () => sock.destroy() };
      open.add(handle);
      let buf = '';
      sock.setEncoding('latin1');
      sock.on('connect', () => sock.write(`NICK ${nick}\r\nUSER ${nick} 0 * :idle\r\n`));
      sock.on('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? 'error'));
      sock.on('close', () => { open.delete(handle); finish(false, 'closed'); });
      sock.on('data', (d: string) => {
        bytes += d.length;
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) !== -1) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.startsWith('PING ')) sock.write(`PONG ${line.slice(5).trim()}\r\n`);
          const cmd = line.split(' ')[1];
          if (cmd === '001') finish(true);
          else if (line.startsWith('ERROR')) finish(false, 'ERROR');
          else if (cmd === '433' || cmd === '432') finish(false, `irc ${cmd}`);
        }
        if (buf.length > 65536) buf = '';
      });
    } else {
      const ws = new WebSocket(`ws://${job.host}:${port}${job.wsPath}`, { localAddress, perMessageDeflate: false });
      handle = { close: () => ws.terminate() };
      open.add(handle);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'login', id: 'l', name: nick, lobby: job.lobby })));
      ws.on('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? err.message.slice(0, 40)));
      ws.on('close', (code) => { open.delete(handle); finish(false, `closed ${code}`); });
      ws.on('message', (data: Buffer) => {
        bytes += data.length;
        const s = data.toString('latin1', 0, 40);
        if (done) {
          if (s.startsWith('{"type":"message"')) messages++;
          return;
        }
        if (s.startsWith('{"type":"reply","id":"l"')) finish(true);
        else if (s.startsWith('{"type":"error"')) finish(false, `error ${/"code":"([A-Z_]+)"/.exec(data.toString())?.[1] ?? '?'}`);
      });
    }
  });
}

async function main(): Promise<void> {
  const cpu0 = process.cpuUsage();
  const start = nowUs();
  const progress = setInterval(() => process.send!({ type: 'progress', registered, settled }), 500);
  const all: Promise<void>[] = [];
  let aborted = false;
  let abort: () => void = () => undefined;
  const abortP = new Promise<void>((resolve) => { abort = resolve; });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'abort') { aborted = true; abort(); } else if (m.type === 'check') process.send!({ type: 'open', open: open.size, bytes, messages });
    else {
      for (const h of open) h.close();
      process.exit(0);
    }
  });
  await Promise.race([abortP, new Promise<void>((resolve) => {
    let next = 0;
    const intervalUs = job.ratePerSec > 0 ? 1e6 / job.ratePerSec : 0;
    const pump = (): void => {
      if (aborted) return;
      const due = intervalUs ? Math.min(job.count, Math.floor((nowUs() - start) / intervalUs) + 1) : job.count;
      while (next < due && inFlight < job.concurrency) {
        inFlight++;
        all.push(one(next++).then(() => { inFlight--; if (!intervalUs) pump(); }));
      }
      if (next >= job.count) return resolve();
      if (intervalUs) setTimeout(pump, 1);
    };
    pump();
  }).then(() => Promise.all(all))]);
  clearInterval(progress);
  const cpu = process.cpuUsage(cpu0);
  const tally: ConnTally = { type: 'done', registered, timedOut, unfinished: job.count - settled, failed, latency: latency.toJSON(), bytes, elapsedMs: Math.round((nowUs() - start) / 1000), cpuSec: (cpu.user + cpu.system) / 1e6 };
  process.send!(tally);
}

main().catch((err: unknown) => {
  process.stderr.write(`conn worker failed: ${String(err)}\n`);
  process.exit(1);
});
