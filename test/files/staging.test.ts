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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { DiskBlobs, STAGE_SLICE } from '../../src/storage/files/disk.ts';

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
