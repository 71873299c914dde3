/**
 * `banter serve`: load config, start the app, handle signals.
 *
 * SIGTERM / SIGINT: graceful shutdown (stop accepting, `bye` + close 1001 to every client,
 * flush storage), bounded by shutdown.timeoutMs; one that arrives while the server is still
 * starting is kept and acted on once it has started (before, it killed the process with
 * the signal's default action). SIGHUP: reload the TLS certificate.
 */
import { startApp } from './app.ts';
import { ConfigError, type ConfigKey } from './config.ts';
import { loadEffectiveConfig, unknownEnv } from './config-file.ts';
import { createLogger } from './logger.ts';
import { compactAfterStart, startIdleCompactor, type Compaction } from './heap-compactor.ts';

/** Exit codes of `banter serve` (documented in README). */
export const EXIT = { OK: 0, CONFIG: 2, LISTEN: 3, CRASH: 70 } as const;

export async function serve(flags: Partial<Record<ConfigKey, string>>, opts: { configFile?: string } = {}): Promise<number> {
  let config;
  try {
    config = loadEffectiveConfig({ flags, env: process.env, configFile: opts.configFile });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`banter: ${err.message}\n`);
      return EXIT.CONFIG;
    }
    throw err;
  }
  const log = createLogger(config);
  // Handlers first: a signal during start-up is remembered and stops the server once started.
  let early: string | undefined;
  let onSignal = (signal: string): void => { early ??= signal; };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  for (const name of unknownEnv(process.env)) log.warn({ name }, 'unknown BANTER_ environment variable ignored (typo?)');
  let app;
  try {
    app = await startApp(config, { log });
  } catch (err) {
    if (err instanceof ConfigError) {
      log.error({ problems: err.problems }, 'invalid configuration');
      return EXIT.CONFIG;
    }
    log.error({ err }, 'could not start');
    return EXIT.LISTEN;
  }
  const started = app;
  const onCompact = (c: Compaction): void => started.metrics.countHeapCompaction(c);
  compactAfterStart(log, onCompact);
  const stopCompactor = startIdleCompactor({ idleSec: config['memory.idleCompactSec'], growthMb: config['memory.idleCompactGrowthMb'], log, onCompact });
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  const shutdownTimeoutMs = config['shutdown.timeoutMs'];
  process.on('SIGHUP', () => {
    if (!started.tls) {
      log.info({ signal: 'SIGHUP' }, 'no TLS certificate configured: nothing to reload');
      return;
    }
    try {
      started.tls.reload();
      log.info({ signal: 'SIGHUP', cert: started.tls.files.cert }, 'TLS certificate reloaded');
    } catch (err) {
      log.error({ signal: 'SIGHUP', problems: err instanceof ConfigError ? err.problems : String(err) }, 'TLS certificate reload failed; keeping the old one');
    }
  });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal during shutdown: exiting now');
        resolve(EXIT.CRASH);
        return;
      }
      stopping = true;
      stopCompactor();
      log.info({ signal }, 'signal received');
      const timer = setTimeout(() => {
        log.error({ timeoutMs: shutdownTimeoutMs }, 'shutdown timed out');
        resolve(EXIT.CRASH);
      }, shutdownTimeoutMs);
      timer.unref();
      started.close('server shutting down').then(() => {
        clearTimeout(timer);
        resolve(EXIT.OK);
      }, (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        resolve(EXIT.CRASH);
      });
    };
    onSignal = stop;
    if (early !== undefined) stop(early);
  });
}
