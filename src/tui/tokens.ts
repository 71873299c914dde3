/**
 * Session tokens of registered names, kept between runs so that the next start signs in
 * without a password: one JSON file, `$XDG_CONFIG_HOME/banter/tokens.json` (default
 * `~/.config/banter/tokens.json`), mode 0600 in a 0700 directory, keyed by server URL and
 * folded name. Written to a temporary file and renamed, so a crash never leaves half a file.
 * The temporary file has a random name and is created exclusively without following a
 * symlink (O_CREAT|O_EXCL|O_NOFOLLOW), so nobody can plant a link that redirects the write;
 * a directory with a looser mode is tightened to 0700. A token is a credential: it is never
 * printed.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { foldName } from '../protocol/index.ts';

/** A bigger file is not ours (or is damaged): it is ignored, and replaced on the next save. */
const MAX_FILE_BYTES = 1 << 20;
/** Most entries kept; the oldest are dropped first. */
export const MAX_TOKENS = 100;

export function tokenFilePath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'banter', 'tokens.json');
}

interface Entry { token: string; savedAt: number }

export class TokenStore {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  private key(server: string, name: string): string {
    return `${server} ${foldName(name)}`;
  }

  private read(): Record<string, Entry> {
    try {
      if (statSync(this.path).size > MAX_FILE_BYTES) return {};
      const data: unknown = JSON.parse(readFileSync(this.path, 'utf8'));
      if (typeof data !== 'object' || data === null || Array.isArray(data)) return {};
      const out: Record<string, Entry> = {};
      for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
        const e = v as Partial<Entry> | null;
        if (e && typeof e.token === 'string' && typeof e.savedAt === 'number') out[k] = { token: e.token, savedAt: e.savedAt };
      }
      return out;
    } catch {
      return {};
    }
  }

  private write(all: Record<string, Entry>): void {
    const entries = Object.entries(all).sort((a, b) => b[1].savedAt - a[1].savedAt).slice(0, MAX_TOKENS);
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // mkdir leaves an existing directory's mode alone (and the umask may have loosened a new one).
    if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
    const tmp = `${this.path}.${randomBytes(8).toString('hex')}.tmp`;
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      try {
        fchmodSync(fd, 0o600);
        writeSync(fd, `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
    } catch (err) {
      try { unlinkSync(tmp); } catch { /* already renamed or gone */ }
      throw err;
    }
  }

  get(server: string, name: string): string | undefined {
    return this.read()[this.key(server, name)]?.token;
  }

  /** Saves the token; returns an error message instead of throwing (the chat goes on without it). */
  save(server: string, name: string, token: string): string | undefined {
    try {
      const all = this.read();
      all[this.key(server, name)] = { token, savedAt: Date.now() };
      this.write(all);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  /** Forgets the token; true when there was one. */
  remove(server: string, name: string): boolean {
    const k = this.key(server, name);
    const all = this.read();
    if (!(k in all)) return false;
    try {
      this.write(Object.fromEntries(Object.entries(all).filter(([key]) => key !== k)));
    } catch {
      return false;
    }
    return true;
  }
}
