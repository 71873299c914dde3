/**
 * The config file: TOML (chosen because it has comments, real integers and tables that map
 * directly onto our dotted keys: `[ws]` + `maxPayload = 65536` is `ws.maxPayload`).
 * Read with smol-toml; unknown keys are errors (with a "did you mean" hint), never ignored,
 * because a misspelt key silently falling back to its default is the classic ops trap.
 *
 * Also: the effective-config printer behind `banter config print` (secrets masked).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CONFIG_KEYS, ConfigError, envName, loadConfig, type Config, type ConfigKey } from './config.ts';

/**
 * smol-toml, loaded when a config file is read or printed: a server started without one never
 * loads it (≈ 0.4 MB of idle RSS; docs/benchmarks.md, "Idle RSS"). Its CommonJS build, so the
 * callers stay synchronous.
 */
function toml(): typeof import('smol-toml') {
  return createRequire(import.meta.url)('smol-toml') as typeof import('smol-toml');
}

/** Largest config file read, in bytes: a config file is a few hundred bytes. */
export const CONFIG_FILE_MAX_BYTES = 1024 * 1024;

export interface FileValues {
  path: string;
  values: Partial<Record<ConfigKey, unknown>>;
}

/** Reads and flattens a TOML config file; throws ConfigError with every problem found. */
export function readConfigFile(path: string): FileValues {
  let text: string;
  try {
    const buf = readFileSync(path);
    if (buf.length > CONFIG_FILE_MAX_BYTES) throw new ConfigError([`config file ${path} is larger than ${CONFIG_FILE_MAX_BYTES} bytes`]);
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  let doc: Record<string, unknown>;
  const { parse, TomlError } = toml();
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    const where = err instanceof TomlError ? ` (line ${err.line}, column ${err.column})` : '';
    const first = (err as Error).message.split('\n')[0];
    throw new ConfigError([`config file ${path} is not valid TOML${where}: ${first}`]);
  }
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  flatten(doc, '', values);
  for (const k of Object.keys(values)) {
    if (Object.hasOwn(CONFIG_KEYS, k)) continue;
    const hint = suggest(k);
    problems.push(`unknown key "${k}" in ${path}${hint ? ` (did you mean "${hint}"?)` : ''}`);
  }
  if (problems.length) throw new ConfigError(problems);
  return { path, values: values as Partial<Record<ConfigKey, unknown>> };
}

export interface EffectiveSources {
  flags?: Partial<Record<ConfigKey, string>>;
  env: Record<string, string | undefined>;
  /** `--config FILE`; falls back to the BANTER_CONFIG environment variable. */
  configFile?: string;
}

/** The configuration `banter serve` uses: flags > environment > config file > defaults. */
export function loadEffectiveConfig(src: EffectiveSources): Config {
  const path = src.configFile ?? (src.env.BANTER_CONFIG || undefined);
  const file = path === undefined ? undefined : readConfigFile(path);
  return loadConfig({ flags: src.flags, env: src.env, file });
}

/** BANTER_* variables that are not settings (used by the CLI itself). */
/** Read outside the config: BANTER_SOURCES and BANTER_NODE_FLAGS by bin/banter.js. */
const OTHER_ENV = new Set(['BANTER_CONFIG', 'BANTER_ADMIN_URL', 'BANTER_SOURCES', 'BANTER_NODE_FLAGS']);

/**
 * BANTER_* environment variables that match no key — most likely typos, which would
 * otherwise silently leave the default in place. `serve` logs them as warnings.
 */
export function unknownEnv(env: Record<string, string | undefined>): string[] {
  const known = new Set(Object.keys(CONFIG_KEYS).map(envName));
  return Object.keys(env).filter((k) => k.startsWith('BANTER_') && !known.has(k) && !OTHER_ENV.has(k)).sort();
}

export const MASK = '********';

/** The effective config as TOML (or JSON), secrets masked, for `banter config print`. */
export function printConfig(config: Config, format: 'toml' | 'json'): string {
  const nested: Record<string, unknown> = {};
  for (const [k, def] of Object.entries(CONFIG_KEYS) as [ConfigKey, { secret?: boolean }][]) {
    const v = config[k];
    const shown = def.secret && v !== '' ? MASK : v;
    const parts = k.split('.');
    let obj = nested;
    for (const p of parts.slice(0, -1)) obj = (obj[p] ??= {}) as Record<string, unknown>;
    obj[parts.at(-1)!] = shown;
  }
  if (format === 'json') return `${JSON.stringify(nested, null, 2)}\n`;
  return `# effective configuration (flags > environment > config file > defaults); secrets masked\n${toml().stringify(nested)}\n`;
}

function flatten(obj: Record<string, unknown>, prefix: string, out: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(obj)) {
    const full = prefix + k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) flatten(v as Record<string, unknown>, `${full}.`, out);
    else out[full] = v;
  }
}

/** The known key closest to `k` (case-insensitive edit distance ≤ 3), if any. */
function suggest(k: string): string | undefined {
  let best: string | undefined;
  let bestD = 4;
  for (const cand of Object.keys(CONFIG_KEYS)) {
    const d = distance(k.toLowerCase(), cand.toLowerCase());
    if (d < bestD) { best = cand; bestD = d; }
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
