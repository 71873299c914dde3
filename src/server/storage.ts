/** Builds the message, account and moderation stores chosen by config (`store`, `dataDir`, `postgresUrl`, `search.*`), and the file adapters beside them. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BlobStore, FileRecords } from '../core/files/ports.ts';
import type { AccountStore, Clock, Logger, MessageStore, ModerationStore } from '../core/ports.ts';
import { MemoryModeration } from '../core/moderation-memory.ts';
import { SqliteModeration } from '../storage/sqlite/moderation.ts';
import { DiskBlobs } from '../storage/files/disk.ts';
import { MemoryBlobs, MemoryFileRecords } from '../storage/files/memory.ts';
import { SqliteFileRecords } from '../storage/sqlite/files.ts';
import { MemoryAccounts } from '../storage/memory-accounts.ts';
import { MemoryStore } from '../storage/memory.ts';
import { SqliteAccounts } from '../storage/sqlite/accounts.ts';
import { SqliteHandle } from '../storage/sqlite/open.ts';
import { SqliteStore } from '../storage/sqlite/store.ts';
import { openRemoteSqliteStore } from '../storage/sqlite/remote-store.ts';
import { ConfigError, type Config } from './config.ts';

export interface FileAdapters {
  records: FileRecords;
  blobs: BlobStore;
  /** HMAC key of file links. */
  linkKey: Uint8Array;
}

export async function createStorage(config: Config, clock: Clock, log: Logger): Promise<{ store: MessageStore; accounts: AccountStore; moderation: ModerationStore; files: FileAdapters }> {
  const secret = config['files.linkSecret'];
  const filesDir = join(config.dataDir, 'files');
  if (config.store === 'memory') {
    return {
      store: new MemoryStore({ clock, maxPerConversation: config['history.memoryMaxPerConversation'], idempotencyWindowMs: config['history.idempotencyWindowMs'] }),
      accounts: new MemoryAccounts(),
      moderation: new MemoryModeration(),
      files: { records: new MemoryFileRecords(), blobs: await blobsFor(config, filesDir, () => new MemoryBlobs()), linkKey: secret !== '' ? Buffer.from(secret) : randomBytes(32) },
    };
  }
  if (config.store === 'postgres') {
    // Loaded only when selected: a single node never loads `pg`.
    const { PgHandle, PgOpenError } = await import('../storage/postgres/open.ts');
    const { PgStore } = await import('../storage/postgres/store.ts');
    const { PgAccounts } = await import('../storage/postgres/accounts.ts');
    const { PgModeration } = await import('../storage/postgres/moderation.ts');
    const { PgFileRecords } = await import('../storage/postgres/files.ts');
    let handle;
    try {
      handle = await PgHandle.open({ url: config.postgresUrl, poolMax: config['postgres.poolMax'], timeoutMs: config['postgres.timeoutMs'], log });
    } catch (err) {
      if (err instanceof PgOpenError) throw new ConfigError([err.message]);
      throw err;
    }
    return {
      store: new PgStore(handle, { clock, idempotencyWindowMs: config['history.idempotencyWindowMs'], log }),
      accounts: new PgAccounts(handle),
      // Shared by every node: registered rooms, server bans and admins, the audit log, file metadata.
      // The bytes: each node's dataDir, or one S3-compatible bucket for all (files.store = "s3").
      moderation: new PgModeration(handle),
      files: { records: new PgFileRecords(handle), blobs: await blobsFor(config, filesDir, () => new DiskBlobs(filesDir)), linkKey: secret !== '' ? Buffer.from(secret) : linkKeyIn(filesDir) },
    };
  }
  const handle = new SqliteHandle({ dataDir: config.dataDir, synchronous: config['sqlite.synchronous'] });
  const { tightened, unfixable } = handle.looseModes;
  if (tightened.length > 0) log.warn({ paths: tightened }, 'data files were readable by other users; restricted them to the server\'s user (0700 / 0600)');
  if (unfixable.length > 0) log.warn({ paths: unfixable }, 'data files are readable by other users and owned by someone else; restrict them to the server\'s user (0700 / 0600)');
  const storeOpts = {
    clock, idempotencyWindowMs: config['history.idempotencyWindowMs'], log,
    search: { workers: config['search.workers'], timeoutMs: config['search.timeoutMs'], maxQueue: config['search.maxQueue'], idleMs: config['search.idleMs'], maxHeapMb: config['search.maxHeapMb'] },
  };
  // Messages are committed in a worker thread (remote-store.ts), off the event loop; a
  // throwaway `:memory:` database cannot be opened from another thread, so it stays in-process.
  let store: MessageStore;
  if (handle.path === ':memory:') store = new SqliteStore(handle, storeOpts);
  else {
    const remote = openRemoteSqliteStore({
      ...storeOpts, dataDir: config.dataDir, synchronous: config['sqlite.synchronous'], maxHeapMb: config['sqlite.workerHeapMb'], resumeSliceMs: config['sqlite.resumeSliceMs'],
      // While the worker is stopped for idleness, /readyz asks this thread's connection to the same file.
      idleMs: config['sqlite.workerIdleMs'], idlePing: () => { handle.db.prepare('SELECT 1').get(); },
    });
    try {
      await remote.ready;
    } catch (err) {
      await remote.close();
      handle.acquire().release(); // nothing else holds it yet: this closes it
      throw err;
    }
    store = remote;
  }
  return {
    store,
    accounts: new SqliteAccounts(handle),
    moderation: new SqliteModeration(handle),
    files: { records: new SqliteFileRecords(handle), blobs: await blobsFor(config, filesDir, () => new DiskBlobs(filesDir)), linkKey: secret !== '' ? Buffer.from(secret) : linkKeyIn(filesDir) },
  };
}

/** The blob store chosen by `files.store`: the S3 adapter (and the AWS SDK) is loaded only when selected. */
async function blobsFor(config: Config, filesDir: string, local: () => BlobStore): Promise<BlobStore> {
  if (config['files.store'] !== 's3') return local();
  const { S3Blobs } = await import('../storage/files/s3.ts');
  return new S3Blobs({
    bucket: config['files.s3.bucket'], endpoint: config['files.s3.endpoint'], region: config['files.s3.region'], prefix: config['files.s3.prefix'],
    pathStyle: config['files.s3.pathStyle'], timeoutMs: config['files.s3.timeoutMs'], stagingDir: join(filesDir, 'tmp'),
  });
}

/** The link key kept in `<dir>/link.key` (mode 0600), made on first use: links survive a restart. */
function linkKeyIn(dir: string): Uint8Array {
  const path = join(dir, 'link.key');
  mkdirSync(dir, { recursive: true });
  try {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
    if (key.length >= 32) return key;
  } catch { /* not there yet */ }
  const key = randomBytes(32);
  writeFileSync(path, key.toString('base64url') + '\n', { mode: 0o600 });
  return key;
}
