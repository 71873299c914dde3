/**
 * Structured logging with pino: JSON lines by default, a readable coloured format when stdout
 * is a TTY (or logFormat=pretty). The core sees only the Logger port.
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { Logger } from '../core/ports.ts';
import type { Config } from './config.ts';

/**
 * stdout as a log destination that never blocks the loop and never grows past `maxBytes`
 * (`logBufferBytes`). Lines are written asynchronously (pino's SonicBoom with `sync: false`,
 * as pino's default: lines that arrive while a write is in flight go out together in the next
 * one), so a slow or stalled log reader (a full pipe) does not block the event loop; pino's
 * default buffered them without bound. Past the bound new lines are dropped and counted
 * until the buffer has drained; then a warning with the count is written (at once, not when
 * the next line is logged), and lines are taken again. Pending lines are flushed
 * when the process exits.
 */
export function stdoutDestination(maxBytes: number, fd = 1): DestinationStream {
  const out = pino.destination({ dest: fd, sync: false, maxLength: maxBytes });
  let dropped = 0;
  out.on('drop', () => { dropped++; });
  // After a drop, every line is dropped until the buffer has drained; then the warning with
  // the count goes first, so the reader sees one clean gap: kept lines, the warning, new lines.
  out.on('drain', () => {
    if (dropped === 0) return;
    const n = dropped;
    dropped = 0;
    out.write(`{"level":40,"time":${Date.now()},"msg":"log lines dropped: the log reader was too slow","dropped":${n}}\n`);
  });
  return {
    write(line: string): void {
      if (dropped > 0) dropped++;
      else out.write(line);
    },
  };
}

/** `dest`: where JSON lines go instead of stdout (tests capture the log this way). */
export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'> & Partial<Pick<Config, 'logBufferBytes'>>, dest?: DestinationStream): Pino & Logger {
  const usePretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  const opts = { level: config.logLevel, base: undefined, redact: { paths: ['password', 'token', '*.password', '*.token'], censor: '[redacted]' } };
  if (dest) return pino(opts, dest);
  if (!usePretty) return pino(opts, stdoutDestination(config.logBufferBytes ?? 16 * 1024 * 1024));
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
