/**
 * Runs the real terminal client (`node src/cli.ts chat …`) as a child process in pipe mode
 * and records its output lines, so tests assert what a script reading its stdout would see.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/**
 * Every client process still running. A client whose server went away keeps reconnecting
 * forever and would keep the test process alive, so tests call killAll() in after().
 */
const running = new Set<ChatProcess>();

export function killAll(): void {
  for (const p of running) p.kill();
}

/** Every line the client printed, with a way to wait for one. */
export class ChatProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  stderr = '';
  exit: { code: number | null; signal: string | null } | undefined;
  private waiters: (() => void)[] = [];

  /** The --name given, if any. */
  readonly name: string | undefined;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    const i = args.indexOf('--name');
    this.name = i >= 0 ? args[i + 1] : undefined;
    // process.execPath is the Node running the tests (Node 24, from node_modules/.bin).
    this.child = spawn(process.execPath, [CLI, 'chat', ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (l) => { this.lines.push(l); this.wake(); });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => { this.stderr += d; });
    this.child.on('exit', (code, signal) => { this.exit = { code, signal }; running.delete(this); this.wake(); });
    running.add(this);
  }

  /** Starts a client and waits until it has logged in. */
  static async start(server: string, name: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ChatProcess> {
    const p = new ChatProcess(['--server', server, '--name', name, ...extra], env);
    // Generous: starting Node and loading the sources takes seconds on a loaded 2-CPU machine.
    await p.waitLine(/ status connected as /, 30_000).catch((err: unknown) => {
      p.kill();
      throw err;
    });
    return p;
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** The first line (at or after index `from`) matching `re`, waiting up to timeoutMs. */
  async waitLine(re: RegExp, timeoutMs = 20_000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find((l) => re.test(l));
      if (found !== undefined) return found;
      if (this.exit) throw new Error(`client exited (${JSON.stringify(this.exit)}) before printing ${re}; output:\n${this.lines.join('\n')}\nstderr: ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re}; output:\n${this.lines.join('\n')}\nstderr: ${this.stderr}`);
      await this.nap(left);
    }
  }

  matching(re: RegExp): string[] {
    return this.lines.filter((l) => re.test(l));
  }

  /**
   * Proves that earlier output has arrived: a direct message to myself makes a round trip
   * through the server, which sends one connection's frames in order.
   */
  async sync(): Promise<void> {
    const marker = `sync-${Math.random().toString(36).slice(2)}`;
    this.send(`/msg ${this.name!} ${marker}`);
    await this.waitLine(new RegExp(` <${this.name!}> ${marker}$`));
  }

  /** Waits for the process to exit (closing stdin first when `eof`). */
  async waitExit(timeoutMs = 30_000, eof = true): Promise<number | null> {
    if (eof) this.child.stdin.end();
    const deadline = Date.now() + timeoutMs;
    while (!this.exit) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`client did not exit; output:\n${this.lines.join('\n')}\nstderr: ${this.stderr}`);
      await this.nap(left);
    }
    return this.exit.code;
  }

  kill(): void {
    if (!this.exit) this.child.kill('SIGKILL');
  }

  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
