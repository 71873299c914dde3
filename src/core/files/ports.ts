/**
 * The ports of file sharing (docs/storage.md, "Files"). Bytes and metadata are two ports, so
 * that a cluster can keep bytes in an S3-compatible object store and metadata in its
 * database, while one node keeps both under `dataDir` (src/storage/files/).
 *
 * BlobStore contract (test/contract/file-contract.ts checks every adapter):
 * - Blobs are content-addressed: the key is the SHA-256 (hex) of the bytes. Storing bytes
 *   that are already there stores nothing new.
 * - `stage` reads `source` to its end, at most `maxBytes` (beyond: rejects with
 *   BlobTooLargeError as soon as the limit is passed, having read no further and kept
 *   nothing). A staged blob is invisible to `open` until `commit`.
 * - `commit` resolves only when the bytes are durable (for a disk adapter: written, fsynced,
 *   renamed into place and the directory fsynced). If it rejects, nothing is visible.
 *   `discard` removes a staged blob; both are idempotent, and after either the staged blob
 *   is gone.
 * - `open(hash, range)` streams the bytes `start..end` inclusive (default: all); undefined
 *   when there is no such blob.
 * - `delete` removes a blob; deleting a missing one is a no-op.
 *
 * FileRecords contract:
 * - `create` is atomic with its limits: of concurrent creates that together would exceed
 *   the owner's quota or the store's total, those that do not fit resolve 'quota' / 'full'
 *   and store nothing.
 * - `attach` is all-or-nothing: every id must exist, belong to `owner` and be unattached
 *   ('attached'); else nothing changes and it resolves 'refused'. Attaching the same ids
 *   again to the same conversation with the same `key` (a resend) resolves 'again' and
 *   changes nothing. An attached file never changes
 *   conversation. `detach` undoes an attach (the message could not be stored).
 * - `revoke(id, at)` records that links issued up to `at` no longer work (revokedAt); false
 *   when there is no such file. A later revoke moves revokedAt forward, never back.
 * - `removeUnattached(before)` deletes the records of files never attached and created
 *   before `before`, and returns them (their blobs are the caller's to delete when
 *   `blobInUse` says no record uses them any more).
 * - Once a promise resolves, the change is durable for durable adapters.
 */

export interface FileRecord {
  /** Unguessable id (FileId). */
  id: string;
  /** SHA-256 hex of the stored bytes (after EXIF stripping). */
  hash: string;
  size: number;
  /** Sanitised name. */
  name: string;
  /** Sniffed media type. */
  type: string;
  /** Principal (owner.ts) of the uploader. */
  owner: string;
  createdAt: number;
  /** Conversation key the file was posted in; absent until attached to a message. */
  conv?: string;
  attachedAt?: number;
  /** Idempotency key of the message it was attached with (the send's resend key). */
  attachKey?: string;
  width?: number;
  height?: number;
  /** Blob hash of the thumbnail (WebP): for images, and videos with a poster frame. */
  thumb?: string;
  /** Links issued at or before this time (ms) are revoked (`file_revoke`). */
  revokedAt?: number;
}

export interface FileLimits {
  quotaBytes: number;
  totalBytes: number;
}

export interface FileRecords {
  create(rec: FileRecord, limits: FileLimits): Promise<'ok' | 'quota' | 'full'>;
  get(id: string): Promise<FileRecord | undefined>;
  attach(ids: readonly string[], owner: string, conv: string, at: number, key: string): Promise<'attached' | 'again' | 'refused'>;
  detach(ids: readonly string[]): Promise<void>;
  revoke(id: string, at: number): Promise<boolean>;
  /** Bytes of files owned by `owner` (attached or not). */
  usage(owner: string): Promise<number>;
  /** Bytes of all files. */
  total(): Promise<number>;
  removeUnattached(before: number): Promise<FileRecord[]>;
  /** Whether any record uses the blob (as its bytes or its thumbnail). */
  blobInUse(hash: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export interface StagedBlob {
  readonly size: number;
  readonly hash: string;
  /** The first bytes (up to 4 KiB), for sniffing the type. */
  readonly head: Uint8Array;
  /** Where the bytes can be read while staged (image processing): a local path or the bytes themselves. */
  readonly local: { path: string } | { bytes: Uint8Array };
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export interface BlobStore {
  stage(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StagedBlob>;
  open(hash: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined>;
  delete(hash: string): Promise<void>;
  close(): Promise<void>;
}

export class BlobTooLargeError extends Error {
  constructor(maxBytes: number) {
    super(`more than ${maxBytes} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

/** The blob store could not be reached or did not answer in time (a remote object store); nothing was stored. */
export class BlobStoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobStoreUnavailableError';
  }
}

/** What the image service makes of an uploaded image. */
export interface ProcessedImage {
  /**
   * The image re-encoded without metadata (EXIF, GPS, XMP, ICC comments), orientation applied:
   * its bytes in parts, in order (they arrive from the image worker process in slices, so no
   * step on the event loop handles the whole image at once).
   */
  stripped: readonly Uint8Array[];
  /** A small WebP preview. */
  thumb: Uint8Array;
  width: number;
  height: number;
}

/**
 * Image processing, off the event loop. Rejects with ImageRejectedError for malformed images
 * and for more than `maxPixels` pixels (decompression bombs), before decoding them.
 */
export interface ImageProcessor {
  process(input: { path: string } | { bytes: Uint8Array }, type: string): Promise<ProcessedImage>;
  /** Stops its workers (the file service's close). */
  close?(): Promise<void>;
}

export class ImageRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageRejectedError';
  }
}

/** A poster frame of a video (its first frame), as a WebP thumbnail. */
export interface VideoPoster {
  thumb: Uint8Array;
  width: number;
  height: number;
}

/**
 * Poster frames of uploaded videos, off the event loop (a bounded child process). Resolves
 * undefined when the video cannot be decoded in time or within its resource limits: the
 * file is then stored and shown as a card, without a thumbnail.
 */
export interface VideoProcessor {
  poster(input: { path: string } | { bytes: Uint8Array }, type: string): Promise<VideoPoster | undefined>;
}
