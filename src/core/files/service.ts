/**
 * File sharing (docs/protocol.md "Files", docs/security.md "Files"): upload tickets, the
 * checks an upload passes before it is acknowledged, attaching files to a message, and the
 * signed links that give the bytes to members of the conversation.
 *
 * An upload is: `upload {name, size}` over the chat connection (a command: flood control,
 * login, quota and upload rate apply) -> a one-time signed URL -> HTTP PUT of exactly `size`
 * bytes -> staged, sniffed, denylist-checked, images re-encoded without metadata and
 * thumbnailed off the event loop (videos: a poster frame, by a bounded child process), committed durably, and only then the record created and
 * the upload acknowledged. `send {files}` attaches the files to the message's conversation
 * (once, never moved), and from then on `file_links` gives members signed, expiring links.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { formatSize, isImageType, isVideoType, sanitizeFileName, type FileRef } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import type { Clock, Logger } from '../ports.ts';
import { TokenBucket } from '../rate-limit.ts';
import { BlobStoreUnavailableError, BlobTooLargeError, ImageRejectedError, type BlobStore, type FileRecord, type FileRecords, type ImageProcessor, type StagedBlob, type VideoProcessor } from './ports.ts';
import { extensionOf, sniffType } from './sniff.ts';

export interface FilesConfig {
  maxBytes: number;
  perMessage: number;
  quotaBytes: number;
  totalBytes: number;
  uploadBurst: number;
  uploadsPerHour: number;
  /** Lower-case extensions refused whatever the content. */
  denyExtensions: ReadonlySet<string>;
  /** Lifetime of links handed out by `file_links`. */
  linkTtlMs: number;
  /** Lifetime of links shown to IRC users (who cannot ask for fresh ones). */
  ircLinkTtlMs: number;
  /** Lifetime of an upload URL. */
  uploadTtlMs: number;
  /** Uploads never attached to a message are deleted after this long. */
  pendingTtlMs: number;
}

export interface FileServiceDeps {
  records: FileRecords;
  blobs: BlobStore;
  /** Thumbnails and metadata stripping; without it images are stored as they came (and get no thumbnail). */
  images?: ImageProcessor;
  /** Poster frames of videos; without it (or when it cannot decode one) videos get no thumbnail. */
  videos?: VideoProcessor;
  clock: Clock;
  log: Logger;
  config: FilesConfig;
  /** HMAC key of upload and download links (32 random bytes; rotating it revokes every link). */
  linkKey: Uint8Array;
}

interface UploadClaim { k: 'u'; f: string; o: string; n: string; s: number; e: number }
/** `i`: when the link was issued (links issued at or before the file's revokedAt are revoked). */
interface LinkClaim { k: 'd' | 't'; f: string; e: number; i?: number }

export const FILES_PATH = '/files/';

const b64 = (b: Uint8Array | string): string => Buffer.from(b).toString('base64url');

export class FileService {
  readonly config: FilesConfig;
  private readonly deps: FileServiceDeps;
  private readonly buckets = new Map<string, TokenBucket>();
  /** Upload ids with a PUT in progress (a ticket is used once). */
  private readonly inFlight = new Set<string>();
  /** Blob hashes an upload in progress has committed but not yet recorded: never deleted meanwhile. */
  private readonly committing = new Map<string, number>();
  private sweeper: NodeJS.Timeout | undefined;
  /** The latest revocation time this service set: links are issued after it, even within the same millisecond. */
  private lastRevoke = 0;

  constructor(deps: FileServiceDeps) {
    this.deps = deps;
    this.config = deps.config;
    const every = Math.max(1000, Math.min(60_000, deps.config.pendingTtlMs));
    this.sweeper = setInterval(() => { this.sweep().catch((err: unknown) => deps.log.error({ err }, 'file sweep failed')); }, every);
    this.sweeper.unref();
  }

  // ------------------------------------------------------------------ upload

  /** An upload ticket for `owner`: checks size, type by name, quota and the upload rate first. */
  async ticket(owner: string, rawName: string, size: number): Promise<{ file: string; name: string; url: string; expires: number }> {
    const { config, clock } = this.deps;
    const name = sanitizeFileName(rawName);
    if (size > config.maxBytes) throw new ChatError('FILE_TOO_LARGE', `the file is ${formatSize(size)}; at most ${formatSize(config.maxBytes)} is allowed (files.maxBytes)`);
    this.checkName(name);
    if ((await this.deps.records.usage(owner)) + size > config.quotaBytes) throw quotaError(config.quotaBytes);
    if ((await this.deps.records.total()) + size > config.totalBytes) throw new ChatError('FILE_STORAGE_FULL');
    const now = clock.now();
    this.takeUpload(owner, now);
    const expires = now + config.uploadTtlMs;
    const file = b64(randomBytes(16));
    const token = this.sign({ k: 'u', f: file, o: owner, n: name, s: size, e: expires });
    return { file, name, url: `${FILES_PATH}upload?t=${token}`, expires };
  }

  /** Takes one upload from the owner's budget (files.uploadBurst, files.uploadsPerHour), or refuses. */
  private takeUpload(owner: string, now: number): void {
    let bucket = this.buckets.get(owner);
    if (!bucket) {
      // Bounded: past 10,000 owners, forget them all (each gets a fresh burst: a soft bound, not a hole).
      if (this.buckets.size >= 10_000) this.buckets.clear();
      bucket = new TokenBucket({ burst: this.config.uploadBurst, ratePerSec: this.config.uploadsPerHour / 3600 }, now);
      this.buckets.set(owner, bucket);
    }
    const wait = bucket.waitMs(now);
    if (wait > 0) throw new ChatError('FILE_UPLOAD_THROTTLED', `too many uploads; the next one is possible in ${Math.ceil(wait / 1000)} s (files.uploadBurst, files.uploadsPerHour)`);
    bucket.reserve(now, 0);
  }

  private checkName(name: string): void {
    const ext = extensionOf(name);
    if (ext !== '' && this.config.denyExtensions.has(ext)) throw new ChatError('FILE_TYPE_DENIED', `files ending in .${ext} are not allowed (files.denyExtensions)`);
  }

  /**
   * Receives the bytes of an upload (the HTTP PUT). Resolves, with the file as messages will
   * show it, only once bytes and record are durable; on any refusal nothing stays stored.
   */
  async receive(token: string, body: AsyncIterable<Uint8Array>, contentLength: number | undefined): Promise<FileRef> {
    return this.unavailableAs503(() => this.store(token, body, contentLength));
  }

  /** A blob store that cannot be reached (S3) is FILE_STORE_UNAVAILABLE for the client; the details go to the log. */
  private async unavailableAs503<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof BlobStoreUnavailableError)) throw err;
      this.deps.log.error({ err }, 'file store unavailable');
      throw new ChatError('FILE_STORE_UNAVAILABLE', 'the file store is unreachable; nothing was stored, try again later');
    }
  }

  private async store(token: string, body: AsyncIterable<Uint8Array>, contentLength: number | undefined): Promise<FileRef> {
    const claim = this.verify(token);
    if (claim?.k !== 'u' || claim.e < this.deps.clock.now()) throw new ChatError('LINK_INVALID', 'the upload URL is malformed, forged or expired; ask for a new one with `upload`');
    if (contentLength !== undefined && contentLength !== claim.s) throw new ChatError('FILE_INCOMPLETE', `the body is ${contentLength} bytes but the upload announced ${claim.s}`);
    // Claimed before the first await, so two uses of one URL at once cannot both get past here.
    if (this.inFlight.has(claim.f)) throw new ChatError('LINK_INVALID', 'this upload URL is already in use');
    this.inFlight.add(claim.f);
    const staged: StagedBlob[] = [];
    const committed: string[] = [];
    try {
      if (await this.deps.records.get(claim.f)) throw new ChatError('LINK_INVALID', 'this upload URL was already used');
      let blob: StagedBlob;
      try {
        blob = await this.deps.blobs.stage(body, claim.s);
      } catch (err) {
        if (err instanceof BlobTooLargeError) throw new ChatError('FILE_INCOMPLETE', `the body is longer than the ${claim.s} bytes announced`);
        throw err;
      }
      staged.push(blob);
      if (blob.size !== claim.s) throw new ChatError('FILE_INCOMPLETE', `the body is ${blob.size} bytes but the upload announced ${claim.s}`);
      const sniffed = sniffType(blob.head);
      if (sniffed.executable) throw new ChatError('FILE_TYPE_DENIED', `executable files (${sniffed.type}) are not allowed`);
      this.checkName(claim.n);
      let toCommit = [blob];
      const rec: FileRecord = { id: claim.f, hash: blob.hash, size: blob.size, name: claim.n, type: sniffed.type, owner: claim.o, createdAt: this.deps.clock.now() };
      if (isImageType(sniffed.type) && this.deps.images) {
        let img;
        try {
          img = await this.deps.images.process(blob.local, sniffed.type);
        } catch (err) {
          if (err instanceof ImageRejectedError) throw new ChatError('IMAGE_INVALID', `the image was refused: ${err.message}`);
          throw err;
        }
        // Re-encoding can make an image larger than its original (a JPEG saved at a lower
        // quality). Storing the original instead is not safe (its metadata, GPS included, is
        // what re-encoding removes), so the upload is refused, before anything of it is stored.
        const strippedBytes = img.stripped.reduce((n, p) => n + p.byteLength, 0);
        if (strippedBytes > this.config.maxBytes) throw reencodedTooLarge(strippedBytes, this.config.maxBytes);
        // Counted above: stage's own bound (the same bytes) cannot be passed any more.
        const stripped = await this.deps.blobs.stage(each(img.stripped), this.config.maxBytes);
        staged.push(stripped);
        const thumb = await this.deps.blobs.stage(once(img.thumb), this.config.maxBytes);
        staged.push(thumb);
        toCommit = [stripped, thumb];
        Object.assign(rec, { hash: stripped.hash, size: stripped.size, width: img.width, height: img.height, thumb: thumb.hash });
      } else if (isVideoType(sniffed.type) && this.deps.videos) {
        const poster = await this.deps.videos.poster(blob.local, sniffed.type);
        if (poster) {
          const thumb = await this.deps.blobs.stage(once(poster.thumb), this.config.maxBytes);
          staged.push(thumb);
          toCommit = [blob, thumb];
          Object.assign(rec, { width: poster.width, height: poster.height, thumb: thumb.hash });
        }
      }
      for (const s of toCommit) {
        this.hold(s.hash, +1);
        committed.push(s.hash);
        await s.commit();
      }
      const made = await this.deps.records.create(rec, { quotaBytes: this.config.quotaBytes, totalBytes: this.config.totalBytes });
      if (made === 'quota') throw quotaError(this.config.quotaBytes);
      if (made === 'full') throw new ChatError('FILE_STORAGE_FULL');
      this.deps.log.info({ file: rec.id, size: rec.size, type: rec.type }, 'file stored');
      const out = toRef(rec);
      for (const h of committed.splice(0)) this.hold(h, -1);
      return out;
    } finally {
      this.inFlight.delete(claim.f);
      for (const s of staged) await s.discard().catch(() => undefined);
      // A refused upload leaves nothing behind: blobs it committed go unless a record uses them.
      for (const h of committed) {
        this.hold(h, -1);
        // Best effort: a failing delete (store unreachable) must not hide why the upload was refused.
        await this.deleteIfUnused(h).catch((err: unknown) => this.deps.log.warn({ err, hash: h }, 'could not delete the blob of a refused upload'));
      }
    }
  }

  private hold(hash: string, d: number): void {
    const n = (this.committing.get(hash) ?? 0) + d;
    if (n <= 0) this.committing.delete(hash);
    else this.committing.set(hash, n);
  }

  private async deleteIfUnused(hash: string): Promise<void> {
    if (this.committing.has(hash) || (await this.deps.records.blobInUse(hash))) return;
    await this.deps.blobs.delete(hash);
  }

  // ------------------------------------------------------------------ messages

  /**
   * Attaches uploads of `owner` to conversation `conv` for a message (idempotent for the same
   * `key`, so a resend of the message succeeds). NO_SUCH_FILE unless every file is the
   * owner's and unattached; TOO_MANY_FILES beyond files.perMessage or for a repeated id.
   */
  async attach(owner: string, ids: readonly string[], conv: string, key: string): Promise<{ files: FileRef[]; fresh: boolean }> {
    if (ids.length > this.config.perMessage || new Set(ids).size !== ids.length) throw new ChatError('TOO_MANY_FILES', `at most ${this.config.perMessage} different files per message (files.perMessage)`);
    const done = await this.deps.records.attach(ids, owner, conv, this.deps.clock.now(), key);
    if (done === 'refused') throw new ChatError('NO_SUCH_FILE', 'a file is unknown, not uploaded by you, or already attached to a message');
    const recs = await Promise.all(ids.map((id) => this.deps.records.get(id)));
    return { files: recs.map((r) => toRef(r!)), fresh: done === 'attached' };
  }

  /** Undoes `attach` when the message could not be stored. */
  async detach(ids: readonly string[]): Promise<void> {
    await this.deps.records.detach(ids);
  }

  record(id: string): Promise<FileRecord | undefined> {
    return this.deps.records.get(id);
  }

  // ------------------------------------------------------------------ links

  /** Signed links (paths on this server) to an attached file and its thumbnail, valid for `ttlMs`. */
  links(rec: { id: string; name: string; thumb?: string | boolean }, ttlMs = this.config.linkTtlMs): { url: string; thumb?: string; expires: number } {
    const now = this.deps.clock.now();
    const expires = now + ttlMs;
    const i = Math.max(now, this.lastRevoke + 1);
    const url = `${FILES_PATH}${rec.id}/${encodeURIComponent(rec.name)}?t=${this.sign({ k: 'd', f: rec.id, e: expires, i })}`;
    return rec.thumb ? { url, thumb: `${FILES_PATH}${rec.id}/.thumb.webp?t=${this.sign({ k: 't', f: rec.id, e: expires, i })}`, expires } : { url, expires };
  }

  /**
   * The file a download link names. LINK_INVALID unless the link is genuine, unexpired, of
   * that kind and its file attached; LINK_REVOKED when the file's links were revoked after
   * this one was issued (`file_revoke`: members get fresh links from `file_links`).
   */
  async resolveLink(id: string, token: string, kind: 'd' | 't'): Promise<FileRecord> {
    const claim = this.verify(token);
    const link = claim?.k === kind && claim.f === id && claim.e >= this.deps.clock.now() ? claim : undefined;
    const rec = link && (await this.deps.records.get(id));
    if (!link || rec?.conv === undefined) throw new ChatError('LINK_INVALID', 'the link is malformed, forged or expired, or the file is gone; ask for a fresh link');
    if (rec.revokedAt !== undefined && (link.i ?? 0) <= rec.revokedAt) throw new ChatError('LINK_REVOKED', 'the links to this file were revoked; members can ask for a fresh link');
    return rec;
  }

  /**
   * Revokes every link to the file issued until now (download, thumbnail, IRC links); links
   * issued afterwards work. The caller checks who may (commands/files.ts `file_revoke`).
   */
  async revoke(id: string): Promise<number> {
    const at = Math.max(this.deps.clock.now(), this.lastRevoke + 1);
    if (!(await this.deps.records.revoke(id, at))) throw new ChatError('NO_SUCH_FILE');
    this.lastRevoke = at;
    return at;
  }

  /**
   * The files of a deleted message: every link to them stops working at once (revoked), and
   * they are detached, so the sweep deletes their records and unused blobs (at once for files
   * older than files.pendingTtlMs, else when they reach it). Ids no longer known are skipped.
   */
  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    for (const id of ids) {
      try {
        await this.revoke(id);
      } catch (err) {
        if (!(err instanceof ChatError && err.code === 'NO_SUCH_FILE')) throw err;
      }
    }
    await this.deps.records.detach(ids);
    await this.sweep();
  }

  openBlob(hash: string, range?: { start: number; end: number }): Promise<AsyncIterable<Uint8Array> | undefined> {
    return this.unavailableAs503(() => this.deps.blobs.open(hash, range));
  }

  private sign(claim: UploadClaim | LinkClaim): string {
    const payload = b64(JSON.stringify(claim));
    return `${payload}.${b64(createHmac('sha256', this.deps.linkKey).update(payload).digest())}`;
  }

  private verify(token: string): UploadClaim | LinkClaim | undefined {
    if (token.length > 2048) return undefined;
    const dot = token.indexOf('.');
    if (dot < 0) return undefined;
    const payload = token.slice(0, dot);
    const sig = Buffer.from(token.slice(dot + 1), 'base64url');
    const want = createHmac('sha256', this.deps.linkKey).update(payload).digest();
    if (sig.length !== want.length || !timingSafeEqual(sig, want)) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as UploadClaim | LinkClaim;
    } catch {
      return undefined;
    }
  }

  // ------------------------------------------------------------------ housekeeping

  /** Deletes uploads never attached within files.pendingTtlMs, and their blobs when unused. */
  async sweep(): Promise<number> {
    const gone = await this.deps.records.removeUnattached(this.deps.clock.now() - this.config.pendingTtlMs);
    for (const r of gone) {
      await this.deleteIfUnused(r.hash);
      if (r.thumb) await this.deleteIfUnused(r.thumb);
    }
    return gone.length;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    await this.deps.images?.close?.();
    await this.deps.records.close();
    await this.deps.blobs.close();
  }
}

function reencodedTooLarge(size: number, max: number): ChatError {
  return new ChatError('FILE_TOO_LARGE', `without its metadata (re-encoded, as every image is) this image is ${formatSize(size)}, more than the ${formatSize(max)} allowed (files.maxBytes); nothing was stored: upload it smaller or at a lower quality`);
}

function quotaError(quota: number): ChatError {
  return new ChatError('FILE_QUOTA_EXCEEDED', `your files would use more than ${formatSize(quota)} (files.quotaBytes)`);
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

async function* each(parts: readonly Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* parts;
}

export function toRef(r: FileRecord): FileRef {
  return {
    id: r.id, name: r.name, size: r.size, type: r.type,
    ...(r.width !== undefined ? { width: r.width, height: r.height } : {}),
    ...(r.thumb !== undefined ? { thumb: true } : {}),
  };
}
