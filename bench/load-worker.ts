/**
 * One load-generator process: opens `count` WebSocket clients from one source address,
 * logs them in, and on "start" lets the first `senders` of them send at `rate` msg/s each.
 * Every client records the latency of each #lobby message it receives (send time is in
 * the text). Reports counts and a latency histogram to the parent over IPC.
 */
import WebSocket from 'ws';

interface Job { url: string; count: number; senders: number; rate: number; durationMs: number; localAddress: string; prefix: string }

const job = JSON.parse(process.argv[2]!) as Job;
const clients: WebSocket[] = [];
/** Latency histogram in 0.1 ms buckets up to 10 s, plus overflow. */
const buckets = new Uint32Array(100_001);
let received = 0;
let sent = 0;
let acked = 0;
let errors = 0;
let maxLatency = 0;

function now(): number {
  return performance.timeOrigin + performance.now();
}

function open(i: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(job.url, { localAddress: job.localAddress, perMessageDeflate: false });
    ws.on('error', reject);
    ws.on('message', (data) => {
      const s = data.toString();
      if (s.startsWith('{"type":"message"')) {
        const m = /"text":"t(\d+(?:\.\d+)?)/.exec(s);
        if (m) {
          const lat = now() - Number(m[1]);
          received++;
          if (lat > maxLatency) maxLatency = lat;
          buckets[Math.min(100_000, Math.max(0, Math.round(lat * 10)))]!++;
        }
      } else if (s.startsWith('{"type":"reply"')) {
        if (s.includes('"msg"')) acked++;
        else if (s.includes('"protocol"')) resolve(ws);
      } else if (s.startsWith('{"type":"error"')) {
        errors++;
        if (errors <= 3) process.stderr.write(`bench client error: ${s}\n`);
      }
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'login', id: 'l', name: `${job.prefix}${i}` })));
  });
}

async function main(): Promise<void> {
  for (let i = 0; i < job.count; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(job.count, i + 50); j++) batch.push(open(j));
    clients.push(...(await Promise.all(batch)));
  }
  process.send!({ type: 'ready' });
  if (process.env.BENCH_DEBUG) process.stderr.write('worker ready\n');
  await new Promise<void>((r) => process.once('message', () => r()));
  if (process.env.BENCH_DEBUG) process.stderr.write('worker start\n');
  const senders = clients.slice(0, job.senders);
  const interval = 1000 / job.rate;
  const started = now();
  let n = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = now() - started;
      if (elapsed >= job.durationMs) return resolve();
      // Catch up to the schedule: each sender sends floor(elapsed / interval) messages in total.
      const due = Math.floor(elapsed / interval) + 1;
      while (n < due) {
        for (const ws of senders) {
          ws.send(`{"type":"send","id":"${++sent}","to":"#lobby","text":"t${now().toFixed(3)}"}`);
        }
        n++;
      }
      setTimeout(tick, Math.max(1, Math.min(interval, 20)));
    };
    tick();
  });
  // Let in-flight messages arrive.
  await new Promise((r) => setTimeout(r, 1500));
  if (process.env.BENCH_DEBUG) process.stderr.write(`worker done ${sent} ${received}\n`);
  process.send!({ type: 'result', received, sent, acked, errors, maxLatency, buckets: Array.from(buckets) }, () => {
    for (const ws of clients) ws.terminate();
    process.exit(0);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`load worker failed: ${String(err)}\n`);
  process.exit(1);
});
