/** In-process file adapters (store = memory): nothing survives a restart. Same contract as the durable ones (core/files/ports.ts). */
import { createHash } from 'node:crypto';
import { BlobTooLargeError, type BlobStore, type ByteRange, type FileLimits, type FileRecord, type FileRecords, type StagedBlob } from '../../core/files/ports.ts';

export const HEAD_BYTES = 4096;

/** Reads `source` into memory, at most `maxBytes` (BlobTooLargeError as soon as it is passed). */
export async function collect(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export class MemoryBlobs implements BlobStore {
  private readonly blobs = new Map<string, Buffer>();

  async stage(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StagedBlob> {
    const bytes = await collect(source, maxBytes);
    const hash = createHash('sha256').update(bytes).digest('hex');
    let done = false;
    return {
      size: bytes.length, hash, head: bytes.subarray(0, HEAD_BYTES), local: { bytes },
      commit: async () => {
        if (done) return;
        done = true;
        this.blobs.set(hash, bytes);
      },
      discard: async () => { done = true; },
    };
  }

  async open(hash: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined> {
    const b = this.blobs.get(hash);
    if (!b) return undefined;
    const part = range ? b.subarray(range.start, range.end + 1) : b;
    return (async function* () { yield part; })();
  }

  async delete(hash: string): Promise<void> {
    this.blobs.delete(hash);
  }

  async close(): Promise<void> {}
}

export class MemoryFileRecords implements FileRecords {
  private readonly recs = new Map<string, FileRecord>();

  async create(rec: FileRecord, limits: FileLimits): Promise<'ok' | 'quota' | 'full'> {
    if (this.recs.has(rec.id)) throw new Error(`file ${rec.id} exists`);
    // No await between the checks and the insert: concurrent creates cannot both pass.
    if (this.sum((r) => r.owner === rec.owner) + rec.size > limits.quotaBytes) return 'quota';
    if (this.sum(() => true) + rec.size > limits.totalBytes) return 'full';
    this.recs.set(rec.id, { ...rec });
    return 'ok';
  }

  async get(id: string): Promise<FileRecord | undefined> {
    const r = this.recs.get(id);
    return r && { ...r };
  }

  async attach(ids: readonly string[], owner: string, conv: string, at: number, key: string): Promise<'attached' | 'again' | 'refused'> {
    const recs = ids.map((id) => this.recs.get(id));
    if (recs.every((r) => r?.owner === owner && r.conv === conv && r.attachKey === key)) return 'again';
    if (!recs.every((r) => r?.owner === owner && r.conv === undefined)) return 'refused';
    for (const r of recs) Object.assign(r!, { conv, attachedAt: at, attachKey: key });
    return 'attached';
  }

  async detach(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const r = this.recs.get(id);
      if (r) { delete r.conv; delete r.attachedAt; delete r.attachKey; }
    }
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const r = this.recs.get(id);
    if (!r) return false;
    r.revokedAt = Math.max(r.revokedAt ?? 0, at);
    return true;
  }

  private sum(pred: (r: FileRecord) => boolean): number {
    let n = 0;
    for (const r of this.recs.values()) if (pred(r)) n += r.size;
    return n;
  }

  async usage(owner: string): Promise<number> {
    return this.sum((r) => r.owner === owner);
  }

  async total(): Promise<number> {
    return this.sum(() => true);
  }

  async removeUnattached(before: number): Promise<FileRecord[]> {
    const out: FileRecord[] = [];
    for (const [id, r] of this.recs) if (r.conv === undefined && r.createdAt < before) { this.recs.delete(id); out.push(r); }
    return out;
  }

  async blobInUse(hash: string): Promise<boolean> {
    for (const r of this.recs.values()) if (r.hash === hash || r.thumb === hash) return true;
    return false;
  }

  async close(): Promise<void> {}
}
