/**
 * Helpers for the operations tests: Prometheus text parsing, HTTP calls, and a real
 * `banter serve` child process whose JSON log lines are collected.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;

/** The value of one sample (`name` with exactly these labels) in Prometheus text, or 0 when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',');
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '').split(/,(?=[a-zA-Z_]\w*=")/).filter(Boolean).sort().join(',');
    if (got === want) return Number(m[3]);
  }
  return 0;
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

export async function post(url: string, body: string | undefined, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) as Record<string, unknown> : {} };
}

/** Polls `cond` until it holds or the deadline passes. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Child {
  proc: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  stdout: string;
  stderr: string;
  port: number;
  exited: Promise<number | null>;
  waitLog(pred: (l: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  kill(): void;
}

/** Starts `banter <args>` (Node 24: this process's node) and waits for its "listening" line. */
export async function spawnServer(args: string[], env: Record<string, string> = {}): Promise<Child> {
  const proc = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, BANTER_LOG_FORMAT: 'json', BANTER_HOST: '127.0.0.1', BANTER_PORT: '0', BANTER_IRC_PORT: '0', BANTER_IRC_TLS_PORT: '0', BANTER_CALC_WORKERS: '1', BANTER_STORE: 'memory', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child: Child = {
    proc, logs: [], stdout: '', stderr: '', port: 0,
    exited: new Promise((resolve) => proc.once('exit', (code) => resolve(code))),
    async waitLog(pred, what, timeoutMs = 30_000) {
      let found: Record<string, unknown> | undefined;
      await until(() => (found = child.logs.find(pred)) !== undefined, `${what}; stdout: ${child.stdout.slice(-500)} stderr: ${child.stderr.slice(-500)}`, timeoutMs);
      return found!;
    },
    kill() { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); },
  };
  let partial = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    child.stdout += d;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      try { child.logs.push(JSON.parse(l) as Record<string, unknown>); } catch { /* not JSON */ }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => { child.stderr += d; });
  try {
    const exitedEarly = child.exited.then((code) => { throw new Error(`server exited with ${code}: ${child.stderr}`); });
    exitedEarly.catch(() => undefined); // only the race below cares
    const listening = await Promise.race([child.waitLog((l) => l.msg === 'listening', 'listening'), exitedEarly]);
    child.port = Number(new URL(String(listening.url)).port);
  } catch (err) {
    child.kill();
    throw err;
  }
  return child;
}

/** Runs `banter <args>` to completion (killed after `timeoutMs`, so a test never hangs). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    proc.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    proc.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** True when `cmd args` runs; tests that need it skip locally when it is missing and fail under CI. */
export function hasTool(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
