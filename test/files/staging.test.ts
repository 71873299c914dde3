/**
 * Staging never holds the event loop for a whole large buffer: a re-encoded image arrives as
 * one 12 MB chunk, whose SHA-256 alone took 8–45 ms on the loaded development machine
 * (docs/benchmarks.md, "Files"). The disk (and S3) staging hashes and writes it in
 * STAGE_SLICE pieces with an await on the thread pool between them, so other connections'
 * work runs in between. Checked, not timed: no single synchronous hash step is larger than
 * a slice (a spy on the hash's `update`).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { DiskBlobs, STAGE_SLICE, STAGE_SYNC_BYTES } from '../../src/storage/files/disk.ts';

it('staging one large chunk hashes it slice by slice between awaits; the hash is that of the whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-staging-'));
  try {
    const blobs = new DiskBlobs(dir);
    const big = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 1000) big[i] = i & 0xff;
    const proto = Object.getPrototypeOf(createHash('sha256')) as { update: (this: unknown, data: Uint8Array, ...rest: unknown[]) => unknown };
    const update = proto.update;
    let largest = 0;
    proto.update = function (this: unknown, data: Uint8Array, ...rest: unknown[]) {
      largest = Math.max(largest, data.length);
      return update.call(this, data, ...rest);
    };
    let staged;
    try {
      staged = await blobs.stage((async function* () { yield big; })(), big.length);
    } finally {
      proto.update = update;
    }
    assert.ok(largest <= STAGE_SLICE, `one synchronous hash step took ${largest} bytes (at most ${STAGE_SLICE})`);
    assert.equal(staged.hash, createHash('sha256').update(big).digest('hex'));
    assert.equal(staged.size, big.length);
    await staged.discard();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('staging writes a long upload out as it goes: at most STAGE_SYNC_BYTES are unsynced at any time', async () => {
  // With ext4 (data=ordered) dirty data that piles up until the final fsync is written out by
  // the next chat message's WAL commit too; so the staged file is fdatasynced as it streams.
  const dir = mkdtempSync(join(tmpdir(), 'banter-staging-'));
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { write: (...a: unknown[]) => Promise<{ bytesWritten: number }>; datasync: () => Promise<void>; sync: () => Promise<void> };
  await probe.close();
  const saved = { write: proto.write, datasync: proto.datasync, sync: proto.sync };
  let unsynced = 0;
  let most = 0;
  let syncs = 0;
  proto.write = async function (this: unknown, ...a: unknown[]) {
    const r = await saved.write.apply(this, a);
    unsynced += r.bytesWritten;
    most = Math.max(most, unsynced);
    return r;
  };
  proto.datasync = async function (this: unknown) { syncs++; unsynced = 0; return saved.datasync.call(this); };
  proto.sync = async function (this: unknown) { unsynced = 0; return saved.sync.call(this); };
  try {
    const blobs = new DiskBlobs(dir);
    const total = 5 * STAGE_SYNC_BYTES + 12345;
    const chunk = Buffer.alloc(64 * 1024, 7);
    const staged = await blobs.stage((async function* () {
      for (let left = total; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
    })(), total);
    assert.equal(staged.size, total);
    assert.ok(syncs >= 5, `fdatasync while streaming (${syncs} times)`);
    assert.ok(most <= STAGE_SYNC_BYTES, `at most ${STAGE_SYNC_BYTES} bytes written between syncs (saw ${most})`);
    await staged.commit();
    assert.equal(unsynced, 0, 'fsynced before commit');
  } finally {
    Object.assign(proto, saved);
    rmSync(dir, { recursive: true, force: true });
  }
});
