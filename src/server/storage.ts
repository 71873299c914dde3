/** Builds the message and account stores chosen by config (`store`, `dataDir`), and the file adapters beside them. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BlobStore, FileRecords } from '../core/files/ports.ts';
import type { AccountStore, Clock, MessageStore } from '../core/ports.ts';
import { DiskBlobs } from '../storage/files/disk.ts';
import { MemoryBlobs, MemoryFileRecords } from '../storage/files/memory.ts';
import { SqliteFileRecords } from '../storage/sqlite/files.ts';
import { MemoryAccounts } from '../storage/memory-accounts.ts';
import { MemoryStore } from '../storage/memory.ts';
import { SqliteAccounts } from '../storage/sqlite/accounts.ts';
import { SqliteHandle } from '../storage/sqlite/open.ts';
import { SqliteStore } from '../storage/sqlite/store.ts';
import type { Config } from './config.ts';

export interface FileAdapters {
  records: FileRecords;
  blobs: BlobStore;
  /** HMAC key of file links. */
  linkKey: Uint8Array;
}

export function createStorage(config: Config, clock: Clock): { store: MessageStore; accounts: AccountStore; files: FileAdapters } {
  const secret = config['files.linkSecret'];
  if (config.store === 'memory') {
    return {
      store: new MemoryStore({ clock, maxPerConversation: config['history.memoryMaxPerConversation'], idempotencyWindowMs: config['history.idempotencyWindowMs'] }),
      accounts: new MemoryAccounts(),
      files: { records: new MemoryFileRecords(), blobs: new MemoryBlobs(), linkKey: secret !== '' ? Buffer.from(secret) : randomBytes(32) },
    };
  }
  const handle = new SqliteHandle({ dataDir: config.dataDir, synchronous: config['sqlite.synchronous'] });
  const filesDir = join(config.dataDir, 'files');
  return {
    store: new SqliteStore(handle, { clock, idempotencyWindowMs: config['history.idempotencyWindowMs'] }),
    accounts: new SqliteAccounts(handle),
    files: { records: new SqliteFileRecords(handle), blobs: new DiskBlobs(filesDir), linkKey: secret !== '' ? Buffer.from(secret) : linkKeyIn(filesDir) },
  };
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
