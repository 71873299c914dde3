/**
 * The command line of a bounded helper process (ffmpeg for video posters, the sharp child for
 * images): started through coreutils `nice` (the child starts at its priority: setting it
 * after the fork raced the child) and util-linux `prlimit` (resource limits), each of which
 * execs the next in the same process, so the helper itself runs niced and limited with the
 * pid `spawn` returned. Without `nice`, the caller lowers the priority right after the fork
 * (`niceAfterSpawn`); without `prlimit`, there are no resource limits (`PRLIMIT` says so).
 */
import { existsSync } from 'node:fs';
import { setPriority } from 'node:os';

export const PRLIMIT = ['/usr/bin/prlimit', '/bin/prlimit'].find((p) => existsSync(p));
export const NICE = ['/usr/bin/nice', '/bin/nice'].find((p) => existsSync(p));

/** `[command, ...args]` to spawn: `nice -n N prlimit LIMITS -- program args`. */
export function boundedCommand(program: string, args: readonly string[], opts: { nice: number; limits: readonly string[] }): [string, ...string[]] {
  const limited = PRLIMIT && opts.limits.length > 0 ? [PRLIMIT, ...opts.limits, '--', program, ...args] : [program, ...args];
  return (opts.nice > 0 && NICE ? [NICE, '-n', String(opts.nice), ...limited] : limited) as [string, ...string[]];
}

/** Without coreutils' nice: lowers the child right after the fork (a race with its first instructions). */
export function niceAfterSpawn(pid: number | undefined, nice: number): void {
  if (nice <= 0 || NICE || pid === undefined) return;
  try {
    setPriority(pid, nice);
  } catch {
    // Already gone: its exit says how.
  }
}
