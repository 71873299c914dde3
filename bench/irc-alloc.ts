/**
 * `node bench/irc-alloc.ts` — heap bytes allocated per IRC delivery and per message, by
 * allocation site, with V8's sampling heap profiler (garbage included: objects collected by
 * minor and major GCs are kept in the profile). Unlike CPU time, allocation does not depend on
 * how busy the machine is, so this A/Bs the garbage the fan-out makes on a shared machine.
 *
 * In one process: a Banter server (memory store, or `--store sqlite` in a temporary data
 * directory: its worker thread's allocations are its own isolate's, not in the profile; flood control off) and `--clients` raw IRC
 * clients in `--channels` channels; the first `--senders` clients each write `--batch`
 * PRIVMSG lines per round in one packet, and the next round starts when every recipient has
 * every line (lockstep). The clients' own allocations are in the profile too; sites are
 * listed with the nearest Banter (`src/`) frame, so the server's share can be read off.
 *
 *   node bench/irc-alloc.ts [--clients 300] [--channels 3] [--senders 3] [--batch 4] [--rounds 300] [--top 30] [--stacks 0]
 *
 * `--proto ws`: the same over /ws with the JSON protocol (`ws` package clients, one `send` frame
 * per message; the sender gets its echo, so every member is a recipient). The server's frame
 * reading is the `ws` package's, called from no Banter frame: it shows as `node_modules/ws`
 * sites mixed with the clients' own, outside the "under a Banter frame" total.
 *
 * `--stacks N`: under each listed site, its N heaviest calling stacks (8 frames, nearest first),
 * to tell a site that no Banter frame calls (a stream's tick, a socket read) by its callers.
 *
 * `--held N` (IRC): instead, what a message holds while it waits for its commit. The store (in
 * memory) holds every append back; each sender writes N lines (pipelined, as many in flight as
 * the pump allows), and once all of them wait in the store, a GC runs and the sampling heap
 * profiler reports what is still alive of what was allocated since they were sent: the bytes
 * each waiting message keeps, by allocation site. With the SQLite store a message waits 20–50 ms
 * for its commit, longer than a scavenge interval, so all of it is copied and promoted
 * (docs/benchmarks.md, "Where the GC time goes").
 *
 * `--kept N`: what stays alive per message once it has been delivered to everyone. Each sender
 * writes N lines (pipelined); once all are delivered, a GC runs and the sampling heap profiler
 * reports what is still alive of what was allocated since they were sent, by allocation site:
 * the store's copy of each message (the memory store keeps `history.memoryMaxPerConversation`
 * per conversation, so with the memory store this is what each of those costs), and anything a
 * delivered message leaves behind that it should not.
 *
 * Stops by itself: every round has a deadline of 30 s; loopback only, port 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { silentLogger } from '../src/server/logger.ts';
import type { MessageStore } from '../src/core/ports.ts';
import { MemoryStore } from '../src/storage/memory.ts';
import { bytesBySite, heaviest, type ProfileNode } from './lib/heap-sites.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '300' },
    channels: { type: 'string', default: '3' },
    senders: { type: 'string', default: '3' },
    batch: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '300' },
    top: { type: 'string', default: '30' },
    stacks: { type: 'string', default: '0' },
    proto: { type: 'string', default: 'irc' },
    store: { type: 'string', default: 'memory' },
    held: { type: 'string', default: '0' },
    kept: { type: 'string', default: '0' },
  },
});
const CLIENTS = Number(values.clients), CHANNELS = Number(values.channels), SENDERS = Number(values.senders);
const BATCH = Number(values.batch), ROUNDS = Number(values.rounds), TOP = Number(values.top), STACKS = Number(values.stacks);
const WS = values.proto === 'ws';
const HELD = Number(values.held);
const KEPT = Number(values.kept);
if (!Number.isInteger(KEPT) || KEPT < 0 || KEPT > 1000 || (KEPT > 0 && HELD > 0)) {
  console.error('irc-alloc: --kept 0–1000 (lines per sender), not with --held');
  process.exit(2);
}
if (![CLIENTS, CHANNELS, SENDERS, BATCH, ROUNDS, TOP].every((n) => Number.isInteger(n) && n > 0) || SENDERS > CHANNELS || CLIENTS % CHANNELS !== 0 || !['irc', 'ws'].includes(values.proto!) || !['memory', 'sqlite'].includes(values.store!) || !Number.isInteger(HELD) || HELD < 0 || HELD > 256 || (HELD > 0 && (WS || values.store !== 'memory'))) {
  console.error('irc-alloc: bad arguments (positive integers; senders ≤ channels; clients a multiple of channels; --proto irc|ws; --store memory|sqlite; --held 0–256, IRC with the memory store)');
  process.exit(2);
}


/** One packet of `n` channel messages from sender `s`. */
const burst = (s: number, n: number): string => {
  let lines = '';
  for (let b = 0; b < n; b++) lines += `PRIVMSG #c${s % CHANNELS} :a line of about sixty-four bytes, as in bench/load.ts ${b} xxxx\r\n`;
  return lines;
};

const dataDir = values.store === 'sqlite' ? mkdtempSync(join(tmpdir(), 'banter-alloc-')) : undefined;
const config = loadConfig({ overrides: { host: '127.0.0.1', port: 0, 'irc.port': 0, 'irc.floodRate': 0, 'flood.burst': 1_000_000, 'flood.ratePerSec': 1_000_000, 'irc.autoJoinLobby': false, store: values.store!, ...(dataDir !== undefined ? { dataDir } : {}) } });
/** --held: appends wait while `gate` is set; `waiting` counts them. */
let gate: Promise<void> | undefined;
let openGate: () => void = () => undefined;
let waiting = 0;
const heldStore = (): MessageStore => {
  const store = new MemoryStore({ clock: { now: () => Date.now() }, maxPerConversation: config['history.memoryMaxPerConversation'], idempotencyWindowMs: config['history.idempotencyWindowMs'] });
  const append = store.append.bind(store);
  store.append = async (draft) => {
    if (gate) {
      waiting++;
      await gate;
      waiting--;
    }
    return append(draft);
  };
  return store;
};
const app = await startApp(config, { log: silentLogger(), ...(HELD > 0 ? { store: heldStore() } : {}) });
const port = app.ircPort!;
let received = 0;
const socks: Socket[] = [];
const wsClients: WebSocket[] = [];

/** A WebSocket client (the `ws` package), logged in and joined to its channel; counts the message frames it gets. */
function openWs(i: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const c = new WebSocket(`ws://127.0.0.1:${app.port}/ws`, { perMessageDeflate: false });
    c.on('error', reject);
    c.on('open', () => c.send(JSON.stringify({ type: 'login', id: 'l', name: `u${i}`, lobby: false })));
    c.on('message', (data: Buffer) => {
      if (data[9] === 109 /* m */ && data.subarray(0, 17).toString() === '{"type":"message"') { received++; return; }
      const m = JSON.parse(data.toString()) as { type: string; id?: string };
      if (m.type === 'reply' && m.id === 'l') c.send(JSON.stringify({ type: 'join', id: 'j', room: `#c${i % CHANNELS}` }));
      else if (m.type === 'reply' && m.id === 'j') resolve(c);
      else if (m.type === 'error') reject(new Error(`u${i}: ${data.toString()}`));
    });
  });
}

try {
  for (let i = 0; i < CLIENTS && WS; i++) wsClients.push(await openWs(i));
  for (let i = 0; i < CLIENTS && !WS; i++) {
    const s = connect({ port, host: '127.0.0.1' });
    s.setNoDelay(true);
    await new Promise((r) => s.once('connect', r));
    let buf = '';
    let joined: () => void = () => undefined;
    const j = new Promise<void>((r) => { joined = r; });
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let k;
      while ((k = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, k);
        buf = buf.slice(k + 1);
        if (line.includes(' PRIVMSG #')) received++;
        else if (line.includes(' 366 ')) joined();
        else if (line.startsWith('PING')) s.write(`PONG${line.slice(4)}\r\n`);
      }
    });
    s.write(`NICK u${i}\r\nUSER u${i} 0 * :u\r\nJOIN #c${i % CHANNELS}\r\n`);
    await j;
    socks.push(s);
  }
  // Over WebSocket a message also reaches its sender (the echo): every member is a recipient.
  const perMessage = CLIENTS / CHANNELS - (WS ? 0 : 1);
  let seq = 0;
  const round = async (): Promise<void> => {
    const want = received + SENDERS * BATCH * perMessage;
    for (let s = 0; s < SENDERS && WS; s++) {
      for (let b = 0; b < BATCH; b++) wsClients[s]!.send(`{"type":"send","id":"s${seq++}","to":"#c${s % CHANNELS}","text":"a line of about sixty-four bytes, as in bench/load.ts ${b} xxxx"}`);
    }
    for (let s = 0; s < SENDERS && !WS; s++) socks[s]!.write(burst(s, BATCH));
    const deadline = Date.now() + 30_000;
    while (received < want) {
      if (Date.now() > deadline) throw new Error(`round not delivered within 30 s (${want - received} missing)`);
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  for (let r = 0; r < 50; r++) await round();
  const session = new Session();
  session.connect();
  if (HELD > 0) {
    // The store holds every append back until the profile is taken.
    gate = new Promise<void>((r) => { openGate = r; });
    const want = received + SENDERS * HELD * perMessage;
    const head = await aliveAfter(session, HELD, () => waiting >= SENDERS * HELD, () => `only ${waiting} of ${SENDERS * HELD} appends waiting after 30 s`, 0);
    openGate();
    gate = undefined;
    await until(() => received >= want, () => 'held messages not delivered within 30 s');
    reportAlive(head, SENDERS * HELD, `IRC: ${SENDERS * HELD} messages waiting for their commit (${SENDERS} senders × ${HELD} pipelined lines), ${CLIENTS} clients in ${CHANNELS} channels`, 'waiting message');
  } else if (KEPT > 0) {
    const want = received + SENDERS * KEPT * perMessage;
    // Once all are delivered, 200 ms for the write rounds and the pumps to settle.
    const head = await aliveAfter(session, KEPT, () => received >= want, () => `only ${received - want + SENDERS * KEPT * perMessage} of ${SENDERS * KEPT * perMessage} deliveries after 30 s`, 200);
    reportAlive(head, SENDERS * KEPT, `IRC: ${SENDERS * KEPT} messages delivered (${SENDERS} senders × ${KEPT} pipelined lines), ${CLIENTS} clients in ${CHANNELS} channels`, 'delivered message');
  } else await allocatedPerDelivery(session, round, perMessage);
} finally {
  for (const s of socks) s.destroy();
  for (const c of wsClients) c.terminate();
  await app.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);

/** Waits (polling every 5 ms) until `done`, at most 30 s. */
async function until(done: () => boolean, why: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * What is still alive of what was allocated since each sender wrote `lines` pipelined lines:
 * a GC, sampling on, the lines sent, a wait until `done` (and `settleMs`), a GC, the profile.
 */
async function aliveAfter(session: Session, lines: number, done: () => boolean, why: () => string, settleMs: number): Promise<ProfileNode> {
  await session.post('HeapProfiler.collectGarbage');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 64 });
  for (let s = 0; s < SENDERS; s++) socks[s]!.write(burst(s, lines));
  await until(done, why);
  if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
  await session.post('HeapProfiler.collectGarbage');
  const { profile } = await session.post('HeapProfiler.getSamplingProfile') as unknown as { profile: { head: ProfileNode } };
  await session.post('HeapProfiler.stopSampling');
  return profile.head;
}

/** What is alive under a Banter frame in a sampling profile, per message of `count`, by site. */
function reportAlive(head: ProfileNode, count: number, title: string, per: string): void {
  const { bySite, banter } = bytesBySite(head, { banterOnly: true });
  console.log(title);
  console.log(`alive under a Banter frame: ${(banter / count).toFixed(0)} B per ${per}`);
  for (const [k, v] of heaviest(bySite, TOP)) console.log(`${(v / count).toFixed(0).padStart(7)} B/msg  ${k}`);
}

/** The default report: heap bytes allocated (garbage included) per message and per delivery over ROUNDS rounds. */
async function allocatedPerDelivery(session: Session, round: () => Promise<void>, perMessage: number): Promise<void> {
  await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let r = 0; r < ROUNDS; r++) await round();
  const { profile } = await session.post('HeapProfiler.stopSampling') as unknown as { profile: { head: ProfileNode } };
  session.disconnect();
  const messages = ROUNDS * SENDERS * BATCH, deliveries = messages * perMessage;
  const { bySite, total, banter: server, stacksOf } = bytesBySite(profile.head, { stacks: STACKS > 0 });
  console.log(`${WS ? 'WebSocket' : 'IRC'}: ${messages} messages, ${deliveries} deliveries (${CLIENTS} clients, ${CHANNELS} channels, ${SENDERS} senders × ${BATCH} lines per round, ${ROUNDS} rounds)`);
  console.log(`allocated: ${(total / 1e6).toFixed(1)} MB in all; under a Banter frame ${(server / messages).toFixed(0)} B per message, ${(server / deliveries).toFixed(1)} B per delivery`);
  for (const [k, v] of heaviest(bySite, TOP)) {
    console.log(`${(v / messages).toFixed(0).padStart(7)} B/msg ${(v / deliveries).toFixed(1).padStart(6)} B/dlv  ${k}`);
    for (const [callers, b] of [...stacksOf.get(k) ?? []].sort((a, b) => b[1] - a[1]).slice(0, STACKS)) {
      console.log(`${''.padStart(22)}${(b / deliveries).toFixed(1).padStart(6)} B/dlv < ${callers}`);
    }
  }
}
