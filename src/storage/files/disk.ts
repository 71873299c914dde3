/**
 * The embedded blob store: files under `<dataDir>/files/`, content-addressed
 * (`blobs/ab/cd/<sha256>`), staged in `tmp/` while an upload streams in (hashed as it goes,
 * bounded by `maxBytes`), and committed by fsync + rename + directory fsync, so an
 * acknowledged upload survives a crash or power loss. Leftover staged files (a crash
 * mid-upload) are removed when the store opens.
 *
 * While streaming, the staged file is fdatasynced every STAGE_SYNC_BYTES, so its dirty pages
 * never pile up: with ext4 (data=ordered) a chat message's WAL fsync commits the journal,
 * which first writes out every file's newly allocated dirty data; a 100 MB upload held in
 * the page cache until its final fsync made chat commits wait for all of it at once
 * (docs/benchmarks.md, "Files").
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BlobTooLargeError, type BlobStore, type ByteRange, type StagedBlob } from '../../core/files/ports.ts';
import { HEAD_BYTES } from './memory.ts';

const HASH = /^[0-9a-f]{64}$/;
/** Bytes hashed and written per step when staging (about 0.1–0.5 ms of SHA-256). */
export const STAGE_SLICE = 256 * 1024;
/**
 * Bytes written to a staged file between two fdatasyncs (and so the most the final fsync has
 * left to write). 4 MiB: the final fsync of a 100 MB upload fell from 40–100 ms to under
 * 1–12 ms, with no measurable cost in upload throughput (docs/benchmarks.md, "Files").
 */
export const STAGE_SYNC_BYTES = 4 * 1024 * 1024;

export class DiskBlobs implements BlobStore {
  readonly root: string;
  private readonly tmp: string;

  constructor(dir: string) {
    this.root = join(dir, 'blobs');
    this.tmp = join(dir, 'tmp');
    mkdirSync(this.root, { recursive: true });
    clearStaging(this.tmp);
  }

  private pathOf(hash: string): string {
    if (!HASH.test(hash)) throw new Error('not a blob hash');
    return join(this.root, hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  async stage(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StagedBlob> {
    const { path, size, hash, head } = await stageFile(this.tmp, source, maxBytes);
    let done = false;
    return {
      size, hash, head, local: { path },
      commit: async () => {
        if (done) return;
        const dest = this.pathOf(hash);
        const dir = join(this.root, hash.slice(0, 2), hash.slice(2, 4));
        mkdirSync(dir, { recursive: true });
        await rename(path, dest);
        done = true;
        await syncDir(dir);
      },
      discard: async () => {
        if (done) return;
        done = true;
        await rm(path, { force: true });
      },
    };
  }

  async open(hash: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined> {
    if (!HASH.test(hash)) return undefined;
    const p = this.pathOf(hash);
    try {
      await stat(p);
    } catch {
      return undefined;
    }
    return createReadStream(p, range ? { start: range.start, end: range.end } : {});
  }

  async delete(hash: string): Promise<void> {
    if (!HASH.test(hash)) return;
    await rm(this.pathOf(hash), { force: true });
  }

  async close(): Promise<void> {}
}

/**
 * Streams `source` into a new private file in `tmpDir`, hashing it (SHA-256) and keeping its
 * first HEAD_BYTES, fdatasynced every STAGE_SYNC_BYTES and fsynced at the end; at most `maxBytes` (BlobTooLargeError as soon as it is passed,
 * having read no further and kept nothing). Shared by every adapter that stages on disk.
 */
export async function stageFile(tmpDir: string, source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<{ path: string; size: number; hash: string; head: Uint8Array }> {
  const path = join(tmpDir, randomBytes(12).toString('hex'));
  const fh = await open(path, 'wx', 0o600);
  const sha = createHash('sha256');
  const head: Uint8Array[] = [];
  let headLen = 0;
  let size = 0;
  let unsynced = 0;
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
      if (headLen < HEAD_BYTES) { head.push(chunk.subarray(0, HEAD_BYTES - headLen)); headLen += Math.min(chunk.length, HEAD_BYTES - headLen); }
      // In slices, each hashed and then written (an await on the thread pool): a large chunk
      // (a re-encoded 12 MB image) never holds the event loop for its whole hash at once.
      for (let at = 0; at < chunk.length; at += STAGE_SLICE) {
        const piece = chunk.subarray(at, at + STAGE_SLICE);
        sha.update(piece);
        let off = 0;
        while (off < piece.length) off += (await fh.write(piece, off)).bytesWritten;
        unsynced += piece.length;
        if (unsynced >= STAGE_SYNC_BYTES) {
          unsynced = 0;
          await fh.datasync();
        }
      }
    }
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(path, { force: true });
    throw err;
  }
  await fh.close();
  return { path, size, hash: sha.digest('hex'), head: Buffer.concat(head) };
}

/** Empties a staging directory (leftovers of a crash mid-upload), creating it if needed. */
export function clearStaging(tmpDir: string): void {
  mkdirSync(tmpDir, { recursive: true });
  for (const f of readdirSync(tmpDir)) rmSync(join(tmpDir, f), { force: true });
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
