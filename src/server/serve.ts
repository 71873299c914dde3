/** `banter serve`: load config, start the app, handle signals. */
import { startApp } from './app.ts';
import { ConfigError, loadConfig, type ConfigKey } from './config.ts';
import { createLogger } from './logger.ts';

/** Exit codes of `banter serve` (documented in README). */
export const EXIT = { OK: 0, CONFIG: 2, LISTEN: 3, CRASH: 70 } as const;

/** How long a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

export async function serve(flags: Partial<Record<ConfigKey, string>>): Promise<number> {
  let config;
  try {
    config = loadConfig({ flags, env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`banter: ${err.message}\n`);
      return EXIT.CONFIG;
    }
    throw err;
  }
  const log = createLogger(config);
  let app;
  try {
    app = await startApp(config, { log });
  } catch (err) {
    log.error({ err }, 'could not start');
    return EXIT.LISTEN;
  }
  const started = app;
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'signal received');
      const timer = setTimeout(() => {
        log.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out');
        resolve(EXIT.CRASH);
      }, SHUTDOWN_TIMEOUT_MS);
      timer.unref();
      started.close('server shutting down').then(() => {
        clearTimeout(timer);
        resolve(EXIT.OK);
      }, (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        resolve(EXIT.CRASH);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
