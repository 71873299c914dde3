/**
 * The composition root: the only module that imports every layer. Builds the adapters chosen
 * by config, the core and the listeners, and owns the shutdown order.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { soloBus } from '../bus/local.ts';
import { MemoryPresence } from '../bus/memory-presence.ts';
import { ChatCore } from '../core/chat.ts';
import type { Bus, Logger, MessageStore, PresenceStore } from '../core/ports.ts';
import { systemClock } from '../core/ports.ts';
import { CalcPool } from '../core/services/calc/pool.ts';
import { LOBBY } from '../protocol/index.ts';
import { MemoryStore } from '../storage/memory.ts';
import { WsListener } from '../transports/ws/server.ts';
import { IrcServer } from '../transports/irc/server.ts';
import type { Config } from './config.ts';
import { handleHttp } from './http.ts';
import { VERSION } from './version.ts';

/** Most messages one IRC CHATHISTORY request returns (ISUPPORT CHATHISTORY). */
const IRC_HISTORY_LIMIT = 100;

export interface AppOptions {
  log: Logger;
  /** Adapters to use instead of the defaults (tests run several nodes on one hub). */
  bus?: Bus;
  presence?: PresenceStore;
  store?: MessageStore;
}

export interface App {
  readonly core: ChatCore;
  readonly http: Server;
  readonly ws: WsListener;
  readonly port: number;
  readonly url: string;
  /** The IRC listener and its port, when irc.enabled. */
  readonly irc: IrcServer | undefined;
  readonly ircPort: number | undefined;
  /** The IRC-over-TLS port, when a certificate is configured. */
  readonly ircTlsPort: number | undefined;
  close(reason?: string): Promise<void>;
}

export async function startApp(config: Config, opts: AppOptions): Promise<App> {
  const { log } = opts;
  const store = opts.store ?? new MemoryStore({ clock: systemClock, maxPerConversation: config['history.memoryMaxPerConversation'], idempotencyWindowMs: config['history.idempotencyWindowMs'] });
  const bus = opts.bus ?? soloBus();
  const presence = opts.presence ?? new MemoryPresence();
  const calc = new CalcPool({ workers: config['calc.workers'], timeoutMs: config['calc.timeoutMs'], maxHeapMb: config['calc.maxHeapMb'], maxQueue: config['calc.maxQueue'] }, log);
  const core = new ChatCore({
    store, bus, presence, calc, clock: systemClock, log,
    config: { permanentRooms: [LOBBY], maxRoomsPerUser: config['rooms.maxPerUser'], maxRooms: config['rooms.max'] },
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

  let irc: IrcServer | undefined;
  if (config['irc.enabled']) {
    irc = new IrcServer(core, {
      host: config['irc.host'] || config.host, port: config['irc.port'], serverName: config['irc.serverName'], network: config['irc.network'],
      motd: config['irc.motd'], autoJoinLobby: config['irc.autoJoinLobby'], sendQueueBytes: config['irc.sendQueueBytes'],
      readQueueBytes: config['irc.readQueueBytes'], pingIntervalMs: config['irc.pingIntervalMs'], registrationTimeoutMs: config['irc.registrationTimeoutMs'],
      floodBurst: config['irc.floodBurst'], floodRate: config['irc.floodRate'],
      historyLimit: IRC_HISTORY_LIMIT, maxRoomsPerUser: config['rooms.maxPerUser'], version: `banter-${VERSION}`,
      ...(config['irc.tlsCert'] && config['irc.tlsKey']
        ? { tls: { port: config['irc.tlsPort'], cert: readFileSync(config['irc.tlsCert']), key: readFileSync(config['irc.tlsKey']) } }
        : {}),
    });
    try {
      await irc.listen();
    } catch (err) {
      http.close();
      throw err;
    }
    log.info({ irc: `irc://${shownHost}:${irc.port}`, ...(irc.tlsPort ? { ircs: `ircs://${shownHost}:${irc.tlsPort}` } : {}) }, 'listening for IRC');
  }

  let closing: Promise<void> | undefined;
  const close = (reason = 'server shutting down'): Promise<void> => {
    closing ??= (async () => {
      log.info({ reason }, 'shutting down');
      http.close();
      await core.close(reason);
      ws.close(reason);
      irc?.close(reason);
      http.closeAllConnections();
      await calc.close();
      await store.close();
      await bus.close();
      await presence.close();
    })();
    return closing;
  };
  return { core, http, ws, port, url, irc, ircPort: irc?.port, ircTlsPort: irc?.tlsPort, close };
}
