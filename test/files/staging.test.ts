/**
 * Staging never holds the event loop for a whole large buffer: a re-encoded image arrives as
 * one 12 MB chunk, whose SHA-256 alone took 8–45 ms on the loaded development machine
 * (docs/benchmarks.md, "Files"). The disk (and S3) staging hashes and writes it in
 * STAGE_SLICE pieces with an await on the thread pool between them, so other connections'
 * work runs in between. Checked, not timed: no event-loop turn hashes more than a slice (a
 * spy on the hash's `update`, against a counter of turns).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { DiskBlobs, STAGE_SLICE, STAGE_SYNC_BYTES } from '../../src/storage/files/disk.ts';

/** The FileHandle prototype's write methods, to spy on (restored by the caller). */
async function fileHandleProto(dir: string): Promise<{ write: (...a: unknown[]) => Promise<{ bytesWritten: number }>; writev: (...a: unknown[]) => Promise<{ bytesWritten: number }>; datasync: () => Promise<void>; sync: () => Promise<void> }> {
  const probe = await open(join(dir, 'probe'), 'w');
  await probe.close();
  return Object.getPrototypeOf(probe) as Awaited<ReturnType<typeof fileHandleProto>>;
}

/** 64 KiB chunks, as an HTTP body arrives, `total` bytes in all. */
async function* httpLike(total: number): AsyncIterable<Uint8Array> {
  const chunk = Buffer.alloc(64 * 1024, 7);
  for (let left = total; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
}

it('staging one large chunk hashes it slice by slice between awaits; the hash is that of the whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-staging-'));
  try {
    const blobs = new DiskBlobs(dir);
    const big = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 1000) big[i] = i & 0xff;
    const proto = Object.getPrototypeOf(createHash('sha256')) as { update: (this: unknown, data: Uint8Array, ...rest: unknown[]) => unknown };
    const update = proto.update;
    // Event-loop turns, counted by a setImmediate chain (one step per turn of the loop).
    let turn = 0;
    let ticking = true;
    const tick = (): void => { turn++; if (ticking) setImmediate(tick); };
    setImmediate(tick);
    const perTurn = new Map<number, number>();
    proto.update = function (this: unknown, data: Uint8Array, ...rest: unknown[]) {
      perTurn.set(turn, (perTurn.get(turn) ?? 0) + data.length);
      return update.call(this, data, ...rest);
    };
    let staged;
    try {
      staged = await blobs.stage((async function* () { yield big; })(), big.length);
    } finally {
      proto.update = update;
      ticking = false;
    }
    const largest = Math.max(...perTurn.values());
    assert.ok(largest <= STAGE_SLICE, `one event-loop turn hashed ${largest} bytes (at most ${STAGE_SLICE})`);
    assert.ok(perTurn.size >= big.length / STAGE_SLICE, `hashed over ${perTurn.size} turns`);
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
  const proto = await fileHandleProto(dir);
  const saved = { write: proto.write, writev: proto.writev, datasync: proto.datasync, sync: proto.sync };
  let unsynced = 0;
  let most = 0;
  let syncs = 0;
  let written = 0;
  const counting = (fn: (...a: unknown[]) => Promise<{ bytesWritten: number }>) => async function (this: unknown, ...a: unknown[]) {
    const r = await fn.apply(this, a);
    unsynced += r.bytesWritten;
    written += r.bytesWritten;
    most = Math.max(most, unsynced);
    return r;
  };
  proto.write = counting(saved.write);
  proto.writev = counting(saved.writev);
  proto.datasync = async function (this: unknown) { syncs++; unsynced = 0; return saved.datasync.call(this); };
  proto.sync = async function (this: unknown) { unsynced = 0; return saved.sync.call(this); };
  try {
    const blobs = new DiskBlobs(dir);
    const total = 5 * STAGE_SYNC_BYTES + 12345;
    const staged = await blobs.stage(httpLike(total), total);
    assert.equal(staged.size, total);
    assert.equal(written, total, 'every byte went through the spied writes');
    assert.ok(syncs >= 5, `fdatasync while streaming (${syncs} times)`);
    assert.ok(most <= STAGE_SYNC_BYTES, `at most ${STAGE_SYNC_BYTES} bytes written between syncs (saw ${most})`);
    await staged.commit();
    assert.equal(unsynced, 0, 'fsynced before commit');
  } finally {
    Object.assign(proto, saved);
    rmSync(dir, { recursive: true, force: true });
  }
});

