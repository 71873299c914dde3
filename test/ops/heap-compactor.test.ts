/**
 * The heap compactor (src/server/heap-compactor.ts): its decision logic over fake inputs, and a
 * real `banter serve` (default flags: `--expose-gc`) that compacts once after a burst of IRC
 * connections has grown its heap and the loop has gone idle, counts it in /metrics, keeps
 * serving those connections, and does not compact again without new growth; with
 * `memory.idleCompactSec = 0` it never does.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { IdleCompactor, type Compaction } from '../../src/server/heap-compactor.ts';
import { startChildServer, type ChildServer } from '../helpers/child-server.ts';
import { IrcClient } from '../helpers/irc.ts';

const MB = 1024 * 1024;

/** An IdleCompactor over scripted inputs: each check consumes one (utilisation, heap) pair. */
function scripted(opts: { idleChecks: number; growthMb: number; startMb: number }) {
  let util = 0, heap = opts.startMb * MB;
  const gcs: number[] = [];
  const done: Compaction[] = [];
  const c = new IdleCompactor({
    idleChecks: opts.idleChecks, growthBytes: opts.growthMb * MB,
    gc: () => { gcs.push(heap); heap = Math.round(heap * 0.8); },
    heapBytes: () => heap, utilisation: () => util,
    onCompact: (x) => done.push(x),
  });
  return {
    check(u: number, heapMb: number): boolean { util = u; heap = heapMb * MB; return c.check() !== undefined; },
    gcs, done,
  };
}

describe('IdleCompactor', () => {
  it('compacts after the given idle checks in a row once the heap has grown by the threshold, and not again without new growth', () => {
    const s = scripted({ idleChecks: 3, growthMb: 16, startMb: 20 });
    assert.equal(s.check(0.01, 20), false, 'idle, no growth');
    assert.equal(s.check(0.9, 60), false, 'busy: grown, but not idle');
    assert.equal(s.check(0.01, 60), false, 'idle 1');
    assert.equal(s.check(0.02, 60), false, 'idle 2');
    assert.equal(s.check(0.03, 60), true, 'idle 3 with 40 MB of growth: compacts');
    assert.deepEqual(s.done.map((d) => [d.reason, d.heapBefore / MB, d.heapAfter / MB]), [['idle', 60, 48]]);
    for (let i = 0; i < 10; i++) assert.equal(s.check(0.01, 50), false, 'idle but grown by 2 MB only since the compaction');
    assert.equal(s.gcs.length, 1);
  });

  it('a busy check restarts the idle count; utilisation at 5 % still counts as idle', () => {
    const s = scripted({ idleChecks: 2, growthMb: 4, startMb: 10 });
    s.check(0.5, 10);
    assert.equal(s.check(0.05, 30), false, 'idle 1');
    assert.equal(s.check(0.06, 30), false, 'busy (above 5 %)');
    assert.equal(s.check(0.05, 30), false, 'idle 1 again');
    assert.equal(s.check(0.0, 30), true, 'idle 2');
  });

  it('counts growth from the lowest heap since the last compaction or the start (a heap that shrank on its own and grew again)', () => {
    const s = scripted({ idleChecks: 1, growthMb: 16, startMb: 100 });
    assert.equal(s.check(0.01, 110), false, '10 MB over the low point of 100');
    s.check(0.5, 40); // V8 shrank it by itself
    assert.equal(s.check(0.01, 50), false, '10 MB over 40');
    assert.equal(s.check(0.01, 57), true, '17 MB over 40');
  });
});

const linux = existsSync('/proc/self/cmdline');

async function metric(s: ChildServer, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const LIFTED = { BANTER_LIMITS_PER_IP: '100000', BANTER_LIMITS_CONNECT_BURST: '100000', BANTER_LIMITS_CONNECT_RATE_PER_SEC: '100000', BANTER_IRC_AUTO_JOIN_LOBBY: 'false' };

/** Opens and registers `n` IRC connections, 100 at a time: a few MB of heap. */
async function burst(port: number, n: number): Promise<IrcClient[]> {
  const out: IrcClient[] = [];
  for (let i = 0; i < n; i += 100) {
    out.push(...await Promise.all(Array.from({ length: Math.min(100, n - i) }, async (_, j) => {
      const c = await IrcClient.connect(port);
      c.send(`NICK hc${i + j}`);
      c.send(`USER hc 0 * :heap`);
      await c.waitLine(/ 001 /);
      return c;
    })));
  }
  return out;
}

async function withServer(env: Record<string, string>, fn: (s: ChildServer) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'banter-compact-'));
  const s = await startChildServer(dir, 0, { ...LIFTED, ...env });
  try {
    await fn(s);
  } finally {
    s.proc.kill('SIGTERM');
    assert.equal(await s.exited, 0, 'a clean shutdown');
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('banter serve compacts its heap when idle', { skip: linux ? false : 'needs /proc (Linux)' }, () => {
  it('once after a burst of connections, counted in /metrics, and the connections keep working', async () => {
    await withServer({ BANTER_MEMORY_IDLE_COMPACT_SEC: '1', BANTER_MEMORY_IDLE_COMPACT_GROWTH_MB: '4' }, async (s) => {
      const clients = await burst(s.ircPort!, 3000);
      try {
        // Watched in the log, not by scraping /metrics: a scrape every few hundred ms keeps the loop above 5 % busy.
        const deadline = Date.now() + 60_000;
        let found: string | undefined;
        while (!(found = s.logTail().find((l) => l.includes('"heap compacted while idle"')))) {
          if (Date.now() > deadline) assert.fail(`no idle compaction logged:\n${s.logTail().slice(-20).join('\n')}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const rec = JSON.parse(found) as { heapBefore: number; heapAfter: number };
        assert.ok(rec.heapAfter < rec.heapBefore, `the heap shrank: ${rec.heapBefore} -> ${rec.heapAfter}`);
        assert.equal(await metric(s, 'banter_heap_compactions_total{reason="idle"}'), 1);
        assert.equal(await metric(s, 'banter_heap_compactions_total{reason="start"}'), 1, 'the start-up compaction is counted apart');
        assert.ok(await metric(s, 'banter_heap_compaction_seconds_total{reason="idle"}') > 0);
        // The connections are still served after the pause (a sample: 3,000 round trips would grow the heap again).
        await Promise.all(clients.filter((_, i) => i % 30 === 0).map((c) => c.sync()));
        assert.equal(clients.filter((c) => c.closed).length, 0, 'none was closed');
        // Idle for a further 3 checks without growth: no second compaction.
        await new Promise((r) => setTimeout(r, 3500));
        assert.equal(await metric(s, 'banter_heap_compactions_total{reason="idle"}'), 1, 'no compaction without new growth');
      } finally {
        for (const c of clients) c.socket.destroy();
      }
    });
  });

  it('never with memory.idleCompactSec = 0', async () => {
    await withServer({ BANTER_MEMORY_IDLE_COMPACT_SEC: '0', BANTER_MEMORY_IDLE_COMPACT_GROWTH_MB: '1' }, async (s) => {
      const clients = await burst(s.ircPort!, 1500);
      try {
        // With the setting at 1 s the compaction came within about 2 s of the burst (the test above).
        await new Promise((r) => setTimeout(r, 4000));
        assert.equal(await metric(s, 'banter_heap_compactions_total{reason="idle"}'), 0);
        assert.equal(s.logTail().some((l) => l.includes('"heap compacted while idle"')), false);
      } finally {
        for (const c of clients) c.socket.destroy();
      }
    });
  });
});
