/** FileService rules that need a slow backend to show (a network database's latency), without sockets. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { ChatError } from '../../src/core/errors.ts';
import { FileService } from '../../src/core/files/service.ts';
import type { FileRecords } from '../../src/core/files/ports.ts';
import { systemClock } from '../../src/core/ports.ts';
import { silentLogger } from '../../src/server/logger.ts';
import { MemoryBlobs, MemoryFileRecords } from '../../src/storage/files/memory.ts';

/** Memory records whose every call takes a few milliseconds, like a remote database. */
function slow(inner: FileRecords): FileRecords {
  const later = <T>(v: Promise<T>): Promise<T> => new Promise((resolve, reject) => setTimeout(() => v.then(resolve, reject), 5));
  return new Proxy(inner, { get: (t, k) => (...args: unknown[]) => later((t as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[k as string]!(...args)) });
}

async function* bytes(s: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(s);
}

it('an upload URL used twice at the same time stores once; the second gets LINK_INVALID, not an internal error', async () => {
  const files = new FileService({
    records: slow(new MemoryFileRecords()), blobs: new MemoryBlobs(), clock: systemClock, log: silentLogger(), linkKey: randomBytes(32),
    config: {
      maxBytes: 1000, perMessage: 5, quotaBytes: 10_000, totalBytes: 100_000, uploadBurst: 10, uploadsPerHour: 10,
      denyExtensions: new Set(), linkTtlMs: 60_000, ircLinkTtlMs: 60_000, uploadTtlMs: 60_000, pendingTtlMs: 60_000,
    },
  });
  try {
    const t = await files.ticket('account:a', 'a.txt', 5);
    const token = t.url.split('?t=')[1]!;
    const results = await Promise.allSettled([files.receive(token, bytes('hello'), 5), files.receive(token, bytes('other'), 5)]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(refused.reason instanceof ChatError, String(refused.reason));
    assert.equal(refused.reason.code, 'LINK_INVALID');
  } finally {
    await files.close();
  }
});
