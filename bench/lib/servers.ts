/**
 * Servers under test, each started by the benchmark as a child process on a loopback port it
 * picked, and stopped by that child's PID (SIGTERM, then SIGKILL after 10 s). Nothing here
 * touches system services or processes the benchmark did not start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type ServerKind = 'banter' | 'inspircd' | 'ngircd' | 'socketio';

export interface RunningServer {
  kind: ServerKind;
  pid: number;
  host: string;
  /** The IRC port (IRC servers, Banter) */
  ircPort: number;
  /** The HTTP/WebSocket port (Banter, Socket.IO) */
  httpPort: number;
  wsPath: string;
  /** Resolves once the process has exited. */
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** utime + stime of a process in seconds (Linux clock ticks are 1/100 s). */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Write-type system calls (write, writev, send…) a process has made, from /proc/PID/io (0 when unreadable). */
export function writeSyscalls(pid: number): number {
  try {
    return Number(/syscw:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * How long a process's main thread has waited on a run queue for a CPU, in seconds
 * (/proc/PID/task/PID/schedstat, second field; 0 when unreadable): on a shared machine the
 * part of its latency that is no work of its own.
 */
export function runqueueWaitSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return 0;
  }
}

/** Resident set size of a process in MiB (0 once it is gone). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function stopper(child: ChildProcess, cleanup: () => void): () => Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
    cleanup();
  };
}

/**
 * Collects a child's stdout and stderr (the last 64 KiB, so a chatty server never blocks on a
 * full pipe nor grows this buffer) and waits for patterns in it: a line that arrived before the
 * wait started still counts.
 */
function outputOf(child: ChildProcess, what: string): (pattern: RegExp, timeoutMs?: number) => Promise<string> {
  let buf = '';
  let wake: (() => void) | undefined;
  const onData = (d: Buffer): void => {
    buf += d.toString();
    if (buf.length > 1 << 16) buf = buf.slice(-(1 << 15));
    wake?.();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return (pattern, timeoutMs = 20_000) => new Promise((resolve, reject) => {
    const check = (): boolean => {
      const m = pattern.exec(buf);
      if (m) { done(); resolve(m[1] ?? ''); }
      return !!m;
    };
    const onExit = (code: number | null): void => { done(); reject(new Error(`${what} exited (${code}) before it was ready:\n${buf.slice(-2000)}`)); };
    const timer = setTimeout(() => { done(); reject(new Error(`${what} not ready within ${timeoutMs} ms:\n${buf.slice(-2000)}`)); }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      wake = undefined;
      child.off('exit', onExit);
    };
    child.once('exit', onExit);
    wake = () => { check(); };
    check();
  });
}

export interface BanterOptions {
  store: 'sqlite' | 'memory';
  /** Directory for `--cpu-prof` output; no profiling when unset. */
  profDir?: string;
  /** With bench/lib/task-timer.ts preloaded, writing its per-second task summaries to this file. */
  taskFile?: string;
  env?: Record<string, string>;
}

/** Environment that lifts Banter's per-connection limits: the benchmark measures fan-out, not flood control. */
export const BANTER_BENCH_ENV: Record<string, string> = {
  BANTER_FLOOD_BURST: '1000000', BANTER_FLOOD_RATE_PER_SEC: '1000000', BANTER_FLOOD_MAX_DELAY_MS: '0',
  BANTER_LIMITS_PER_IP: '1000000', BANTER_LIMITS_CONNECT_BURST: '1000000', BANTER_LIMITS_CONNECT_RATE_PER_SEC: '1000000',
  BANTER_WS_SEND_QUEUE_BYTES: String(64 * 1024 * 1024), BANTER_IRC_SEND_QUEUE_BYTES: String(64 * 1024 * 1024),
  BANTER_IRC_FLOOD_RATE: '0', BANTER_IRC_AUTO_JOIN_LOBBY: 'false', BANTER_IRC_PORT: '0', BANTER_IRC_TLS_PORT: '0',
};

export async function startBanter(opts: BanterOptions): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'banter-bench-'));
  const env: Record<string, string | undefined> = { ...process.env, ...BANTER_BENCH_ENV, BANTER_STORE: opts.store, ...(opts.taskFile ? { BENCH_TASK_TIMER_OUT: opts.taskFile } : {}), ...opts.env };
  delete env.NODE_TEST_CONTEXT;
  // BENCH_BANTER_NODE_ARGS: extra node flags for the server only (A/B of V8 flags; NODE_OPTIONS would reach the generators too).
  const extra = (process.env.BENCH_BANTER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const nodeArgs = [...extra, ...(opts.profDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profDir}`] : []), ...(opts.taskFile ? [`--import=${join(ROOT, 'bench/lib/task-timer.ts')}`] : [])];
  const child = spawn(process.execPath, [...nodeArgs, 'bin/banter.js', 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir, '--log-format', 'json', '--log-level', 'info'], {
    cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = outputOf(child, 'banter');
  // BENCH_SERVER_LOG=FILE: the server's whole output, for reading why a step failed.
  if (process.env.BENCH_SERVER_LOG) {
    const log = createWriteStream(process.env.BENCH_SERVER_LOG);
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  }
  const stop = stopper(child, () => rmSync(dir, { recursive: true, force: true }));
  try {
    const httpPort = Number(await out(/"url":"http:\/\/[^"]*:(\d+)"/));
    const ircPort = Number(await out(/"irc":"irc:\/\/[^"]*:(\d+)"/));
    return { kind: 'banter', pid: child.pid!, host: '127.0.0.1', httpPort, ircPort, wsPath: '/ws', stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function fromTemplate(name: string, port: number, dir: string): string {
  const text = readFileSync(join(ROOT, 'bench/peers', name), 'utf8').replaceAll('@PORT@', String(port)).replaceAll('@DIR@', dir);
  const file = join(dir, name);
  writeFileSync(file, text, { mode: 0o644 });
  return file;
}

export async function startInspircd(): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'inspircd-bench-'));
  const port = await freePort();
  const conf = fromTemplate('inspircd.conf', port, dir);
  const child = spawn('inspircd', ['--nofork', '--runasroot', `--config=${conf}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = stopper(child, () => rmSync(dir, { recursive: true, force: true }));
  try {
    await outputOf(child, 'inspircd')(/(InspIRCd is now running)/);
    return { kind: 'inspircd', pid: child.pid!, host: '127.0.0.1', ircPort: port, httpPort: 0, wsPath: '', stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function startNgircd(): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ngircd-bench-'));
  chmodSync(dir, 0o777); // ngIRCd started as root runs as "nobody" and writes its PID file here
  const port = await freePort();
  const conf = fromTemplate('ngircd.conf', port, dir);
  const child = spawn('ngircd', ['--nodaemon', '--passive', '--config', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = stopper(child, () => rmSync(dir, { recursive: true, force: true }));
  try {
    await outputOf(child, 'ngircd')(/(Now listening on)/);
    return { kind: 'ngircd', pid: child.pid!, host: '127.0.0.1', ircPort: port, httpPort: 0, wsPath: '', stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function startSocketio(): Promise<RunningServer> {
  const child = spawn(process.execPath, ['bench/peers/socketio.ts', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = stopper(child, () => undefined);
  try {
    const port = Number(await outputOf(child, 'socket.io server')(/listening on (\d+)/));
    return { kind: 'socketio', pid: child.pid!, host: '127.0.0.1', ircPort: 0, httpPort: port, wsPath: '/socket.io/', stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export function startServer(kind: ServerKind, opts: BanterOptions): Promise<RunningServer> {
  switch (kind) {
    case 'banter': return startBanter(opts);
    case 'inspircd': return startInspircd();
    case 'ngircd': return startNgircd();
    case 'socketio': return startSocketio();
  }
}
