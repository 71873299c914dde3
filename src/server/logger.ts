/**
 * Structured logging with pino: JSON lines by default, a readable coloured format when stdout
 * is a TTY (or logFormat=pretty). The core sees only the Logger port.
 */
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../core/ports.ts';
import type { Config } from './config.ts';

/** `dest`: where JSON lines go instead of stdout (tests capture the log this way). */
export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, dest?: DestinationStream): Pino & Logger {
  const usePretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  const opts = { level: config.logLevel, base: undefined, redact: { paths: ['password', 'token', '*.password', '*.token'], censor: '[redacted]' } };
  if (dest) return pino(opts, dest);
  if (!usePretty) return pino(opts);
  return pino(opts, pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }));
}

/** A logger that drops everything (tests). */
export function silentLogger(): Logger {
  const noop = (): void => undefined;
  return { debug: noop, info: noop, warn: noop, error: noop };
}
