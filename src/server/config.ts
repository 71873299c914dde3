/**
 * Configuration: every key with its type, default, environment variable and documentation, in
 * one table. Parsed once at startup (flags > environment > defaults), validated with zod,
 * frozen, and handed to the rest of the server as a typed object. docs/config.md lists the
 * same keys (test/config-doc.test.ts keeps it in sync).
 */
import * as z from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const MiB = 1024 * 1024;

interface KeyDef<S extends z.ZodType> {
  schema: S;
  default: z.infer<S>;
  doc: string;
  /** Command-line flag (without --), for keys that have one. */
  flag?: string;
  secret?: boolean;
}

function key<S extends z.ZodType>(def: KeyDef<S>): KeyDef<S> {
  return def;
}

export const CONFIG_KEYS = {
  host: key({ schema: z.string().min(1), default: '0.0.0.0', flag: 'host', doc: 'Address the HTTP/WebSocket listener binds to.' }),
  port: key({ schema: int(0, 65535), default: 8080, flag: 'port', doc: 'HTTP/WebSocket port (0 picks a free port).' }),
  dataDir: key({ schema: z.string().min(1), default: './data', flag: 'data-dir', doc: 'Directory for persistent data.' }),
  logLevel: key({ schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']), default: 'info', flag: 'log-level', doc: 'Minimum log level.' }),
  logFormat: key({ schema: z.enum(['auto', 'json', 'pretty']), default: 'auto', flag: 'log-format', doc: '`json` lines, `pretty` human-readable, or `auto` (pretty when stdout is a TTY).' }),
  'ws.path': key({ schema: z.string().startsWith('/'), default: '/ws', doc: 'WebSocket endpoint path.' }),
  'ws.maxPayload': key({ schema: int(1024, 16 * MiB), default: 64 * 1024, doc: 'Largest inbound WebSocket message in bytes; larger ones close the connection with 1009.' }),
  'ws.sendQueueBytes': key({ schema: int(16 * 1024, 256 * MiB), default: MiB, doc: 'Outbound bytes queued for one WebSocket client before it is disconnected with 4001 "SendQ exceeded".' }),
  'ws.pingIntervalMs': key({ schema: int(100, 3_600_000), default: 30_000, doc: 'Ping period; a client that has not answered the previous ping is closed with 4003.' }),
  'ws.loginTimeoutMs': key({ schema: int(100, 3_600_000), default: 30_000, doc: 'Time a connection may stay without a name before it is closed with 4004.' }),
  'calc.workers': key({ schema: int(1, 64), default: 2, doc: 'Calculator worker threads.' }),
  'calc.timeoutMs': key({ schema: int(10, 60_000), default: 1000, doc: 'Wall-clock limit per calculation; the worker is killed and replaced when it is exceeded.' }),
  'calc.maxHeapMb': key({ schema: int(64, 4096), default: 64, doc: 'V8 heap limit per calculator worker in MiB (mathjs itself needs about 40).' }),
  'calc.maxQueue': key({ schema: int(1, 100_000), default: 64, doc: 'Calculations waiting for a worker before new ones are refused with CALC_BUSY.' }),
  'rooms.maxPerUser': key({ schema: int(1, 10_000), default: 50, doc: 'Rooms one user can be in, #lobby included.' }),
  'rooms.max': key({ schema: int(1, 1_000_000), default: 10_000, doc: 'Rooms that can exist at once.' }),
  'history.memoryMaxPerConversation': key({ schema: int(1, 10_000_000), default: 10_000, doc: 'Messages the in-memory store keeps per conversation.' }),
  store: key({ schema: z.enum(['sqlite', 'memory']), default: 'sqlite', flag: 'store', doc: '`sqlite`: messages and accounts in `<dataDir>/banter.db`; `memory`: nothing survives a restart (tests, demos).' }),
  'store.synchronous': key({ schema: z.enum(['full', 'normal']), default: 'full', doc: 'SQLite durability: `full` fsyncs every commit (an acknowledged message survives power loss); `normal` survives a crash of the process but not of the machine. See docs/storage.md.' }),
  'history.onJoin': key({ schema: int(0, 1000), default: 50, doc: 'Recent messages in the reply to `join` (and `history` without a position).' }),
  'history.pageMax': key({ schema: int(1, 1000), default: 200, doc: 'Most messages one `history` request returns.' }),
  'history.resumeMax': key({ schema: int(1, 10_000), default: 500, doc: 'Most missed messages sent per conversation on resume; more are reported as a gap to page through.' }),
  'auth.scryptLog2N': key({ schema: int(10, 20), default: 17, doc: 'scrypt cost for new password hashes, as log2(N) (r = 8, p = 1). 17 is OWASP\'s minimum (128 MiB per hash); lower only for tests.' }),
  'history.idempotencyWindowMs': key({ schema: int(0, 7 * 86_400_000), default: 600_000, doc: 'How long a (sender, request id) pair is remembered so a resend is not stored twice.' }),
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export type Config = { readonly [K in ConfigKey]: z.infer<(typeof CONFIG_KEYS)[K]['schema']> };

/** BANTER_ + the key in upper snake case: ws.maxPayload -> BANTER_WS_MAX_PAYLOAD. */
export function envName(k: string): string {
  return 'BANTER_' + k.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  /** Values from command-line flags, by key. */
  flags?: Partial<Record<ConfigKey, string>>;
  env?: Record<string, string | undefined>;
  /** Programmatic overrides (tests), already typed. */
  overrides?: Partial<{ [K in ConfigKey]: unknown }>;
}

export function loadConfig(src: ConfigSources = {}): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [k, def] of Object.entries(CONFIG_KEYS) as [ConfigKey, KeyDef<z.ZodType>][]) {
    let raw: unknown = def.default;
    let from = 'default';
    const env = src.env?.[envName(k)];
    if (env !== undefined && env !== '') { raw = env; from = envName(k); }
    const flag = src.flags?.[k];
    if (flag !== undefined) { raw = flag; from = `--${def.flag ?? k}`; }
    if (src.overrides && k in src.overrides) { raw = src.overrides[k]; from = 'override'; }
    const parsed = def.schema.safeParse(raw);
    if (parsed.success) out[k] = parsed.data;
    else problems.push(`${k} (from ${from}): ${parsed.error.issues.map((i) => i.message).join('; ')} — got ${JSON.stringify(raw)}`);
  }
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(out) as Config;
}
