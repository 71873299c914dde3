/**
 * Structured logging with pino: JSON lines by default, a readable coloured format when stdout
 * is a TTY (or logFormat=pretty). The core sees only the Logger port.
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { Logger } from '../core/ports.ts';
import type { Config } from './config.ts';

/** `dest`: where JSON lines go instead of stdout (tests capture the log this way). */
export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, dest?: DestinationStream): Pino & Logger {
  const usePretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  const opts = { level: config.logLevel, base: undefined, redact: { paths: ['password', 'token', '*.password', '*.token'], censor: '[redacted]' } };
  if (dest) return pino(opts, dest);
  if (!usePretty) return pino(opts);
  // Loaded only for a terminal: JSON logging (services, containers) does not pay for it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pino(opts, pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', hideObject: true, messageFormat: consoleLine }));
}

interface ClientEntry { id: string; name: string | null }

/**
 * One readable line per log entry on a terminal, like the original server window:
 * "connected c3 127.0.0.1:53142 ws", "clients (2): c1 alice, c2 bob".
 */
export function consoleLine(log: Record<string, unknown>): string {
  const { level: _level, time: _time, msg, ...rest } = log;
  if (msg === 'clients' && Array.isArray(rest.clients)) {
    const list = (rest.clients as ClientEntry[]).map((c) => `${c.id} ${c.name ?? '(no name yet)'}`).join(', ');
    const more = typeof rest.more === 'number' && rest.more > 0 ? `, … and ${rest.more} more` : '';
    return `clients (${String(rest.count)}): ${list || 'none'}${more}`;
  }
  const fields = Object.entries(rest).filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return fields ? `${String(msg ?? '')}  ${fields}` : String(msg ?? '');
}

/** A logger that drops everything (tests). */
export function silentLogger(): Logger {
  const noop = (): void => undefined;
  return { debug: noop, info: noop, warn: noop, error: noop };
}
