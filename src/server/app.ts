/**
 * The composition root: the only module that imports every layer. Builds the adapters chosen
 * by config, the core and the listeners, and owns the shutdown order.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { soloBus } from '../bus/local.ts';
import { MemoryPresence } from '../bus/memory-presence.ts';
import { ChatCore } from '../core/chat.ts';
import { ClusterSync } from '../core/cluster.ts';
import type { AccountStore, Bus, Logger, MessageStore, ModerationStore, PresenceStore } from '../core/ports.ts';
import { MemoryModeration } from '../core/moderation-memory.ts';
import { isPingable, systemClock } from '../core/ports.ts';
import { CalcPool } from '../core/services/calc/pool.ts';
import { foldName, LOBBY } from '../protocol/index.ts';
import { MemoryAccounts } from '../storage/memory-accounts.ts';
import { createStorage, type FileAdapters } from './storage.ts';
import { MemoryBlobs, MemoryFileRecords } from '../storage/files/memory.ts';
import { SharpImages } from '../storage/files/sharp-images.ts';
import { FfmpegVideos } from '../storage/files/ffmpeg-video.ts';
import { FileService } from '../core/files/service.ts';
import type { FileRef } from '../protocol/index.ts';
import { filesRoute } from './files-http.ts';
import { ConnLimits, countAccepted, type ConnLimitsConfig } from '../transports/conn-limits.ts';
import { HostPolicy } from '../transports/http-guard.ts';
import { WsListener } from '../transports/ws/server.ts';
import { FlushScheduler } from '../transports/outbound-queue.ts';
import { IrcServer } from '../transports/irc/server.ts';
import { ConfigError, type Config } from './config.ts';
import { createHttpServer, handleHttp, httpServerOptions, onClientError } from './http.ts';
import { staticFiles } from './static.ts';
import { CODE, VERSION } from './version.ts';
import { adminRoute } from './admin.ts';
import { PromMetrics } from './metrics.ts';
import { metricsRoute, readyRoute } from './ops-http.ts';
import { tlsFromConfig, type TlsCertificate } from './tls.ts';

/** Most messages one IRC CHATHISTORY request returns (ISUPPORT CHATHISTORY). */
const IRC_HISTORY_LIMIT = 100;

export interface AppOptions {
  log: Logger;
  /** Adapters to use instead of the defaults (tests run several nodes on one hub). */
  bus?: Bus;
  presence?: PresenceStore;
  store?: MessageStore;
  accounts?: AccountStore;
  /** Moderation store to use with `store` (default: in memory). */
  moderation?: ModerationStore;
  /** Directory of the built web client (default dist/web). */
  webRoot?: string;
  /** TLS material to use instead of loading tls.cert/tls.key (tests). */
  tls?: TlsCertificate;
  /** File adapters to use with `store` (default: in memory when `store` is given). */
  files?: FileAdapters;
}

export interface App {
  readonly core: ChatCore;
  readonly http: Server;
  readonly ws: WsListener;
  readonly port: number;
  readonly url: string;
  /** Prometheus metrics of this node (its own registry). */
  readonly metrics: PromMetrics;
  /** The certificate when the listener is HTTPS/WSS; `reload()` it on SIGHUP. */
  readonly tls: TlsCertificate | undefined;
  /** The IRC listener and its port, when irc.enabled. */
  readonly irc: IrcServer | undefined;
  readonly ircPort: number | undefined;
  /** The IRC-over-TLS port, when a certificate is configured. */
  readonly ircTlsPort: number | undefined;
  close(reason?: string): Promise<void>;
}

function connLimits(config: Config): ConnLimitsConfig {
  return { perIp: config['limits.perIp'], connectBurst: config['limits.connectBurst'], connectRatePerSec: config['limits.connectRatePerSec'], exemptLoopback: config['limits.exemptLoopback'] };
}

export async function startApp(config: Config, opts: AppOptions): Promise<App> {
  const { log } = opts;
  const metrics = new PromMetrics(VERSION, config['metrics.loopResolutionMs']);
  const tls = opts.tls ?? tlsFromConfig(config);
  const nodeId = config.nodeId || randomUUID();
  const { store, accounts, moderation, files: fileAdapters } = opts.store
    ? { store: opts.store, accounts: opts.accounts ?? new MemoryAccounts(), moderation: opts.moderation ?? new MemoryModeration(), files: opts.files ?? { records: new MemoryFileRecords(), blobs: new MemoryBlobs(), linkKey: randomBytes(32) } }
    : await createStorage(config, systemClock, log);
  const files = config['files.enabled'] ? createFileService(config, fileAdapters, log) : undefined;
  let redis: { bus: Bus; presence: PresenceStore } | undefined;
  if (!opts.bus && config.bus === 'redis') {
    // Loaded only when selected: a single node never loads `ioredis`.
    const { RedisCluster, RedisOpenError } = await import('../bus/redis.ts');
    try {
      redis = await RedisCluster.open({ url: config.redisUrl, nodeId, heartbeatMs: config['cluster.heartbeatMs'], leaseTtlMs: config['cluster.leaseTtlMs'], log });
    } catch (err) {
      await store.close();
      await accounts.close();
      await moderation.close();
      if (err instanceof RedisOpenError) throw new ConfigError([err.message]);
      throw err;
    }
  }
  const bus = opts.bus ?? redis?.bus ?? soloBus(nodeId);
  const presence = opts.presence ?? redis?.presence ?? new MemoryPresence();
  const calc = new CalcPool({ workers: config['calc.workers'], idleMs: config['calc.idleMs'], warmWorkers: config['calc.warmWorkers'], timeoutMs: config['calc.timeoutMs'], maxHeapMb: config['calc.maxHeapMb'], maxQueue: config['calc.maxQueue'] }, log);
  const core = new ChatCore({
    store: metrics.timeStore(store), bus, presence, calc: metrics.timeCalculator(calc), clock: systemClock, log, accounts, moderation, ...(files ? { files } : {}),
    config: {
      permanentRooms: [LOBBY], maxRoomsPerUser: config['rooms.maxPerUser'], maxRooms: config['rooms.max'],
      admins: config.admins.split(',').map((a) => foldName(a.trim())).filter((a) => a !== ''), maxListEntries: config['rooms.maxListEntries'],
      announce: { announceMax: config['rooms.announceMax'], summaryMs: config['rooms.summaryMs'], replyMembers: config['rooms.replyMembers'] },
      history: { onJoin: config['history.onJoin'], pageMax: config['history.pageMax'], resumeMax: config['history.resumeMax'] },
      messages: {
        editWindowSeconds: config['messages.editWindowSeconds'], editRetentionDays: config['messages.editRetentionDays'], editVersionsMax: config['messages.editVersionsMax'],
        reactionsPerMessage: config['messages.reactionsPerMessage'], threadMaxDepth: config['messages.threadMaxDepth'],
      },
      scrypt: { log2N: config['auth.scryptLog2N'], r: 8, p: 1 },
      // Several nodes (Redis, or an injected bus in tests): keep each conversation in seq order.
      ...(redis || opts.bus ? { reorderMs: config['cluster.reorderMs'] } : {}),
      auth: {
        maxConcurrentHashes: config['auth.maxConcurrentHashes'], maxQueuedHashes: config['auth.maxQueuedHashes'],
        hashesPerConnection: config['auth.hashesPerConnection'], hashesPerIp: config['auth.hashesPerIp'],
        freeFailures: config['auth.freeFailures'], ipFreeFailures: config['auth.ipFreeFailures'],
        baseLockMs: config['auth.lockBaseMs'], maxLockMs: config['auth.lockMaxMs'],
        accountSlowAfter: config['auth.accountSlowAfter'], accountSlowMs: config['auth.accountSlowMs'],
        registerBurst: config['auth.registerBurst'], registerPerHour: config['auth.registerPerHour'],
        exemptLoopback: config['limits.exemptLoopback'],
      },
      flood: {
        requests: { burst: config['flood.burst'], ratePerSec: config['flood.ratePerSec'] },
        calc: { burst: config['flood.calcBurst'], ratePerSec: config['flood.calcRatePerSec'] },
        maxDelayMs: config['flood.maxDelayMs'], maxRefusals: config['flood.maxRefusals'], refusalWindowMs: config['flood.refusalWindowMs'],
      },
    },
    metrics,
  });
  metrics.observeCore(core);
  await core.restore();
  const cluster = new ClusterSync(core, { heartbeatMs: config['cluster.heartbeatMs'] });
  cluster.start();
  let draining = false;
  const started = Date.now();

  const web = staticFiles(opts.webRoot);
  const hosts = new HostPolicy(list(config['http.allowedHosts']));
  const limits = new ConnLimits(connLimits(config));
  let irc: IrcServer | undefined;
  const onRequest = (req: Parameters<typeof handleHttp>[0], res: Parameters<typeof handleHttp>[1]): void => handleHttp(req, res, {
    health: () => {
      const transports = { ws: ws.size, irc: irc?.size ?? 0 };
      return { status: 'ok', version: VERSION, uptimeSeconds: Math.round((Date.now() - started) / 1000), connections: transports.ws + transports.irc, transports, users: core.dir.users.size };
    },
    handlers: [
      readyRoute({ accepting: () => http.listening && !draining, backends: { store, bus, presence, ...(files && isPingable(fileAdapters.blobs) ? { files: fileAdapters.blobs } : {}) }, log }),
      metricsRoute(metrics, config['metrics.token'], log),
      adminRoute({ core, token: config['admin.token'], maxBodyBytes: config['http.maxBodyBytes'], log }),
      filesRoute({ files, log }),
    ],
    web, log, hosts, accepted,
  });
  const timeouts = httpServerOptions(config);
  const http: Server = tls ? createHttpsServer({ ...tls.serverOptions(), ...timeouts }, onRequest) : createHttpServer(timeouts, onRequest);
  if (tls) tls.attach(http as unknown as TlsServer);
  http.on('clientError', onClientError(log));
  // Every socket counts against the per-IP concurrency limit from accept (keep-alive HTTP too);
  // a TLS socket over the limit is dropped before its handshake.
  const accepted = countAccepted(http, limits, { rate: false, onRefused: tls ? 'destroy' : 'answer' });
  // One scheduler for every listener: what one turn queued for any socket leaves in the same round.
  const flusher = new FlushScheduler({ coalesceMs: config['delivery.coalesceMs'], sliceMs: config['delivery.sliceMs'], sliceMaxMs: config['delivery.sliceMaxMs'], writeShare: config['delivery.writeSharePct'] / 100, directWrites: config['delivery.directWrites'] });
  const ws = new WsListener(http, core, {
    path: config['ws.path'], maxPayload: config['ws.maxPayload'], sendQueueBytes: config['ws.sendQueueBytes'],
    readQueueBytes: config['ws.readQueueBytes'], pingIntervalMs: config['ws.pingIntervalMs'], loginTimeoutMs: config['ws.loginTimeoutMs'],
    allowedOrigins: list(config['ws.allowedOrigins']), hosts, flusher,
  }, `banter/${VERSION}`, limits, accepted);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen({ port: config.port, host: config.host, backlog: config.listenBacklog }, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${port}`;
  log.info({ url, ws: `${url.replace('http', 'ws')}${config['ws.path']}`, version: VERSION, code: CODE }, 'listening');

  metrics.observeConnLimits(limits);
  if (config['irc.enabled']) {
    irc = new IrcServer(core, {
      host: config['irc.host'] || config.host, port: config['irc.port'], serverName: config['irc.serverName'], network: config['irc.network'],
      motd: config['irc.motd'], autoJoinLobby: config['irc.autoJoinLobby'], sendQueueBytes: config['irc.sendQueueBytes'],
      readQueueBytes: config['irc.readQueueBytes'], pingIntervalMs: config['irc.pingIntervalMs'], registrationTimeoutMs: config['irc.registrationTimeoutMs'],
      floodBurst: config['irc.floodBurst'], floodRate: config['irc.floodRate'], flusher,
      historyLimit: IRC_HISTORY_LIMIT, maxRoomsPerUser: config['rooms.maxPerUser'], version: `banter-${VERSION}`, operPassword: config['irc.operPassword'], backlog: config.listenBacklog,
      ...(files ? { fileLink: (f: FileRef) => (config['files.publicUrl'].replace(/\/$/, '') || url) + files.links(f, config['files.ircLinkTtlMs']).url } : {}),
      ...(tls ? { tls: { port: config['irc.tlsPort'], certificate: tls, stsDuration: config['irc.stsDuration'] } } : {}),
    }, limits);
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
      draining = true;
      http.close();
      // Stop accepting IRC clients too, and say goodbye to the connected ones (ERROR line).
      irc?.close(reason);
      cluster.stop();
      await core.close(reason);
      // Clients got `bye` and close 1001; give them half the shutdown budget to go.
      await waitUntil(() => ws.size === 0, config['shutdown.timeoutMs'] / 2);
      ws.close(reason);
      http.closeAllConnections();
      await calc.close();
      if (files) await files.close();
      else { await fileAdapters.records.close(); await fileAdapters.blobs.close(); }
      await store.close();
      await accounts.close();
      await moderation.close();
      // Presence first: it gives this node's names and lease back over the bus's connection.
      await presence.close();
      await bus.close();
      metrics.close();
    })();
    return closing;
  };
  return { core, http, ws, port, url, metrics, tls, irc, ircPort: irc?.port, ircTlsPort: irc?.tlsPort, close };
}

function createFileService(config: Config, adapters: FileAdapters, log: Logger): FileService {
  const images = new SharpImages({ maxPixels: config['files.maxPixels'], thumbSize: config['files.thumbSize'], nice: config['files.nice'], timeoutMs: config['files.imageTimeoutMs'], idleMs: config['files.imageIdleMs'], memoryBytes: config['files.imageMemoryBytes'], log });
  return new FileService({
    ...adapters, clock: systemClock, log,
    images, // one image worker: thumbnails of images and of video poster frames
    ...(config['files.ffmpegPath'] !== '' ? {
      videos: new FfmpegVideos({ path: config['files.ffmpegPath'], timeoutMs: config['files.videoTimeoutMs'], memoryBytes: config['files.videoMemoryBytes'], maxPixels: config['files.maxPixels'], thumbSize: config['files.thumbSize'], nice: config['files.nice'], webp: images, log }),
    } : {}),
    config: {
      maxBytes: config['files.maxBytes'], perMessage: config['files.perMessage'], quotaBytes: config['files.quotaBytes'], totalBytes: config['files.totalBytes'],
      uploadBurst: config['files.uploadBurst'], uploadsPerHour: config['files.uploadsPerHour'],
      denyExtensions: new Set(list(config['files.denyExtensions']).map((e) => e.toLowerCase().replace(/^\./, ''))),
      linkTtlMs: config['files.linkTtlMs'], ircLinkTtlMs: config['files.ircLinkTtlMs'], uploadTtlMs: config['files.uploadTtlMs'], pendingTtlMs: config['files.pendingTtlMs'],
    },
  });
}

/** A comma-separated config value as its trimmed, non-empty items. */
function list(value: string): string[] {
  return value.split(',').map((o) => o.trim()).filter((o) => o !== '');
}

async function waitUntil(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
