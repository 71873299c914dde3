/** The FileRecords and BlobStore contracts (src/core/files/ports.ts), run against every adapter. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { BlobTooLargeError, type BlobStore, type FileRecord, type FileRecords } from '../../src/core/files/ports.ts';

export interface FileHarness {
  records: FileRecords;
  blobs: BlobStore;
  /** Closes and reopens the same storage (durable adapters); undefined for in-memory ones. */
  reopen?: () => Promise<{ records: FileRecords; blobs: BlobStore }>;
  cleanup(): Promise<void>;
}

/**
 * A harness over durable adapters that `open()` makes anew on the same storage: `reopen`
 * closes both and opens them again; `cleanup` closes them, then runs `after`.
 */
export function reopenable(open: () => { records: FileRecords; blobs: BlobStore }, after: () => void = () => undefined): FileHarness {
  let cur = open();
  const close = async (): Promise<void> => {
    await cur.records.close();
    await cur.blobs.close();
  };
  return {
    get records() { return cur.records; },
    get blobs() { return cur.blobs; },
    reopen: async () => {
      await close();
      cur = open();
      return cur;
    },
    cleanup: async () => {
      await close();
      after();
    },
  };
}

async function* chunks(...parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}

async function readAll(src: AsyncIterable<Uint8Array> | undefined): Promise<string | undefined> {
  if (!src) return undefined;
  const out: Uint8Array[] = [];
  for await (const c of src) out.push(c);
  return Buffer.concat(out).toString();
}

const rec = (id: string, over: Partial<FileRecord> = {}): FileRecord => ({ id, hash: 'h'.repeat(64), size: 10, name: `${id}.txt`, type: 'text/plain', owner: 'account:a', createdAt: 1000, ...over });
const LIMITS = { quotaBytes: 100, totalBytes: 1000 };

export function runFileContract(name: string, make: () => Promise<FileHarness>): void {
  describe(`File storage contract: ${name}`, () => {
    it('stages, commits and serves blobs by content hash, with ranges; staged blobs are invisible', async () => {
      const h = await make();
      try {
        const s = await h.blobs.stage(chunks('hello ', 'world'), 100);
        assert.equal(s.size, 11);
        assert.equal(s.hash, createHash('sha256').update('hello world').digest('hex'));
        assert.equal(Buffer.from(s.head).toString(), 'hello world');
        assert.equal(await h.blobs.open(s.hash), undefined, 'not visible before commit');
        await s.commit();
        assert.equal(await readAll(await h.blobs.open(s.hash)), 'hello world');
        assert.equal(await readAll(await h.blobs.open(s.hash, { start: 6, end: 10 })), 'world');
        const d = await h.blobs.stage(chunks('other'), 100);
        await d.discard();
        await d.commit().catch(() => undefined);
        assert.equal(await h.blobs.open(d.hash), undefined, 'a discarded blob never appears');
        await h.blobs.delete(s.hash);
        assert.equal(await h.blobs.open(s.hash), undefined);
        await h.blobs.delete(s.hash);
        assert.equal(await h.blobs.open('not-a-hash'), undefined);
      } finally {
        await h.cleanup();
      }
    });

    it('refuses a source over maxBytes as soon as it is passed, keeping nothing', async () => {
      const h = await make();
      try {
        let pulled = 0;
        async function* endless(): AsyncIterable<Uint8Array> {
          for (;;) { pulled++; yield Buffer.alloc(10); }
        }
        await assert.rejects(h.blobs.stage(endless(), 25), BlobTooLargeError);
        assert.equal(pulled, 3, 'stopped reading right after the limit');
      } finally {
        await h.cleanup();
      }
    });

    it('creates records within quota and total atomically; attaches all-or-nothing and once', async () => {
      const h = await make();
      try {
        const r = h.records;
        assert.equal(await r.create(rec('f1', { size: 60 }), LIMITS), 'ok');
        assert.equal(await r.create(rec('f2', { size: 60 }), LIMITS), 'quota');
        assert.equal(await r.create(rec('f3', { size: 60, owner: 'account:b' }), { quotaBytes: 100, totalBytes: 100 }), 'full');
        const both = await Promise.all([r.create(rec('c1', { size: 30 }), LIMITS), r.create(rec('c2', { size: 30 }), LIMITS)]);
        assert.deepEqual(both.sort(), ['ok', 'quota'], 'concurrent creates cannot both pass the quota');
        assert.equal(await r.usage('account:a'), 90);
        assert.equal(await r.total(), 90);
        assert.equal(await r.create(rec('g1', { owner: 'account:b' }), LIMITS), 'ok');
        assert.equal(await r.attach(['f1', 'g1'], 'account:a', '#x', 2000, 'k1'), 'refused', 'g1 is not a:s');
        assert.equal((await r.get('f1'))?.conv, undefined, 'nothing changed');
        assert.equal(await r.attach(['f1'], 'account:a', '#x', 2000, 'k1'), 'attached');
        assert.equal(await r.attach(['f1'], 'account:a', '#x', 2000, 'k1'), 'again');
        assert.equal(await r.attach(['f1'], 'account:a', '#y', 2000, 'k2'), 'refused', 'never moves');
        assert.equal(await r.attach(['nope'], 'account:a', '#x', 2000, 'k3'), 'refused');
        const got = await r.get('f1');
        assert.equal(got?.conv, '#x');
        assert.equal(got?.attachedAt, 2000);
        await r.detach(['f1']);
        assert.equal((await r.get('f1'))?.conv, undefined);
      } finally {
        await h.cleanup();
      }
    });

    it('revokes links by time, only forward; unknown ids are refused', async () => {
      const h = await make();
      try {
        const r = h.records;
        await r.create(rec('rv'), LIMITS);
        assert.equal((await r.get('rv'))?.revokedAt, undefined);
        assert.equal(await r.revoke('rv', 5000), true);
        assert.equal((await r.get('rv'))?.revokedAt, 5000);
        assert.equal(await r.revoke('rv', 4000), true);
        assert.equal((await r.get('rv'))?.revokedAt, 5000, 'never moves back');
        assert.equal(await r.revoke('nope', 5000), false);
      } finally {
        await h.cleanup();
      }
    });

    it('removes only old unattached records and knows which blobs are in use', async () => {
      const h = await make();
      try {
        const r = h.records;
        await r.create(rec('old', { hash: 'a'.repeat(64), thumb: 'b'.repeat(64), createdAt: 100 }), LIMITS);
        await r.create(rec('new', { hash: 'c'.repeat(64), createdAt: 5000 }), LIMITS);
        await r.create(rec('sent', { hash: 'a'.repeat(64), createdAt: 100 }), LIMITS);
        await r.attach(['sent'], 'account:a', '#x', 200, 'k');
        const gone = await r.removeUnattached(1000);
        assert.deepEqual(gone.map((g) => g.id), ['old']);
        assert.equal(await r.get('old'), undefined);
        assert.ok(await r.get('new'));
        assert.equal(await r.blobInUse('a'.repeat(64)), true, 'still used by "sent"');
        assert.equal(await r.blobInUse('b'.repeat(64)), false, 'the thumbnail of "old" only');
        assert.equal(await r.blobInUse('c'.repeat(64)), true);
      } finally {
        await h.cleanup();
      }
    });

    it('keeps committed blobs and records across a reopen (durable adapters)', async (t) => {
      const h = await make();
      if (!h.reopen) {
        t.skip('in-memory adapter');
        await h.cleanup();
        return;
      }
      try {
        const s = await h.blobs.stage(chunks('durable'), 100);
        await s.commit();
        const staged = await h.blobs.stage(chunks('half-done'), 100);
        await h.records.create(rec('d1', { hash: s.hash }), LIMITS);
        await h.records.attach(['d1'], 'account:a', '#x', 5, 'k');
        await h.records.revoke('d1', 7);
        const again = await h.reopen();
        assert.equal(await readAll(await again.blobs.open(s.hash)), 'durable');
        assert.equal(await again.blobs.open(staged.hash), undefined, 'an uncommitted blob is gone after a reopen');
        assert.equal((await again.records.get('d1'))?.conv, '#x');
        assert.equal((await again.records.get('d1'))?.revokedAt, 7);
      } finally {
        await h.cleanup();
      }
    });
  });
}
