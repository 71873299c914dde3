/**
 * Fault test (hardening): kill -9 the server repeatedly while clients keep sending, restart it
 * each time on the same data directory and port, and check at the end that every message
 * that was ever acknowledged is stored exactly once, that seq has no holes, and that the
 * database passes PRAGMA integrity_check after every crash.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, it } from 'node:test';
import { BanterClient } from '../src/client/client.ts';
import type { ChatMessage } from '../src/protocol/index.ts';
import { DB_FILE } from '../src/storage/sqlite/open.ts';
import { startChildServer, type ChildServer } from './helpers/child-server.ts';
import { TestClient } from './helpers/server.ts';

const CRASHES = 4;
const ACKS_PER_ROUND = 150;

const dir = mkdtempSync(join(tmpdir(), 'banter-fault-'));
const children: ChildServer[] = [];
const clients: BanterClient[] = [];
after(() => {
  for (const c of clients) c.close();
  for (const c of children) c.proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function start(port: number): Promise<ChildServer> {
  const s = await startChildServer(dir, port, { BANTER_FLOOD_BURST: '1000000', BANTER_FLOOD_RATE_PER_SEC: '1000000' });
  children.push(s);
  return s;
}

async function until(pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function integrity(): string {
  const db = new DatabaseSync(join(dir, DB_FILE));
  try {
    return (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check;
  } finally {
    db.close();
  }
}

it(`loses no acknowledged message across ${CRASHES} kill -9 crashes under load`, async (t) => {
  let server = await start(0);
  const port = server.port;
  const writers = await Promise.all(['FaultA', 'FaultB'].map(async (name) => {
    const w = new BanterClient({ url: `ws://127.0.0.1:${port}/ws`, initialDelayMs: 50, maxDelayMs: 300 });
    clients.push(w);
    await w.connect();
    await w.login(name);
    return w;
  }));

  const acked = new Map<string, ChatMessage>();
  const sent: Promise<{ msg: ChatMessage }>[] = [];
  let stop = false;
  // Each writer keeps 8 messages in flight for the whole test, across crashes; the client's
  // outbox resends whatever was not acknowledged when the server died.
  const loops = writers.map(async (w, wi) => {
    let k = 0;
    const inflight = new Set<Promise<unknown>>();
    while (!stop) {
      const p = w.send('#lobby', `f${wi}-${k++}`);
      sent.push(p);
      void p.then((r) => acked.set(r.msg.id, r.msg), () => undefined);
      inflight.add(p);
      void p.finally(() => inflight.delete(p)).catch(() => undefined);
      if (inflight.size >= 8) await Promise.race([...inflight].map((x) => x.catch(() => undefined)));
    }
  });

  for (let round = 1; round <= CRASHES; round++) {
    const target = acked.size + ACKS_PER_ROUND;
    await until(() => acked.size >= target, `round ${round} load`);
    server.proc.kill('SIGKILL');
    assert.equal(await server.exited, 'SIGKILL');
    assert.equal(integrity(), 'ok', `database consistent after crash ${round}`);
    server = await start(port);
  }
  stop = true;
  await Promise.all(loops);
  const results = await Promise.all(sent);
  await until(() => writers.every((w) => w.outboxSize === 0), 'outboxes drained');

  const auditor = await TestClient.open(`ws://127.0.0.1:${port}/ws`);
  await auditor.request('login', { name: 'FaultAuditor' });
  const all: ChatMessage[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await auditor.request('history', { to: '#lobby', limit: 200, ...(before !== undefined ? { before } : {}) });
    all.unshift(...page.messages);
    if (page.messages.length < 200 || page.messages[0]!.seq === 1) break;
    before = page.messages[0]!.seq;
  }
  auditor.close();
  t.diagnostic(`${CRASHES} crashes, ${acked.size} acknowledged, ${sent.length} sent, ${all.length} stored`);

  assert.deepEqual(all.map((m) => m.seq), Array.from({ length: all.length }, (_, i) => i + 1), 'seq has no holes');
  const byId = new Map(all.map((m) => [m.id, m]));
  for (const a of acked.values()) assert.deepEqual(byId.get(a.id), a, `acknowledged ${a.text} is stored as acknowledged`);
  const texts = all.map((m) => m.text);
  assert.equal(new Set(texts).size, texts.length, 'nothing stored twice');
  assert.deepEqual(new Set(texts), new Set(results.map((r) => r.msg.text)), 'every sent message stored once');

  for (const w of writers) w.close();
  server.proc.kill('SIGTERM');
  assert.equal(await server.exited, 0);
  assert.equal(integrity(), 'ok');
});
