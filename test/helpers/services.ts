/**
 * Real Redis and PostgreSQL for the cluster tests, from Debian's packages (`redis-server`,
 * `postgresql`; .ci/run installs them).
 *
 * - PostgreSQL: `BANTER_TEST_POSTGRES_URL` names a server the tests may create databases on
 *   (.ci/run starts one with `node test/helpers/services.ts start-postgres DIR`). Without it,
 *   the first test that needs one starts a throwaway server in a temp directory for this test
 *   process and stops it at exit. Each `postgresDatabase()` is a fresh, empty database.
 * - Redis: every `redisServer()` is a throwaway redis-server on a free loopback port that
 *   the test can stop and restart (binary: `BANTER_TEST_REDIS_SERVER`, else `redis-server`).
 *
 * When a service cannot be had, `serviceSkip()` returns a reason to pass to node:test's
 * `skip`, and tests say so; with `CI` set it throws instead, so CI cannot pass by skipping.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_BIN_ROOT = '/usr/lib/postgresql';

function pgBin(tool: string): string | undefined {
  if (!existsSync(PG_BIN_ROOT)) return undefined;
  const versions = readdirSync(PG_BIN_ROOT).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const p = join(PG_BIN_ROOT, v, 'bin', tool);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function redisBin(): string | undefined {
  const explicit = process.env.BANTER_TEST_REDIS_SERVER;
  if (explicit) return explicit;
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** A free TCP port on 127.0.0.1 (for servers that cannot be told to pick one themselves). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function skipOrFail(missing: string[]): string | undefined {
  if (missing.length === 0) return undefined;
  const reason = `needs ${missing.join(' and ')}`;
  if (process.env.CI) throw new Error(`cannot run in CI: ${reason} (.ci/run installs them)`);
  return `skipped: ${reason}`;
}

const NO_REDIS = 'redis-server (apt-get install redis-server)';
const NO_PG = 'PostgreSQL (apt-get install postgresql, or set BANTER_TEST_POSTGRES_URL)';

/** Why tests needing Redis cannot run here, or undefined when they can; throws in CI (`CI` set). */
export function redisSkip(): string | undefined {
  return skipOrFail(redisBin() ? [] : [NO_REDIS]);
}

/** Why tests needing PostgreSQL cannot run here, or undefined when they can; throws in CI. */
export function postgresSkip(): string | undefined {
  return skipOrFail(process.env.BANTER_TEST_POSTGRES_URL || pgBin('initdb') ? [] : [NO_PG]);
}

/** The path of a Debian-packaged binary on PATH (or the sbin directories), if installed. */
export function binary(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Why tests needing these Debian programs (binary -> package) cannot run here; throws in CI. */
export function toolSkip(tools: Record<string, string>): string | undefined {
  return skipOrFail(Object.entries(tools).filter(([bin]) => !binary(bin)).map(([bin, pkg]) => `${bin} (apt-get install ${pkg})`));
}

/** Why the load-balancer example test cannot run here (needs HAProxy besides Redis and PostgreSQL). */
export function haproxySkip(): string | undefined {
  return serviceSkip() ?? skipOrFail(binary('haproxy') ? [] : ['haproxy (apt-get install haproxy)']);
}

/** Both Redis and PostgreSQL (the cluster tests). */
export function serviceSkip(): string | undefined {
  return skipOrFail([...(redisBin() ? [] : [NO_REDIS]), ...(process.env.BANTER_TEST_POSTGRES_URL || pgBin('initdb') ? [] : [NO_PG])]);
}

// ------------------------------------------------------------------ PostgreSQL

export interface PgServer {
  /** Superuser URL of the server's `postgres` database. */
  url: string;
  /** Stops the server at once (`-m immediate`: like a crash; committed data survives). */
  stop(): void;
  /** Starts it again on the same port. */
  start(): void;
}

/** initdb + pg_ctl start in `dir` on a free loopback port; trust authentication, fsync off (tests). */
export async function startPostgres(dir: string): Promise<PgServer> {
  const initdb = pgBin('initdb');
  const pgCtl = pgBin('pg_ctl');
  if (!initdb || !pgCtl) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]): void => {
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
    else execFileSync(cmd, args, { stdio: 'pipe' });
  };
  if (asRoot) { chmodSync(dir, 0o777); execFileSync('chown', ['postgres', dir]); }
  const data = join(dir, 'data');
  run(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
  const port = await freePort();
  const start = (): void => run(pgCtl, ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`, 'start']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => { try { run(pgCtl, ['-D', data, '-m', 'immediate', 'stop']); } catch { /* already stopped */ } },
    start,
  };
}

let localPg: Promise<PgServer> | undefined;

async function pgAdminUrl(): Promise<string> {
  const env = process.env.BANTER_TEST_POSTGRES_URL;
  if (env) return env;
  localPg ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'banter-pg-'));
    const server = await startPostgres(dir);
    process.once('exit', () => { server.stop(); rmSync(dir, { recursive: true, force: true }); });
    return server;
  })();
  return (await localPg).url;
}

export interface PgDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test PostgreSQL server. */
export async function postgresDatabase(): Promise<PgDatabase> {
  const admin = await pgAdminUrl();
  const { default: pg } = await import('pg');
  const name = `banter_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try { await c.query(`CREATE DATABASE ${name}`); } finally { await c.end(); }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      try { await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } finally { await d.end(); }
    },
  };
}

// ------------------------------------------------------------------ Redis

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** SIGKILLs the server (no save) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A throwaway redis-server on a free loopback port, without persistence. */
export async function redisServer(): Promise<RedisServer> {
  const bin = redisBin();
  if (!bin) throw new Error('redis-server not found');
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const p = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const onData = (d: Buffer): void => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) { p.stdout?.off('data', onData); p.stdout?.resume(); resolve(); }
      };
      p.stdout?.on('data', onData);
      p.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`)));
    });
  };
  const kill = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  };
  await start();
  process.once('exit', () => proc?.kill('SIGKILL'));
  return { url: `redis://127.0.0.1:${port}`, port, kill, start, stop: kill };
}

// `node test/helpers/services.ts start-postgres DIR`: for .ci/run; prints the URL to export.
if (import.meta.main) {
  const [cmd, dir] = process.argv.slice(2);
  if (cmd !== 'start-postgres' || !dir) {
    process.stderr.write('usage: node test/helpers/services.ts start-postgres DIR\n');
    process.exit(2);
  }
  const server = await startPostgres(dir);
  process.stdout.write(`${server.url}\n`);
}

/** Why tests needing the ffmpeg binary (video poster frames) cannot run here; throws in CI. */
export function ffmpegSkip(): string | undefined {
  return skipOrFail(binary('ffmpeg') ? [] : ['ffmpeg (apt-get install ffmpeg)']);
}
