/**
 * Durability across restarts, with the server in a child process on a real data directory:
 * a clean stop (SIGTERM) and a crash (`kill -9`) while clients are sending. Every
 * acknowledged message must be there afterwards exactly once, the database must pass
 * `PRAGMA integrity_check`, and a client that was connected resumes without gaps or
 * duplicates.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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

const dirs: string[] = [];
const children: ChildServer[] = [];
const clients: BanterClient[] = [];
after(() => {
  for (const c of clients) c.close();
  for (const c of children) c.proc.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'banter-restart-'));
  dirs.push(d);
  return d;
}

async function start(dir: string, port = 0): Promise<ChildServer> {
  // Flood control off the way: this load comes from three connections only.
  const s = await startChildServer(dir, port, { BANTER_HISTORY_RESUME_MAX: '10000', BANTER_FLOOD_BURST: '1000000', BANTER_FLOOD_RATE_PER_SEC: '1000000' });
  children.push(s);
  return s;
}

async function until(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function integrity(dir: string): string {
  const db = new DatabaseSync(join(dir, DB_FILE));
  try {
    return (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check;
  } finally {
    db.close();
  }
}

/** Every message of a conversation, paging back from the newest. */
async function everything(port: number, to: string): Promise<ChatMessage[]> {
  const c = await TestClient.open(`ws://127.0.0.1:${port}/ws`);
  await c.request('login', { name: `Auditor${Math.floor(Math.random() * 1e6)}` });
  const out: ChatMessage[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await c.request('history', { to, limit: 200, ...(before !== undefined ? { before } : {}) });
    out.unshift(...page.messages);
    if (page.messages.length < 200 || page.messages[0]!.seq === 1) break;
    before = page.messages[0]!.seq;
  }
  c.close();
  return out;
}

it('keeps every acknowledged message across a clean stop (SIGTERM)', async () => {
  const dir = tempDir();
  const s1 = await start(dir);
  const c = await TestClient.open(`ws://127.0.0.1:${s1.port}/ws`);
  await c.request('login', { name: 'Durable' });
  const acked = await Promise.all(Array.from({ length: 50 }, (_, i) => c.request('send', { to: '#lobby', text: `durable ${i}` })));
  s1.proc.kill('SIGTERM');
  assert.equal(await s1.exited, 0, s1.stderr());
  assert.equal(integrity(dir), 'ok');

  const s2 = await start(dir);
  const all = await everything(s2.port, '#lobby');
  assert.deepEqual(all, acked.map((a) => a.msg));
  assert.deepEqual(all.map((m) => m.seq), Array.from({ length: 50 }, (_, i) => i + 1));
  s2.proc.kill('SIGTERM');
  assert.equal(await s2.exited, 0);
  assert.equal(integrity(dir), 'ok');
});

it('keeps every acknowledged message exactly once after kill -9 under load; clients resume without gaps', async (t) => {
  const dir = tempDir();
  const s1 = await start(dir);
  const url = `ws://127.0.0.1:${s1.port}/ws`;
  const opts = { url, initialDelayMs: 100, maxDelayMs: 500 };

  // A reader that stays "connected" across the crash and must end up with every message once.
  const reader = new BanterClient(opts);
  clients.push(reader);
  const seen: number[] = [];
  reader.on('message', (ev) => { if (ev.msg.to === '#lobby') seen.push(ev.msg.seq); });
  await reader.connect();
  await reader.login('Reader');

  const writers = await Promise.all(['W1', 'W2', 'W3'].map(async (name) => {
    const w = new BanterClient(opts);
    clients.push(w);
    await w.connect();
    await w.login(name);
    return w;
  }));
  const acked: ChatMessage[] = [];
  const sent: Promise<unknown>[] = [];
  let crashed = false;
  let onCrash = (): void => undefined;
  const crash = new Promise<void>((resolve) => { onCrash = resolve; });
  // Each writer keeps 16 messages in flight until the crash.
  const loops = writers.map(async (w, wi) => {
    let k = 0;
    const inflight = new Set<Promise<unknown>>();
    while (!crashed) {
      const p = w.send('#lobby', `w${wi}-${k++}`).then((r) => { if (!crashed) acked.push(r.msg); return r; });
      sent.push(p);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      if (inflight.size >= 16) await Promise.race([...inflight, crash]);
    }
  });
  await Promise.race([until(() => acked.length >= 600, 'load'), Promise.all(loops)]);
  assert.ok(acked.length >= 600, 'the load ran');
  crashed = true;
  onCrash();
  s1.proc.kill('SIGKILL');
  assert.equal(await s1.exited, 'SIGKILL');
  await Promise.all(loops);
  const ackedBeforeCrash = [...acked];
  assert.equal(integrity(dir), 'ok', 'the crashed database is consistent');

  // Same port, so the clients reconnect by themselves; they resend what was not acknowledged.
  const s2 = await start(dir, s1.port);
  const results = await Promise.all(sent) as { msg: ChatMessage }[];
  await until(() => writers.every((w) => w.outboxSize === 0), 'outboxes drained');

  const all = await everything(s2.port, '#lobby');
  assert.deepEqual(all.map((m) => m.seq), Array.from({ length: all.length }, (_, i) => i + 1), 'seq has no holes');
  const byId = new Map(all.map((m) => [m.id, m]));
  for (const a of ackedBeforeCrash) assert.deepEqual(byId.get(a.id), a, `acknowledged message ${a.text} survived as it was`);
  t.diagnostic(`${ackedBeforeCrash.length} acknowledged before the crash, ${sent.length} sent in all, ${all.length} stored`);
  const texts = all.map((m) => m.text);
  assert.equal(new Set(texts).size, texts.length, 'no message stored twice');
  assert.deepEqual(new Set(texts), new Set(results.map((r) => r.msg.text)), 'every sent message stored, once');

  // The reader resumed: after a final marker it has seen every seq exactly once, in order.
  const marker = await writers[0]!.send('#lobby', 'marker');
  await until(() => seen.at(-1) === marker.msg.seq, 'reader caught up');
  assert.deepEqual(seen, Array.from({ length: marker.msg.seq }, (_, i) => i + 1));

  for (const c of [reader, ...writers]) c.close();
  s2.proc.kill('SIGTERM');
  assert.equal(await s2.exited, 0);
  assert.equal(integrity(dir), 'ok');
});

it('shuts down cleanly on a SIGTERM that arrives while the server is still starting', async () => {
  const dir = tempDir();
  // An unknown BANTER_ variable makes the server log a warning before it opens the store and
  // listens: the signal is sent on that line, so it arrives during start-up.
  const env: Record<string, string | undefined> = { ...process.env, BANTER_IRC_PORT: '0', BANTER_IRC_TLS_PORT: '0', BANTER_STARTUP_PROBE: '1' };
  delete env.NODE_TEST_CONTEXT;
  const proc = spawn(process.execPath, ['bin/banter.js', 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir, '--log-format', 'json'], {
    cwd: new URL('..', import.meta.url), env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let out = '';
  let signalled = false;
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (!signalled && out.includes('BANTER_STARTUP_PROBE')) {
      signalled = true;
      proc.kill('SIGTERM');
    }
  });
  proc.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  const code = await exited;
  clearTimeout(timer);
  assert.ok(signalled, out);
  assert.equal(code, 0, out);
  const msgs = out.split('\n').flatMap((l) => { try { return [(JSON.parse(l) as { msg: string }).msg]; } catch { return []; } });
  assert.deepEqual(msgs.filter((m) => m === 'signal received' || m === 'shutting down'), ['signal received', 'shutting down'], out);
  assert.equal(integrity(dir), 'ok');
});
