/**
 * A log reader that stops reading (a full stdout pipe: a stuck log shipper, a paused
 * terminal) must neither stop the chat nor grow the server's memory without bound. The
 * server writes its JSON log lines asynchronously into a bounded buffer (`logBufferBytes`,
 * src/server/logger.ts); past it lines are dropped, counted and reported. pino's default
 * destination buffered them without bound.
 *
 * stdout is a real FIFO (64 KiB), read by this test until the server listens, then not.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createReadStream, mkdtempSync, openSync, closeSync, rmSync, type ReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import { TestClient } from '../helpers/server.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'banter-logbp-'));
let proc: ChildProcess;
let reader: ReadStream;
let fd: number;
let port: number;
const lines: string[] = [];
/** The server's log buffer for this test: 64 KiB, a few hundred lines. */
const BUFFER = 65_536;

before(async () => {
  const fifo = join(dir, 'stdout.fifo');
  execFileSync('mkfifo', [fifo]);
  fd = openSync(fifo, 'r+'); // the server's stdout (the child may make it non-blocking)
  const readFd = openSync(fifo, 'r'); // this test's reading end: its own, blocking, open file
  const env: Record<string, string | undefined> = { ...process.env, BANTER_IRC_ENABLED: 'false', BANTER_LOG_BUFFER_BYTES: String(BUFFER) };
  delete env.NODE_TEST_CONTEXT;
  proc = spawn(process.execPath, ['bin/banter.js', 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', join(dir, 'data'), '--log-format', 'json'],
    { cwd: ROOT, env, stdio: ['ignore', fd, 'inherit'] });
  reader = createReadStream('', { fd: readFd, highWaterMark: 4096 }); // the stream owns readFd and closes it
  let buf = '';
  port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start within 60 s')), 60_000);
    reader.on('data', (d) => {
      buf += String(d);
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        const m = /"msg":"listening".*"url":"http:\/\/[^:]+:(\d+)/.exec(line) ?? /"url":"http:\/\/[^:]+:(\d+)[^"]*".*"msg":"listening"/.exec(line);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      }
    });
  });
});

after(async () => {
  proc.kill('SIGKILL');
  await new Promise((r) => proc.exitCode !== null || proc.signalCode !== null ? r(0) : proc.once('exit', r));
  closeSync(fd); // the last writer gone: the reader's pending read ends
  // The stream closes readFd itself once its pending read has ended (closing it here while
  // the read was in flight made that close fail with EBADF after the test).
  reader.destroy();
  await new Promise<void>((r) => { if (reader.closed) r(); else reader.once('close', () => r()); });
  rmSync(dir, { recursive: true, force: true });
});

/** Rejects when `p` has not settled within `ms`: a stalled server, not a slow one. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms (the server stalled on its log)`)), ms); })])
    .finally(() => clearTimeout(timer));
}

it('keeps serving while nobody reads its stdout, holds at most logBufferBytes of lines, and reports what it dropped', async () => {
  const url = `ws://127.0.0.1:${port}/ws`;
  // The reader stops: the FIFO fills after 64 KiB of log lines.
  reader.pause();
  // Each cycle logs "connected", "logged in" and "disconnected" (≈ 380 bytes): 1,500 cycles
  // are ≈ 0.5 MB, eight times what the FIFO holds.
  const CYCLES = 1500;
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = next++; i < CYCLES; i = next++) {
      const c = await within(TestClient.open(url), 30_000, `connection ${i}`);
      await within(c.request('login', { name: `lb${i}` }), 30_000, `login ${i}`);
      c.close();
      await within(c.waitClosed(), 30_000, `close ${i}`);
    }
  }));
  const health = await within(fetch(`http://127.0.0.1:${port}/healthz`), 30_000, 'healthz');
  assert.equal(health.status, 200);
  // Every disconnection handled (and its line logged or dropped): from here on the server logs
  // nothing by itself.
  const open = async (): Promise<string> => ((await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).match(/^banter_connections\{transport="ws"\} (\d+)/m)?.[1] ?? '0'); // no series: none open
  const settled = Date.now() + 60_000;
  while (await open() !== '0' && Date.now() < settled) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await open(), '0', 'every connection closed on the server');
  // The reader comes back: what fitted in the buffer arrives, then, with nothing else logged,
  // a warning with the count of the lines that did not; then the lines logged from then on.
  const before = lines.length;
  reader.resume();
  const has = (s: string): boolean => lines.slice(before).some((l) => l.includes(s));
  const waitFor = async (s: string): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (!has(s) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };
  await waitFor('log lines dropped');
  const warning = lines.slice(before).find((l) => l.includes('log lines dropped'));
  assert.ok(warning, `a warning says lines were dropped, as soon as the buffer drained; got ${lines.length - before} lines`);
  const later = await within(TestClient.open(url), 30_000, 'connection after the reader came back');
  await later.request('login', { name: 'lbafter' });
  await waitFor('"name":"lbafter"');
  later.close();
  const got = lines.slice(before);
  const dropped = (JSON.parse(warning) as { dropped: number }).dropped;
  const loggedIn = got.filter((l) => l.includes('"msg":"logged in"')).length;
  assert.ok(dropped > 0 && loggedIn < CYCLES, `some lines dropped (${dropped}), fewer than all ${CYCLES} logins written (${loggedIn})`);
  // Bounded: what was kept is about the buffer, not the 0.5 MB logged meanwhile.
  const keptBytes = got.slice(0, got.indexOf(warning)).reduce((a, l) => a + l.length + 1, 0);
  assert.ok(keptBytes <= BUFFER + 64 * 1024 + 8192, `kept ${keptBytes} bytes: the buffer plus what the FIFO and this reader held`);
  assert.ok(has('"name":"lbafter"'), 'lines logged after the reader came back are written');
  assert.equal(got.filter((l) => l.includes('log lines dropped')).length, 1, 'one gap, one warning');
});
