/**
 * The file storage contract against the S3 adapter (src/storage/files/s3.ts) on a real S3
 * server: s3rver (npm, a local S3 server made for tests) started here on port 0, or the
 * S3-compatible store at BANTER_TEST_S3_ENDPOINT (MinIO, Garage, ...: with
 * BANTER_TEST_S3_BUCKET and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). Then a whole server
 * with `files.store = "s3"`: upload, download with a range, and an unreachable store
 * answering FILE_STORE_UNAVAILABLE without storing anything.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { S3Blobs, type S3Options } from '../../src/storage/files/s3.ts';
import { MemoryFileRecords } from '../../src/storage/files/memory.ts';
import { SqliteFileRecords } from '../../src/storage/sqlite/files.ts';
import { SqliteHandle } from '../../src/storage/sqlite/open.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { get, links, put, upload } from '../files/helpers.ts';
import { reopenable, runFileContract } from './file-contract.ts';

interface S3Target { endpoint: string; bucket: string; credentials: { accessKeyId: string; secretAccessKey: string }; stop(): Promise<void> }

const root = mkdtempSync(join(tmpdir(), 'banter-s3-'));
let skip: string | undefined;
let target: S3Target | undefined;

/** s3rver, when it is installed (a devDependency); absent locally: skip; in CI: fail. */
async function startS3(): Promise<S3Target | string> {
  const endpoint = process.env.BANTER_TEST_S3_ENDPOINT;
  if (endpoint) {
    return {
      endpoint, bucket: process.env.BANTER_TEST_S3_BUCKET ?? 'banter-test',
      credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '' },
      stop: async () => {},
    };
  }
  let S3rver: new (opts: object) => { run(): Promise<{ port: number }>; close(): Promise<void> };
  try {
    const name = 's3rver'; // untyped: imported by name, typed by the line above
    S3rver = ((await import(name)) as { default: typeof S3rver }).default;
  } catch {
    const reason = 'needs s3rver (npm ci installs it) or BANTER_TEST_S3_ENDPOINT';
    if (process.env.CI) throw new Error(`cannot run in CI: ${reason}`);
    return `skipped: ${reason}`;
  }
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(root, 's3rver'), configureBuckets: [{ name: 'banter-test' }] });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, bucket: 'banter-test', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, stop: () => server.close() };
}

const started = await startS3();
if (typeof started === 'string') skip = started;
else target = started;
after(async () => {
  await target?.stop();
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
function options(over: Partial<S3Options> = {}): S3Options {
  return {
    bucket: target!.bucket, endpoint: target!.endpoint, region: 'us-east-1', prefix: `run${process.pid}-${++n}/`, pathStyle: true, timeoutMs: 10_000,
    stagingDir: join(root, `staging-${n}`), credentials: target!.credentials, ...over,
  };
}

if (skip) {
  it('file storage contract: s3', { skip }, () => {});
} else {
  runFileContract('s3 + memory records', async () => {
    const blobs = new S3Blobs(options());
    return { records: new MemoryFileRecords(), blobs, cleanup: () => blobs.close() };
  });

  runFileContract('s3 + sqlite records', async () => {
    const dir = mkdtempSync(join(root, 'sqlite-'));
    const opts = options();
    const open = () => ({ records: new SqliteFileRecords(new SqliteHandle({ dataDir: dir, synchronous: 'full' })), blobs: new S3Blobs(opts) });
    return reopenable(open);
  });
}

describe('a server with files.store = "s3"', { skip }, () => {
  const env = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  before(() => {
    // The server takes credentials from the environment (the AWS SDK's default chain), as in production.
    process.env.AWS_ACCESS_KEY_ID = target!.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = target!.credentials.secretAccessKey;
  });
  after(() => {
    if (env.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = env.id;
    if (env.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = env.secret;
  });

  it('uploads to the bucket, serves the bytes with ranges, and says so in /readyz', async () => {
    const dataDir = mkdtempSync(join(root, 'data-'));
    const app = await startTestServer({ dataDir, 'files.store': 's3', 'files.s3.bucket': target!.bucket, 'files.s3.endpoint': target!.endpoint, 'files.s3.prefix': `app${process.pid}/` });
    const c = await TestClient.login(app, 's3user');
    try {
      const f = await upload(app, c, 'notes.txt', Buffer.from('kept in a bucket\n'));
      await c.request('send', { to: '#lobby', text: '', files: [f.id] });
      const l = (await links(c, [f.id]))[f.id]!;
      assert.equal((await get(app, l.url)).body.toString(), 'kept in a bucket\n');
      const r = await get(app, l.url, { Range: 'bytes=8-15' });
      assert.equal(r.status, 206);
      assert.equal(r.body.toString(), 'a bucket');
      const ready = await get(app, '/readyz');
      assert.equal(ready.status, 200);
      assert.equal((JSON.parse(ready.body.toString()) as { checks: Record<string, string> }).checks.files, 'ok');
      assert.deepEqual(readdirSync(join(dataDir, 'files', 'tmp')), [], 'nothing left in staging');
    } finally {
      c.close();
      await app.close();
    }
  });

  it('an unreachable store: the upload answers 503 FILE_STORE_UNAVAILABLE and nothing is stored', async () => {
    // A port that accepts connections and never answers: the request times out.
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const dataDir = mkdtempSync(join(root, 'down-'));
    const app = await startTestServer({ dataDir, 'files.store': 's3', 'files.s3.bucket': 'b', 'files.s3.endpoint': `http://127.0.0.1:${port}`, 'files.s3.timeoutMs': 300 });
    const c = await TestClient.login(app, 'unlucky');
    try {
      const t = await c.request('upload', { name: 'a.txt', size: 5 });
      const r = await put(app, t.url, Buffer.from('hello'));
      assert.equal(r.status, 503);
      assert.equal(r.json.code, 'FILE_STORE_UNAVAILABLE');
      assert.doesNotMatch(r.json.error ?? '', /127\.0\.0\.1/, 'the store\'s address is not told to clients');
      assert.deepEqual(readdirSync(join(dataDir, 'files', 'tmp')), [], 'the staged upload was removed');
      // The quota is untouched: nothing was recorded.
      await c.request('upload', { name: 'b.txt', size: 5 });
    } finally {
      c.close();
      await app.close();
      silent.close();
    }
  });
});
