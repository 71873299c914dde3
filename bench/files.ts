/**
 * `npm run bench:files` — upload throughput, and the chat latency others see meanwhile.
 *
 * Starts a real server (child process, SQLite + disk under a temporary data directory).
 * One client pings the server every 10 ms over its own WebSocket for the whole run; another
 * uploads (with curl, another process) one 100 MB file, then N large JPEGs (6000x4000, thumbnailed and re-encoded
 * without metadata by the server). Reports upload MB/s, image time, and the ping round-trip
 * p50/p99/max during each phase (what a chatting user would feel).
 *
 *   npm run bench:files -- --mb 100 --images 4
 *
 * Loopback only; bounded; stops by itself and ends only the server it started.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { WebSocket } from 'ws';
import { startChildServer } from '../test/helpers/child-server.ts';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '100' }, images: { type: 'string', default: '4' } } });
const MB = Number(values.mb);
const IMAGES = Number(values.images);

const dir = mkdtempSync(join(tmpdir(), 'banter-bench-files-'));
const server = await startChildServer(dir, 0, {
  BANTER_FILES_MAX_BYTES: String((MB + 1) * 1024 * 1024), BANTER_HTTP_REQUEST_TIMEOUT_MS: '600000',
  BANTER_FLOOD_BURST: '1000000', BANTER_FLOOD_RATE_PER_SEC: '1000000',
});
const base = `http://127.0.0.1:${server.port}`;

class Ws {
  private n = 0;
  private readonly waiting = new Map<string, (d: { type: string; data?: Record<string, unknown>; code?: string }) => void>();
  readonly ws: WebSocket;
  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (raw) => {
      const ev = JSON.parse(String(raw)) as { type: string; id?: string; data?: Record<string, unknown>; code?: string };
      if (ev.id !== undefined) this.waiting.get(ev.id)?.(ev);
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
let samples: number[] = [];
let pinging = true;
const pingLoop = (async () => {
  while (pinging) {
    const t = performance.now();
    await pinger.req('ping', {});
    samples.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 10));
  }
})();

function phase(label: string): void {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number): string => (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(1);
  console.log(`${label.padEnd(28)} pings ${String(s.length).padStart(5)}  p50 ${q(0.5)} ms  p99 ${q(0.99)} ms  max ${(s.at(-1) ?? 0).toFixed(1)} ms`);
  samples = [];
}

/** Uploads with curl, a separate process, so that this process's event loop only measures pings. */
async function upload(name: string, bytes: Uint8Array): Promise<void> {
  const path = join(dir, `src-${name}`);
  writeFileSync(path, bytes);
  const t = await uploader.req('upload', { name, size: bytes.length }) as { url: string };
  const curl = spawn('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-T', path, base + t.url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  curl.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  await new Promise((r) => curl.once('exit', r));
  if (out !== '201') throw new Error(`upload ${name}: HTTP ${out}`);
}

try {
  await new Promise((r) => setTimeout(r, 1000));
  phase('idle (1 s)');
  const big = new Uint8Array(MB * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
  writeFileSync(join(dir, 'warm'), '');
  samples = [];
  let t = performance.now();
  await upload('big.dat', big);
  const secs = (performance.now() - t) / 1000;
  phase(`${MB} MB upload`);
  console.log(`upload throughput: ${(MB / secs).toFixed(0)} MB/s (${secs.toFixed(2)} s, durable before the answer)`);
  const jpeg = await sharp({ create: { width: 6000, height: 4000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg({ quality: 85 }).toBuffer();
  samples = [];
  t = performance.now();
  await Promise.all(Array.from({ length: IMAGES }, (_, i) => upload(`photo${i}.jpg`, jpeg)));
  phase(`${IMAGES} x 6000x4000 JPEG`);
  console.log(`images: ${IMAGES} x ${(jpeg.length / 1024 / 1024).toFixed(1)} MB processed in ${((performance.now() - t) / 1000).toFixed(2)} s`);
} finally {
  pinging = false;
  await pingLoop.catch(() => undefined);
  pinger.ws.close();
  uploader.ws.close();
  server.proc.kill('SIGTERM');
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
}
