/** Runs the file storage contract against the in-memory adapters and the embedded ones (disk blobs + SQLite records). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskBlobs } from '../../src/storage/files/disk.ts';
import { MemoryBlobs, MemoryFileRecords } from '../../src/storage/files/memory.ts';
import { SqliteFileRecords } from '../../src/storage/sqlite/files.ts';
import { SqliteHandle } from '../../src/storage/sqlite/open.ts';
import { reopenable, runFileContract } from './file-contract.ts';

runFileContract('memory', async () => ({ records: new MemoryFileRecords(), blobs: new MemoryBlobs(), cleanup: async () => {} }));

runFileContract('disk + sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-filestore-'));
  const open = () => ({ records: new SqliteFileRecords(new SqliteHandle({ dataDir: dir, synchronous: 'full' })), blobs: new DiskBlobs(join(dir, 'files')) });
  return reopenable(open, () => rmSync(dir, { recursive: true, force: true }));
});
