/**
 * The listeners' accept queue (config `listenBacklog`): Node's default of 511 overflowed under
 * a burst of 1,000 connections per second, so the kernel dropped SYNs and clients waited
 * 1–7 s for retransmits (docs/benchmarks.md). The queue length of a listening socket is
 * what `ss -ltn` shows as Send-Q (capped by net.core.somaxconn).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { startTestServer } from './helpers/server.ts';

const haveSs = spawnSync('sh', ['-c', 'command -v ss'], { encoding: 'utf8' }).status === 0;

function backlogOf(port: number): number {
  const out = spawnSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).stdout.trim();
  const cols = out.split(/\s+/);
  assert.ok(cols.length >= 4, `ss shows the listener on ${port}: ${out}`);
  return Number(cols[2]);
}

it('listens with the configured accept queue on the HTTP and IRC ports', { skip: haveSs ? false : 'ss (iproute2) is not installed' }, async () => {
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  const app = await startTestServer();
  try {
    const want = Math.min(4096, somaxconn);
    assert.equal(backlogOf(app.port), want);
    assert.equal(backlogOf(app.ircPort!), want);
  } finally {
    await app.close();
  }
  const small = await startTestServer({ listenBacklog: 64 });
  try {
    assert.equal(backlogOf(small.port), 64);
    assert.equal(backlogOf(small.ircPort!), 64);
  } finally {
    await small.close();
  }
});
