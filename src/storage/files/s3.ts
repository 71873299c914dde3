/**
 * Blobs in an S3-compatible object store (`files.store = "s3"`: AWS S3, MinIO, Garage, Ceph
 * RGW, ...), for cluster mode where every node must serve every file. Same contract as the
 * disk store (core/files/ports.ts, test/contract/s3-files.test.ts):
 *
 * - An upload is staged in `<dataDir>/files/tmp` (hashed and bounded as it streams in, and
 *   readable there for sniffing and image processing), then `commit` PUTs it as
 *   `<prefix>blobs/<sha256>`; S3 answers a PUT only once the object is stored durably, so the
 *   upload is acknowledged only after that. Content-addressed: the same bytes are one object.
 * - `open` is a (ranged) GET streamed to the client; a missing object is undefined.
 * - Credentials come from the AWS SDK's default chain (`AWS_ACCESS_KEY_ID` and
 *   `AWS_SECRET_ACCESS_KEY` in the environment, or a profile, or instance roles), never from
 *   Banter's config files. Requests time out (files.s3.timeoutMs); an unreachable store makes
 *   the upload or download fail with FILE_STORE_UNAVAILABLE (503), storing nothing.
 *
 * Loaded only when selected (src/server/storage.ts), so the SDK is not loaded otherwise.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { BlobStoreUnavailableError, type BlobStore, type ByteRange, type StagedBlob } from '../../core/files/ports.ts';
import { clearStaging, stageFile } from './disk.ts';

export interface S3Options {
  bucket: string;
  /** Empty: AWS itself (by region); else the store's URL, e.g. http://127.0.0.1:3900. */
  endpoint: string;
  region: string;
  /** Prepended to every object key (e.g. "banter/"). */
  prefix: string;
  /** Bucket in the path (http://host/bucket/key) instead of the host name: most self-hosted stores need it. */
  pathStyle: boolean;
  timeoutMs: number;
  /** Local directory for staged uploads. */
  stagingDir: string;
  /** Explicit credentials (tests); otherwise the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const HASH = /^[0-9a-f]{64}$/;

export class S3Blobs implements BlobStore {
  private readonly client: S3Client;
  private readonly opts: S3Options;

  constructor(opts: S3Options) {
    this.opts = opts;
    clearStaging(opts.stagingDir);
    this.client = new S3Client({
      region: opts.region,
      ...(opts.endpoint !== '' ? { endpoint: opts.endpoint } : {}),
      forcePathStyle: opts.pathStyle,
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      // Checksums only where S3 requires them: self-hosted stores often lack the newer
      // trailing-checksum uploads; blobs are named by their SHA-256 anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 2,
      requestHandler: { connectionTimeout: opts.timeoutMs, requestTimeout: opts.timeoutMs, throwOnRequestTimeout: true },
    });
  }

  private key(hash: string): string {
    return `${this.opts.prefix}blobs/${hash}`;
  }

  async stage(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StagedBlob> {
    const { path, size, hash, head } = await stageFile(this.opts.stagingDir, source, maxBytes);
    let done = false;
    return {
      size, hash, head, local: { path },
      commit: async () => {
        if (done) return;
        await this.call(() => this.client.send(new PutObjectCommand({
          Bucket: this.opts.bucket, Key: this.key(hash), Body: createReadStream(path), ContentLength: size, ContentType: 'application/octet-stream',
        })));
        done = true;
        await rm(path, { force: true });
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
    try {
      const r = await this.call(() => this.client.send(new GetObjectCommand({
        Bucket: this.opts.bucket, Key: this.key(hash), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
      })));
      return r.Body as AsyncIterable<Uint8Array> | undefined;
    } catch (err) {
      if (err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.$metadata.httpStatusCode === 404)) return undefined;
      throw err;
    }
  }

  async delete(hash: string): Promise<void> {
    if (!HASH.test(hash)) return;
    await this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.key(hash) })));
  }

  /** For GET /readyz: the bucket answers. */
  async ping(): Promise<void> {
    await this.call(() => this.client.send(new HeadBucketCommand({ Bucket: this.opts.bucket })));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** S3 answers (errors included) pass through; no answer at all becomes BlobStoreUnavailableError. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof S3ServiceException && err.$metadata.httpStatusCode !== undefined && err.$metadata.httpStatusCode < 500) throw err;
      throw new BlobStoreUnavailableError(`the object store at ${this.opts.endpoint || `S3 (${this.opts.region})`} did not answer: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

