/**
 * A real `banter serve` in a child process, for restart and crash tests: started on a data
 * directory through bin/banter.js (so it runs the build in dist/ when that is a build of the
 * current sources, as `npm test` makes it, else the TypeScript sources), its port read from
 * the "listening" log line, stopped with a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildServer {
  proc: ChildProcess;
  port: number;
  /** The IRC port (when IRC is enabled). */
  ircPort: number | undefined;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  exited: Promise<number | string>;
  stderr(): string;
  /** The last log lines (JSON) the server wrote, for failure messages. */
  logTail(): string[];
  /** What the "listening" line says the process runs: 'built' (dist/) or 'sources'. */
  code: string | undefined;
}

/** `root`: the checkout whose bin/banter.js runs (default: this one). */
export async function startChildServer(dataDir: string, port = 0, env: Record<string, string> = {}, root = ROOT): Promise<ChildServer> {
  // IRC on a free port too, so that concurrent test files never fight over 6667.
  const childEnv: Record<string, string | undefined> = { ...process.env, BANTER_IRC_PORT: '0', BANTER_IRC_TLS_PORT: '0', ...env };
  delete childEnv.NODE_TEST_CONTEXT; // otherwise the child would talk the test runner's protocol
  const proc = spawn(process.execPath, ['bin/banter.js', 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--log-format', 'json'], {
    cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const ircEnabled = childEnv.BANTER_IRC_ENABLED !== 'false';
  let ircPort: number | undefined;
  let code: string | undefined;
  const tail: string[] = [];
  const listening = new Promise<number>((resolve, reject) => {
    let httpPort: number | undefined;
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        tail.push(line);
        if (tail.length > 200) tail.shift();
        try {
          const rec = JSON.parse(line) as { msg?: string; url?: string; irc?: string; code?: string };
          if (rec.msg === 'listening' && rec.url) {
            httpPort = Number(new URL(rec.url).port);
            code = rec.code;
          }
          if (rec.msg === 'listening for IRC' && rec.irc) ircPort = Number(new URL(rec.irc).port);
          if (httpPort !== undefined && (!ircEnabled || ircPort !== undefined)) resolve(httpPort);
        } catch { /* not JSON */ }
      }
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
    setTimeout(() => reject(new Error(`server did not start within 60 s: ${err}`)), 60_000).unref();
  });
  try {
    const port = await listening;
    return { proc, port, ircPort, exited, stderr: () => err, logTail: () => [...tail], code };
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
}
