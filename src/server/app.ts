/**
 * The composition root: the only module that imports every layer. Builds the adapters chosen
 * by config, the core and the listeners, and owns the shutdown order.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { soloBus } from '../bus/local.ts';
import { MemoryPresence } from '../bus/memory-presence.ts';
import { ChatCore } from '../core/chat.ts';
import type { AccountStore, Bus, Logger, MessageStore, PresenceStore } from '../core/ports.ts';
import { systemClock } from '../core/ports.ts';
import { CalcPool } from '../core/services/calc/pool.ts';
import { LOBBY } from '../protocol/index.ts';
import { MemoryAccounts } from '../storage/memory-accounts.ts';
import { createStorage } from './storage.ts';
import { WsListener } from '../transports/ws/server.ts';
import type { Config } from './config.ts';
import { handleHttp } from './http.ts';
import { VERSION } from './version.ts';

export interface AppOptions {
  log: Logger;
  /** Adapters to use instead of the defaults (tests run several nodes on one hub). */
  bus?: Bus;
  presence?: PresenceStore;
  store?: MessageStore;
  accounts?: AccountStore;
}

export interface App {
  readonly core: ChatCore;
  readonly http: Server;
  readonly ws: WsListener;
  readonly port: number;
  readonly url: string;
  close(reason?: string): Promise<void>;
}

export async function startApp(config: Config, opts: AppOptions): Promise<App> {
  const { log } = opts;
  const { store, accounts } = opts.store ? { store: opts.store, accounts: opts.accounts ?? new MemoryAccounts() } : createStorage(config, systemClock);
  const bus = opts.bus ?? soloBus();
  const presence = opts.presence ?? new MemoryPresence();
  const calc = new CalcPool({ workers: config['calc.workers'], timeoutMs: config['calc.timeoutMs'], maxHeapMb: config['calc.maxHeapMb'], maxQueue: config['calc.maxQueue'] }, log);
  const core = new ChatCore({
    store, bus, presence, calc, clock: systemClock, log, accounts,
    config: {
      permanentRooms: [LOBBY], maxRoomsPerUser: config['rooms.maxPerUser'], maxRooms: config['rooms.max'],
      history: { onJoin: config['history.onJoin'], pageMax: config['history.pageMax'], resumeMax: config['history.resumeMax'] },
      scrypt: { log2N: config['auth.scryptLog2N'], r: 8, p: 1 },
    },
  });

  const http = createServer((req, res) => handleHttp(req, res, {
    health: () => ({ status: 'ok', version: VERSION, connections: ws.size, users: core.dir.users.size }),
  }));
  const ws = new WsListener(http, core, {
    path: config['ws.path'], maxPayload: config['ws.maxPayload'], sendQueueBytes: config['ws.sendQueueBytes'],
    pingIntervalMs: config['ws.pingIntervalMs'], loginTimeoutMs: config['ws.loginTimeoutMs'],
  }, `banter/${VERSION}`);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${shownHost}:${port}`;
  log.info({ url, ws: `${url.replace('http', 'ws')}${config['ws.path']}`, version: VERSION }, 'listening');

  let closing: Promise<void> | undefined;
  const close = (reason = 'server shutting down'): Promise<void> => {
    closing ??= (async () => {
      log.info({ reason }, 'shutting down');
      http.close();
      await core.close(reason);
      ws.close(reason);
      http.closeAllConnections();
      await calc.close();
      await store.close();
      await accounts.close();
      await bus.close();
      await presence.close();
    })();
    return closing;
  };
  return { core, http, ws, port, url, close };
}
