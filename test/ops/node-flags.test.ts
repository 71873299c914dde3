/**
 * `banter serve` runs with the server's V8 flags (bin/banter.js: a 4 MiB semi-space by default,
 * BANTER_NODE_FLAGS to replace them), applied by replacing the process (same PID) before
 * anything starts: checked from /proc/PID/cmdline of the process that answers, and
 * MALLOC_ARENA_MAX=2 in its environment (/proc/PID/environ). With the flags
 * (`--expose-gc`), the server compacts its heap once start-up has settled.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { startChildServer } from '../helpers/child-server.ts';

const linux = existsSync('/proc/self/cmdline');

async function argsOf(env: Record<string, string>): Promise<{ args: string[]; env: Record<string, string>; warnings: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'banter-flags-'));
  const s = await startChildServer(dir, 0, { BANTER_IRC_ENABLED: 'false', ...env });
  try {
    const res = await fetch(`http://127.0.0.1:${s.port}/healthz`);
    assert.equal(res.status, 200, 'the process that was started answers');
    const args = readFileSync(`/proc/${s.proc.pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    // The environment the process was started with (execve's), not its current process.env.
    const environ = Object.fromEntries(readFileSync(`/proc/${s.proc.pid}/environ`, 'utf8').split('\0').filter((e) => e.includes('=')).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    return { args, env: environ, warnings: s.logTail().filter((l) => l.includes('unknown BANTER_') && l.includes('"BANTER_NODE_FLAGS"')) };
  } finally {
    s.proc.kill('SIGTERM');
    assert.equal(await s.exited, 0, 'a clean shutdown on SIGTERM, by the same PID');
    rmSync(dir, { recursive: true, force: true });
  }
}

it('serves with a 4 MiB semi-space by default, BANTER_NODE_FLAGS replaces the flags, "" leaves V8 defaults', { skip: linux ? false : 'needs /proc (Linux)' }, async () => {
  const byDefault = await argsOf({});
  assert.ok(byDefault.args.includes('--max-semi-space-size=4'), `default flags: ${byDefault.args.join(' ')}`);
  assert.equal(byDefault.args.filter((a) => a.startsWith('--max-semi-space-size')).length, 1, 'applied once');
  const replaced = await argsOf({ BANTER_NODE_FLAGS: '--max-semi-space-size=3' });
  assert.ok(replaced.args.includes('--max-semi-space-size=3') && !replaced.args.includes('--max-semi-space-size=4'), replaced.args.join(' '));
  assert.deepEqual(replaced.warnings, [], 'BANTER_NODE_FLAGS is not reported as an unknown setting');
  const none = await argsOf({ BANTER_NODE_FLAGS: '' });
  assert.ok(!none.args.some((a) => a.startsWith('--max-semi-space-size')), none.args.join(' '));
});

it('serves with MALLOC_ARENA_MAX=2 unless the environment sets it (also with BANTER_NODE_FLAGS="")', { skip: linux ? false : 'needs /proc (Linux)' }, async () => {
  const env = process.env.MALLOC_ARENA_MAX;
  delete process.env.MALLOC_ARENA_MAX; // the child inherits this process's environment
  try {
    assert.equal((await argsOf({})).env.MALLOC_ARENA_MAX, '2');
    assert.equal((await argsOf({ BANTER_NODE_FLAGS: '' })).env.MALLOC_ARENA_MAX, '2', 'set even when no V8 flag is added');
    assert.equal((await argsOf({ MALLOC_ARENA_MAX: '8' })).env.MALLOC_ARENA_MAX, '8', 'a value in the environment wins');
  } finally {
    if (env !== undefined) process.env.MALLOC_ARENA_MAX = env;
  }
});

it('compacts its heap once after start-up (the default flags expose gc): a smaller heap, and a log line that says so', { skip: linux ? false : 'needs /proc (Linux)' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-flags-'));
  const s = await startChildServer(dir, 0, { BANTER_IRC_ENABLED: 'false', BANTER_LOG_LEVEL: 'debug' });
  try {
    const deadline = Date.now() + 60_000;
    let line: { heapTotalBefore: number; heapTotalAfter: number } | undefined;
    while (!line) {
      const found = s.logTail().find((l) => l.includes('"heap compacted after start-up"'));
      if (found) line = JSON.parse(found) as { heapTotalBefore: number; heapTotalAfter: number };
      else if (Date.now() > deadline) assert.fail(`no compaction logged:\n${s.logTail().join('\n')}`);
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(line.heapTotalAfter < line.heapTotalBefore, `the heap shrank: ${line.heapTotalBefore} -> ${line.heapTotalAfter}`);
    assert.equal((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status, 200, 'and it still serves');
  } finally {
    s.proc.kill('SIGTERM');
    assert.equal(await s.exited, 0);
    rmSync(dir, { recursive: true, force: true });
  }
});
