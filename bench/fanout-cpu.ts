/**
 * `node bench/fanout-cpu.ts` — the server's CPU time per message and per delivery, measured in
 * lockstep so that it does not depend on how busy the machine is.
 *
 * `bench/load.ts` offers a fixed rate, so on a shared machine a server that gets less CPU falls
 * behind, its write rounds then carry more messages per socket, and its CPU per delivery drops:
 * the number measures the machine's load as much as the server. Here every round is the same
 * whatever the load: each of the `--senders` clients writes `--batch` PRIVMSG lines in one
 * packet, and the next round starts only when every recipient has every line of this one. The
 * server's user and system CPU (from /proc/PID/stat) over `--rounds` rounds, divided by the
 * messages and deliveries made, is what is reported; the wall time is reported but is not the
 * measure. Clients: `--clients` in `--channels` (client i in channel i % channels; sender s is
 * client s), one process, loopback only.
 *
 *   node bench/fanout-cpu.ts --server banter|inspircd|ngircd [--store sqlite|memory] [--clients 1000]
 *     [--channels 10] [--senders 10] [--batch 1] [--rounds 400] [--proto irc|ws] [--json]
 *
 * `--proto ws` (Banter only): the same over /ws with the JSON protocol, one `send` frame per
 * message; Banter echoes each message to its sender, so there a message's deliveries are all
 * the channel's members, the sender included.
 *
 * Stops by itself: every round has a deadline (`--round-timeout-ms`, 30 s), and it ends only
 * the server it started.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { loadAverage, startServer, type RunningServer, type ServerKind } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'banter' },
    store: { type: 'string', default: 'sqlite' },
    clients: { type: 'string', default: '1000' },
    channels: { type: 'string', default: '10' },
    senders: { type: 'string', default: '10' },
    batch: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '400' },
    warmup: { type: 'string', default: '100' },
    'round-timeout-ms': { type: 'string', default: '30000' },
    proto: { type: 'string', default: 'irc' },
    json: { type: 'boolean', default: false },
  },
});
const ws = values.proto === 'ws';
const kind = values.server as ServerKind;
const clients = Number(values.clients), channels = Number(values.channels), senders = Number(values.senders);
const batch = Number(values.batch), rounds = Number(values.rounds), warmup = Number(values.warmup);
const roundTimeoutMs = Number(values['round-timeout-ms']);
if (![clients, channels, senders, batch, rounds, warmup].every((n) => Number.isInteger(n) && n >= 0) || senders > channels * Math.floor(clients / channels) || batch < 1 || batch > 200 || !['banter', 'inspircd', 'ngircd'].includes(kind) || !['irc', 'ws'].includes(values.proto!) || (ws && kind !== 'banter')) {
  console.error('fanout-cpu: bad arguments (senders ≤ clients, 1 ≤ batch ≤ 200, --server banter|inspircd|ngircd)');
  process.exit(2);
}

/** [user, system] CPU seconds of a process, or of one of its threads (`tid`; the main thread's is the pid), in clock ticks of 1/100 s. */
function cpu(pid: number, tid?: number): [number, number] {
  const f = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return [Number(f[11]) / 100, Number(f[12]) / 100];
}

const channelOf = (i: number): number => i % channels;
/** Recipients of one message from a sender in channel ch: the channel's other members. */
const membersOf = (ch: number): number => Math.floor(clients / channels) + (ch < clients % channels ? 1 : 0);

let received = 0;
let wake: (() => void) | undefined;

function open(port: number, i: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const nick = `f${i}`;
    const s = connect({ port, host: '127.0.0.1', noDelay: true });
    let ready = false;
    let tail = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`${nick}: not registered in 60 s`)); }, 60_000);
    s.setEncoding('latin1');
    s.on('error', (err) => { if (!ready) reject(err); });
    s.on('connect', () => s.write(`NICK ${nick}\r\nUSER ${nick} 0 * :b\r\n`));
    s.on('data', (d: string) => {
      if (!ready) {
        tail += d;
        if (/ 001 /.test(tail) && !tail.includes('JOIN #')) s.write(`JOIN #c${channelOf(i)}\r\n`);
        if (/ 366 /.test(tail)) { ready = true; clearTimeout(timer); tail = ''; resolve(s); }
        if (tail.length > 1 << 16) tail = tail.slice(-4096);
        return;
      }
      // Count PRIVMSG lines (joins and PINGs of the set-up are over by the first round); the
      // last 8 characters of a chunk are kept, so a ' PRIVMSG ' cut by a chunk boundary counts once.
      const text = tail + d;
      for (let at = text.indexOf(' PRIVMSG '); at !== -1; at = text.indexOf(' PRIVMSG ', at + 9)) received++;
      tail = text.slice(-8);
      if (d.includes('PING ')) s.write('PONG :x\r\n');
      wake?.();
    });
  });
}

/** A WebSocket client (the `ws` package: this tool measures the server's CPU, not its own), logged in and joined. */
function openWs(port: number, i: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const c = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
    let ready = false;
    const timer = setTimeout(() => { c.terminate(); reject(new Error(`f${i}: not joined in 60 s`)); }, 60_000);
    c.on('error', (err) => { if (!ready) reject(err); });
    c.on('open', () => c.send(JSON.stringify({ type: 'login', id: 'l', name: `f${i}`, lobby: false })));
    c.on('message', (data: Buffer) => {
      if (data[9] === 109 /* m */ && data.subarray(0, 17).toString() === '{"type":"message"') { received++; wake?.(); return; }
      const m = JSON.parse(data.toString()) as { type: string; id?: string };
      if (m.type === 'reply' && m.id === 'l') c.send(JSON.stringify({ type: 'join', id: 'j', room: `#c${channelOf(i)}` }));
      else if (m.type === 'reply' && m.id === 'j') { ready = true; clearTimeout(timer); resolve(c); }
      else if (m.type === 'error') { if (!ready) reject(new Error(`f${i}: ${data.toString()}`)); else console.error(`f${i}: ${data.toString()}`); }
    });
  });
}

async function main(): Promise<void> {
  const server: RunningServer = await startServer(kind, { store: values.store as 'sqlite' | 'memory' });
  const sockets: Socket[] = [];
  const wsClients: WebSocket[] = [];
  try {
    for (let i = 0; i < clients; i += 50) {
      const n = Math.min(50, clients - i);
      if (ws) wsClients.push(...await Promise.all(Array.from({ length: n }, (_, k) => openWs(server.httpPort, i + k))));
      else sockets.push(...await Promise.all(Array.from({ length: n }, (_, k) => open(server.ircPort, i + k))));
    }
    // Later joins reach earlier members: let them arrive before counting.
    await new Promise((r) => setTimeout(r, 1000));
    const perRound = Array.from({ length: senders }, (_, s) => membersOf(channelOf(s)) - (ws ? 0 : 1)).reduce((a, b) => a + b, 0) * batch;
    const text = ':the quick brown fox jumps over the lazy dog, 0123456789abcdef\r\n';
    let seq = 0;
    const round = async (): Promise<void> => {
      const want = received + perRound;
      for (let s = 0; s < senders && ws; s++) {
        for (let b = 0; b < batch; b++) wsClients[s]!.send(`{"type":"send","id":"s${seq}","to":"#c${channelOf(s)}","text":"${text.slice(1, -2).replace('0123456789', String(seq++).padStart(10, '0'))}"}`);
      }
      for (let s = 0; s < senders && !ws; s++) {
        let lines = '';
        for (let b = 0; b < batch; b++) lines += `PRIVMSG #c${channelOf(s)} ${text.replace('0123456789', String(seq++).padStart(10, '0'))}`;
        sockets[s]!.write(lines);
      }
      const deadline = Date.now() + roundTimeoutMs;
      while (received < want) {
        if (Date.now() > deadline) throw new Error(`round not delivered within ${roundTimeoutMs} ms (${want - received} missing)`);
        await new Promise<void>((r) => { wake = r; setTimeout(r, 200); });
      }
      if (received > want) throw new Error(`${received - want} more deliveries than sent`);
    };
    for (let r = 0; r < warmup; r++) await round();
    const [u0, s0] = cpu(server.pid);
    const [mu0, ms0] = cpu(server.pid, server.pid);
    const load0 = loadAverage();
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) await round();
    const wallS = (performance.now() - t0) / 1000;
    const [u1, s1] = cpu(server.pid);
    const [mu1, ms1] = cpu(server.pid, server.pid);
    const messages = rounds * senders * batch, deliveries = rounds * perRound;
    const us = (x: number, n: number): number => Math.round((x * 1e6 / n) * 100) / 100;
    const out = {
      server: kind === 'banter' ? `banter (${values.store})${ws ? ' over ws' : ''}` : kind, clients, channels, senders, batch, rounds, messages, deliveries,
      cpuS: { user: Math.round((u1 - u0) * 100) / 100, system: Math.round((s1 - s0) * 100) / 100 },
      perMessageUs: { user: us(u1 - u0, messages), system: us(s1 - s0, messages), total: us(u1 - u0 + s1 - s0, messages) },
      perDeliveryUs: { user: us(u1 - u0, deliveries), system: us(s1 - s0, deliveries), total: us(u1 - u0 + s1 - s0, deliveries) },
      // The main thread alone (the event loop: fan-out and writes), without the store worker and V8's helper threads.
      mainThreadPerDeliveryUs: { user: us(mu1 - mu0, deliveries), system: us(ms1 - ms0, deliveries), total: us(mu1 - mu0 + ms1 - ms0, deliveries) },
      wallS: Math.round(wallS * 100) / 100, loadAvg: `${load0} → ${loadAverage()}`,
    };
    if (values.json) console.log(JSON.stringify(out));
    else console.log(`${out.server}: ${clients} clients, ${channels} channel(s), ${senders} senders × ${batch} line(s) per round, ${rounds} rounds: `
      + `${out.perDeliveryUs.total} µs CPU per delivery (user ${out.perDeliveryUs.user}, system ${out.perDeliveryUs.system}), ${out.perMessageUs.total} µs per message; wall ${out.wallS} s, load ${out.loadAvg}`);
  } finally {
    for (const s of sockets) s.destroy();
    for (const c of wsClients) c.terminate();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
