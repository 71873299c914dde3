/**
 * Runs an ES module in a fresh Node process (the project's Node, outside the test runner) and
 * returns what it wrote to stdout: for checks that need a clean process, such as which modules
 * a start-up loads or whether a process exits with a call unanswered.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes `source` to `dir`/probe.mjs, runs it (at most 120 s) and resolves to its stdout; rejects with its stderr. */
export function runProbe(dir: string, source: string): Promise<string> {
  const file = join(dir, 'probe.mjs');
  writeFileSync(file, source);
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [file], { env, maxBuffer: 1 << 24, timeout: 120_000 }, (err, stdout, stderr) => err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout));
  });
}
