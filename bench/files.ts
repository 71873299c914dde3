/**
 * `npm run bench:files` — upload throughput, and what other users feel meanwhile.
 *
 * Starts a real server (child process, SQLite + disk under a temporary data directory, the
 * production durability settings). For the whole run, in this process:
 * - a **chat** between two other users: one sends a message to a room every 20 ms (open
 *   loop: latency counts from the scheduled send time, so a stalled server cannot hide
 *   behind a slower sender), the other receives it; latency = delivery - schedule;
 * - a **ping** every 10 ms over a third connection (round trip, no store involved);
 * - the server's own **event-loop lag** (prom-client's monitorEventLoopDelay, read from
 *   /metrics, which resets it at every scrape: one scrape per phase).
 * Uploads run in other processes (curl), so this process's loop only measures; its own lag
 * is reported too (`bench loop`), to show how much of the numbers is the measuring side.
 *
 * Phases: idle; one `--mb` MB upload; `--images` 6000x4000 JPEGs at once (re-encoded
 * without metadata and thumbnailed by sharp); `--videos` 1280x720 MP4s at once (poster frame
 * by ffmpeg, when installed). Load average is printed: on a shared machine it explains most
 * of the tail. Each phase also reports the server's CPU time (all threads, and its main
 * thread alone, from /proc; its child processes — the image worker, ffmpeg — apart) and its window on the monotonic clock (µs, for
 * `bench/profile-summary.ts --window`). The inputs are written and fsynced before anything is
 * measured, so the bench's own dirty pages are not flushed during a phase.
 *
 *   npm run bench:files -- --mb 100 --images 4 --videos 2 [--repeat 3] [--json out.json]
 *       [--prof DIR] [--server-env KEY=VALUE ...] [--root CHECKOUT] [--settle SECONDS] [--spawn-in-phase]
 *       [--plain N]
 *
 * --repeat N runs the upload, image and video phases N times, interleaved, and ends with a
 * summary per phase (median and worst of the runs); --prof DIR runs the server with
 * --cpu-prof (its profile is written to DIR when it stops); --server-env passes settings to
 * the server (A/B runs in one sitting, e.g. `--server-env BANTER_FILES_MAX_PIXELS=...`);
 * --root CHECKOUT runs the server of another checkout (a worktree of the old commit, built
 * with `npm run build:server`), measured by this bench: A/B of code in one sitting.
 * Each phase also prints how many chat messages took over 50 ms and how many store appends
 * (commits) took over 25 / 50 ms (the server's banter_store_append_duration_seconds): whether
 * the chat tail is the store or not; and the server's CPU per thread kind (`cpu by thread`: the event loop,
 * the store worker, libuv's pool, libvips, other worker threads), and the run reports the
 * server's RSS idle before the first phase and at the end, after --settle SECONDS of idleness
 * (default 0; longer than files.imageIdleMs shows what stays after the image worker stopped).
 *
 * --plain N adds a phase of N uploads at once of as many random bytes as the JPEG has (stored
 * as they are: no image work), before the image phase: the intake of the image phase alone.
 * A phase counts the chat messages *scheduled* within it and the pings started within it
 * (and waits, at most 10 s, for those still on their way), not what arrived within it.
 * Each phase also counts the chat messages this process sent more than 10 ms late (its own
 * loop was held: that part of their latency is the measuring side's) and its loop's maximum.
 * The curl processes are started before their phase (waiting for their URL), since starting
 * a process holds this process's loop for 6-13 ms; `--spawn-in-phase` starts them within it.
 *
 * Loopback only; bounded; stops by itself and ends only the server it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { WebSocket } from 'ws';
import { startChildServer } from '../test/helpers/child-server.ts';

const { values } = parseArgs({ options: {
  mb: { type: 'string', default: '100' }, images: { type: 'string', default: '4' }, videos: { type: 'string', default: '2' },
  json: { type: 'string' }, store: { type: 'string', default: 'sqlite' }, repeat: { type: 'string', default: '1' },
  prof: { type: 'string' }, 'server-env': { type: 'string', multiple: true, default: [] },
  root: { type: 'string' }, settle: { type: 'string', default: '0' }, 'spawn-in-phase': { type: 'boolean', default: false },
  plain: { type: 'string', default: '0' },
} });
const REPEAT = Math.max(1, Number(values.repeat));
const serverEnv = Object.fromEntries(values['server-env'].map((kv) => {
  const eq = kv.indexOf('=');
  if (eq < 1) throw new Error(`--server-env wants KEY=VALUE, got ${kv}`);
  return [kv.slice(0, eq), kv.slice(eq + 1)];
}));
const MB = Number(values.mb);
const PLAIN = Number(values.plain);
const IMAGES = Number(values.images);
const VIDEOS = spawnSync('sh', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).status === 0 ? Number(values.videos) : 0;
const CHAT_EVERY_MS = 20;
const PING_EVERY_MS = 10;

const dir = mkdtempSync(join(tmpdir(), 'banter-bench-files-'));
const server = await startChildServer(dir, 0, {
  BANTER_STORE: values.store!, BANTER_FILES_MAX_BYTES: String((Math.max(MB, 63) + 1) * 1024 * 1024), BANTER_HTTP_REQUEST_TIMEOUT_MS: '600000',
  BANTER_FLOOD_BURST: '1000000', BANTER_FLOOD_RATE_PER_SEC: '1000000', BANTER_FILES_UPLOAD_BURST: '1000', BANTER_IRC_ENABLED: 'false',
  ...(values.prof ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${values.prof}`.trim() } : {}),
  ...serverEnv,
}, ...(values.root ? [values.root] : []));
if (values.root) console.log(`server from ${values.root} (${server.code ?? '?'})`);
if (Object.keys(serverEnv).length > 0) console.log(`server env: ${Object.entries(serverEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`);
const serverPid = server.proc.pid!;

const base = `http://127.0.0.1:${server.port}`;

interface Ev { type: string; id?: string; data?: Record<string, unknown>; code?: string; msg?: { text: string; to: string } }

class Ws {
  private n = 0;
  private readonly waiting = new Map<string, (d: Ev) => void>();
  readonly ws: WebSocket;
  onEvent: (ev: Ev) => void = () => {};
  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (raw) => {
      const ev = JSON.parse(String(raw)) as Ev;
      if (ev.id !== undefined && (ev.type === 'reply' || ev.type === 'error')) this.waiting.get(ev.id)?.(ev);
      else this.onEvent(ev);
    });
  }
  static async open(name: string): Promise<Ws> {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    await new Promise((r) => ws.once('open', r));
    const c = new Ws(ws);
    await c.req('login', { name });
    return c;
  }
  req(type: string, args: object): Promise<Record<string, unknown>> {
    const id = `r${++this.n}`;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (ev) => { this.waiting.delete(id); if (ev.type === 'error') reject(new Error(ev.code)); else resolve(ev.data!); });
      this.ws.send(JSON.stringify({ type, id, ...args }));
    });
  }
}

const pinger = await Ws.open('pinger');
const uploader = await Ws.open('uploader');
const sender = await Ws.open('sender');
const receiver = await Ws.open('receiver');
await sender.req('join', { room: '#bench' });
await receiver.req('join', { room: '#bench' });

let pings: number[] = [];
let chats: number[] = [];
/** How late each chat message left this process (its send time minus its schedule), by its scheduled time. */
const sendLate = new Map<string, number>();
/** Per received chat message, in the order of `chats`: how late it was sent (the measuring side's own delay). */
let lates: number[] = [];
let sent = 0;
let received = 0;
let running = true;
const ownLag = monitorEventLoopDelay({ resolution: 10 });
ownLag.enable();

/**
 * The phase's window (performance.now()): chat messages *scheduled* in it, and pings started
 * in it, count in the phase, wherever they arrive. (Counting what arrived in it instead gave a
 * phase the messages this process sent late while it started the phase's curl processes.)
 */
let phaseStartAt = Infinity;
let phaseEndAt = Infinity;
/** Schedule of the last chat message sent. */
let lastScheduled = -Infinity;

receiver.onEvent = (ev) => {
  if (ev.type !== 'message' || ev.msg?.to !== '#bench') return;
  const key = ev.msg.text.split(' ')[1]!;
  const scheduled = Number(key);
  const late = sendLate.get(key) ?? NaN;
  sendLate.delete(key);
  received++;
  if (scheduled < phaseStartAt || scheduled >= phaseEndAt) return;
  chats.push(performance.now() - scheduled);
  lates.push(late);
};
let chatLoop: Promise<void> = Promise.resolve();
let pingLoop: Promise<void> = Promise.resolve();
/** Starts the chat and the pings (after the inputs are made: making them blocks this process). */
function startLoops(): void {
  const t0 = performance.now();
  chatLoop = (async () => {
    for (let i = 0; running; i++) {
      const at = t0 + i * CHAT_EVERY_MS;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sent++;
      sendLate.set(at.toFixed(3), performance.now() - at);
      lastScheduled = at;
      // Not awaited: the sender keeps its schedule whatever the server does.
      sender.req('send', { to: '#bench', text: `m ${at.toFixed(3)}` }).catch((err: unknown) => console.error('send failed', err));
    }
  })();
  pingLoop = (async () => {
    while (running) {
      const t = performance.now();
      await pinger.req('ping', {});
      if (t >= phaseStartAt && t < phaseEndAt) pings.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, PING_EVERY_MS));
    }
  })();
}

/** Store appends (commits) so far: in all, and slower than 25 / 50 ms (the server's histogram; cumulative). */
interface StoreAppends { n: number; over25: number; over50: number }
let storeAt: StoreAppends = { n: 0, over25: 0, over50: 0 };

/** The server's event-loop delay since the last scrape (prom-client resets it when scraped), and its store appends so far. */
async function serverLag(): Promise<{ p50: number; p99: number; max: number; store: StoreAppends }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const get = (name: string): number => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  const h = 'banter_store_append_duration_seconds';
  const n = get(`${h}_count`);
  const store = { n, over25: n - get(`${h}_bucket\\{le="0.025"\\}`), over50: n - get(`${h}_bucket\\{le="0.05"\\}`) };
  return { p50: get('nodejs_eventloop_lag_p50_seconds') * 1000, p99: get('nodejs_eventloop_lag_p99_seconds') * 1000, max: get('nodejs_eventloop_lag_max_seconds') * 1000, store };
}

function quantiles(xs: number[]): { n: number; p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: s.at(-1) ?? 0 };
}

/** Thread kinds by thread name (/proc/PID/task/TID/comm); the main thread is its own kind. */
function threadKind(tid: string, comm: string): string {
  if (Number(tid) === serverPid) return 'loop';
  if (comm === 'libuv-worker') return 'uv';
  if (comm.startsWith('libvips')) return 'vips';
  if (/^V8 ?Worker|^DelayedTaskSched|^node$/i.test(comm)) return 'v8';
  return comm.toLowerCase().replace(/\s+/g, '-').slice(0, 12);
}

/** CPU seconds per thread id (with its kind), of the server's threads alive now. */
function threadCpu(): Map<string, { kind: string; sec: number }> {
  const out = new Map<string, { kind: string; sec: number }>();
  let tids: string[];
  try { tids = readdirSync(`/proc/${serverPid}/task`); } catch { return out; }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${serverPid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { kind: threadKind(tid, comm), sec: (Number(f[11]) + Number(f[12])) / 100 });
    } catch { /* ended */ }
  }
  return out;
}

/** CPU seconds per thread kind between two threadCpu() snapshots (threads that ended meanwhile are missing). */
function cpuByKind(from: Map<string, { kind: string; sec: number }>, to: Map<string, { kind: string; sec: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [tid, t] of to) out[t.kind] = (out[t.kind] ?? 0) + t.sec - (from.get(tid)?.sec ?? 0);
  return out;
}

function serverRssMiB(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${serverPid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * utime + stime in seconds of the whole server process and of its main (event-loop) thread;
 * `helpers`: its child processes (the image worker, ffmpeg), live ones and those already
 * ended and reaped (cutime + cstime), so the sum stays right when one ends mid-phase.
 */
function serverCpu(): { all: number; main: number; helpers: number } {
  const fields = (path: string): string[] => {
    const stat = readFileSync(path, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  };
  const ticks = (f: string[], from: number): number => (Number(f[from]) + Number(f[from + 1])) / 100;
  const proc = fields(`/proc/${serverPid}/stat`);
  let helpers = ticks(proc, 13);
  for (const tid of readdirSync(`/proc/${serverPid}/task`)) {
    let kids: string[] = [];
    try { kids = readFileSync(`/proc/${serverPid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean); } catch { /* ended */ }
    for (const kid of kids) {
      try { helpers += ticks(fields(`/proc/${kid}/stat`), 11); } catch { /* ended */ }
    }
  }
  return { all: ticks(proc, 11), main: ticks(fields(`/proc/${serverPid}/task/${serverPid}/stat`), 11), helpers };
}
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

const results: Record<string, unknown>[] = [];
let phaseCpu = { all: 0, main: 0, helpers: 0 };
let phaseThreads = new Map<string, { kind: string; sec: number }>();
let phaseFrom = 0;
async function startPhase(): Promise<void> {
  storeAt = (await serverLag()).store;
  ownLag.reset();
  pings = [];
  chats = [];
  lates = [];
  phaseCpu = serverCpu();
  phaseThreads = threadCpu();
  phaseFrom = nowUs();
  phaseStartAt = performance.now();
  phaseEndAt = Infinity;
}
async function endPhase(label: string, extra: Record<string, unknown> = {}): Promise<void> {
  // Messages scheduled during the phase that are still on their way count in it: wait for them (at most 10 s).
  phaseEndAt = performance.now();
  for (const deadline = phaseEndAt + 10_000; performance.now() < deadline;) {
    if (lastScheduled >= phaseEndAt && ![...sendLate.keys()].some((k) => Number(k) < phaseEndAt)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const lag = await serverLag();
  const store = { n: lag.store.n - storeAt.n, over25: lag.store.over25 - storeAt.over25, over50: lag.store.over50 - storeAt.over50 };
  const cpu = serverCpu();
  const cpuSec = { all: cpu.all - phaseCpu.all, main: cpu.main - phaseCpu.main, helpers: cpu.helpers - phaseCpu.helpers };
  const byThread = cpuByKind(phaseThreads, threadCpu());
  const window = `${phaseFrom}:${nowUs()}`;
  const chat = quantiles(chats);
  const ping = quantiles(pings);
  const own = { p99: ownLag.percentile(99) / 1e6, max: ownLag.max / 1e6 };
  const f = (x: number): string => x.toFixed(1).padStart(6);
  console.log(`${label.padEnd(30)} chat n=${String(chat.n).padStart(4)} p50 ${f(chat.p50)} p99 ${f(chat.p99)} max ${f(chat.max)} | ping p50 ${f(ping.p50)} p99 ${f(ping.p99)} | server loop p99 ${f(lag.p99)} max ${f(lag.max)} | bench loop p99 ${f(own.p99)} ms | server CPU ${cpuSec.all.toFixed(2)} s (main ${cpuSec.main.toFixed(2)}) + child processes ${cpuSec.helpers.toFixed(2)} s | load ${loadavg()[0]!.toFixed(1)}`);
  const late = lates.filter((x) => x > 10);
  console.log(`  chat > 50 ms: ${chats.filter((x) => x > 50).length}, sent > 10 ms late: ${late.length} (max ${Math.max(0, ...late).toFixed(1)} ms; bench loop max ${own.max.toFixed(1)} ms) | store appends ${store.n}, > 25 ms: ${store.over25}, > 50 ms: ${store.over50} | RSS ${serverRssMiB().toFixed(0)} MiB | cpu by thread (s): ${Object.entries(byThread).filter(([, s]) => s >= 0.005).sort((a, b) => b[1] - a[1]).map(([k, s]) => `${k} ${s.toFixed(2)}`).join(', ')}`);
  results.push({ phase: label, chat, chatMs: chats.map((x) => Math.round(x * 100) / 100), sentLateMs: lates.map((x) => Math.round(x * 100) / 100), ping, serverLoop: lag, benchLoop: own, serverCpuSec: cpuSec, cpuByThread: byThread, storeAppends: store, rssMiB: serverRssMiB(), window, load1: loadavg()[0], ...extra });
}

/** Writes a file and fsyncs it: its dirty pages must not be flushed while a phase is measured. */
function writeDurably(path: string, bytes: Uint8Array): void {
  writeFileSync(path, bytes);
  const fd = openSync(path, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/**
 * An upload by curl, a separate process, so that this process's event loop only measures.
 * The process is started before the phase (`prepare`), waiting for its URL on stdin: starting
 * a process blocks the starting one's event loop (fork + exec: 6-13 ms each here, 41 ms for
 * four), and four of them at the start of the image phase made this process send and receive
 * the chat messages of that moment late, which counted as the server's latency. The upload
 * ticket is still asked for within the phase. --spawn-in-phase starts curl within the phase
 * (as before) for comparison.
 */
function prepareUpload(name: string, path: string, size: number): () => Promise<void> {
  const start = () => spawn('sh', ['-c', 'read -r url && exec curl -s -o /dev/null -w "%{http_code}" -T "$1" "$url"', 'sh', path], { stdio: ['pipe', 'pipe', 'inherit'] });
  let curl = values['spawn-in-phase'] ? undefined : start();
  return async () => {
    const t = await uploader.req('upload', { name, size }) as { url: string };
    curl ??= start();
    let out = '';
    curl.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise((r) => curl!.once('exit', r));
    curl.stdin!.end(`${base}${t.url}\n`);
    await exited;
    if (out !== '201') throw new Error(`upload ${name}: HTTP ${out}`);
  };
}

try {
  // Inputs are made before measuring, so making them is not measured.
  const bigPath = join(dir, 'src-big.dat');
  const big = Buffer.alloc(MB * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
  writeDurably(bigPath, big);
  const jpegPath = join(dir, 'src-photo.jpg');
  const jpeg = await sharp({ create: { width: 6000, height: 4000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg({ quality: 85 }).toBuffer();
  writeDurably(jpegPath, jpeg);
  const plainPath = join(dir, 'src-plain.dat');
  // Random bytes: sniffed as nothing in particular, so stored as they come (no image work).
  if (PLAIN > 0) writeDurably(plainPath, randomBytes(jpeg.length));
  const videoPath = join(dir, 'src-clip.mp4');
  if (VIDEOS > 0) {
    spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-t', '10', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-y', videoPath]);
    writeDurably(videoPath, readFileSync(videoPath));
  }

  const idleRss = serverRssMiB();
  startLoops();
  await startPhase();
  await new Promise((r) => setTimeout(r, 3000));
  await endPhase('idle (3 s)');

  for (let run = 1; run <= REPEAT; run++) {
    const tag = REPEAT > 1 ? ` #${run}` : '';
    const bigUpload = prepareUpload('big.dat', bigPath, big.length);
    await startPhase();
    let t = performance.now();
    await bigUpload();
    const secs = (performance.now() - t) / 1000;
    await endPhase(`${MB} MB upload${tag}`, { kind: 'upload', seconds: secs, mbPerSec: MB / secs });
    console.log(`  upload throughput: ${(MB / secs).toFixed(0)} MB/s (${secs.toFixed(2)} s, durable before the answer)`);

    if (PLAIN > 0) {
      const plainUploads = Array.from({ length: PLAIN }, (_, i) => prepareUpload(`blob${i}.dat`, plainPath, jpeg.length));
      await startPhase();
      t = performance.now();
      await Promise.all(plainUploads.map((go) => go()));
      const plainSecs = (performance.now() - t) / 1000;
      await endPhase(`${PLAIN} x ${(jpeg.length / 1024 / 1024).toFixed(1)} MB plain${tag}`, { kind: 'plain', seconds: plainSecs, bytesEach: jpeg.length });
    }

    // The same bytes each time: every upload is still decoded, re-encoded and thumbnailed (content addressing saves only the storage).
    const imageUploads = Array.from({ length: IMAGES }, (_, i) => prepareUpload(`photo${i}.jpg`, jpegPath, jpeg.length));
    await startPhase();
    t = performance.now();
    await Promise.all(imageUploads.map((go) => go()));
    const imgSecs = (performance.now() - t) / 1000;
    await endPhase(`${IMAGES} x 6000x4000 JPEG${tag}`, { kind: 'images', seconds: imgSecs, bytesEach: jpeg.length });
    console.log(`  images: ${IMAGES} x ${(jpeg.length / 1024 / 1024).toFixed(1)} MB processed in ${imgSecs.toFixed(2)} s`);

    if (VIDEOS > 0) {
      const size = readFileSync(videoPath).length;
      const videoUploads = Array.from({ length: VIDEOS }, (_, i) => prepareUpload(`clip${i}.mp4`, videoPath, size));
      await startPhase();
      t = performance.now();
      await Promise.all(videoUploads.map((go) => go()));
      const vidSecs = (performance.now() - t) / 1000;
      await endPhase(`${VIDEOS} x 720p MP4 (poster)${tag}`, { kind: 'videos', seconds: vidSecs, bytesEach: size });
      console.log(`  videos: ${VIDEOS} x ${(size / 1024 / 1024).toFixed(1)} MB with poster frames in ${vidSecs.toFixed(2)} s`);
    }
  }
  if (REPEAT > 1) {
    console.log(`summary of ${REPEAT} runs (median / worst):`);
    for (const kind of ['upload', 'plain', 'images', 'videos']) {
      const rs = results.filter((r) => r.kind === kind) as unknown as { chat: { p99: number; max: number }; serverLoop: { max: number }; seconds: number; serverCpuSec: { all: number; main: number; helpers: number } }[];
      if (rs.length === 0) continue;
      const mw = (xs: number[], d = 1): string => { const s = [...xs].sort((a, b) => a - b); return `${s[Math.floor((s.length - 1) / 2)]!.toFixed(d)} / ${s.at(-1)!.toFixed(d)}`; };
      console.log(`  ${kind.padEnd(7)} chat p99 ${mw(rs.map((r) => r.chat.p99))} ms, chat max ${mw(rs.map((r) => r.chat.max))} ms, server loop max ${mw(rs.map((r) => r.serverLoop.max))} ms, ${mw(rs.map((r) => r.seconds), 2)} s, server CPU ${mw(rs.map((r) => r.serverCpuSec.all), 2)} s (main ${mw(rs.map((r) => r.serverCpuSec.main), 2)} s) + child processes ${mw(rs.map((r) => r.serverCpuSec.helpers), 2)} s`);
    }
  }
  console.log(`chat messages: ${sent} sent, ${received} received`);
  const settle = Number(values.settle);
  if (settle > 0) await new Promise((r) => setTimeout(r, settle * 1000));
  const endRss = serverRssMiB();
  console.log(`server RSS: ${idleRss.toFixed(1)} MiB idle before the first phase, ${endRss.toFixed(1)} MiB at the end${settle > 0 ? ` (after ${settle} s idle)` : ''}, ${readdirSync(`/proc/${serverPid}/task`).length} threads | load ${loadavg()[0]!.toFixed(1)}`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ store: values.store, mb: MB, images: IMAGES, videos: VIDEOS, root: values.root, serverEnv, rssMiB: { idle: idleRss, end: endRss, settle }, results }, null, 2));
} finally {
  running = false;
  await Promise.all([pingLoop.catch(() => undefined), chatLoop.catch(() => undefined)]);
  for (const c of [pinger, uploader, sender, receiver]) c.ws.close();
  server.proc.kill('SIGTERM');
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
  if (values.prof) console.log(`server CPU profile(s) in ${values.prof}: ${readdirSync(values.prof).filter((f) => f.endsWith('.cpuprofile')).join(', ')}`);
}
