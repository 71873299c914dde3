/**
 * Worker-thread entry of image processing (sharp-images.ts runs it on the shared WorkerPool):
 * everything sharp does — loading it (dlopen of libvips, its JavaScript, N-API set-up: about
 * 60 ms of CPU), reading the image's header, decoding, re-encoding, thumbnailing, and copying
 * the results into transferable memory — happens on this thread and libvips' own, never on
 * the server's event loop. One job at a time per worker.
 *
 * Refuses images over `maxPixels` before decoding them (decompression bombs) and re-encodes
 * the image without metadata (EXIF incl. GPS, XMP, IPTC; orientation applied first), with a
 * WebP thumbnail that fits in `thumbSize` x `thumbSize`. Refusals are ChatError IMAGE_INVALID
 * (the pool carries the code and message to the caller).
 *
 * With `nice` > 0 (files.nice), this thread and the threads that decode and encode run at
 * that lower CPU priority (Linux): libuv's thread pool, where sharp's jobs run, and libvips'
 * workers (which inherit it when the pool creates them; any made before are reniced at the
 * next job). The event loop and the store's worker thread, the chat path, keep theirs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import type { Metadata, Sharp } from 'sharp';
import { ChatError } from '../../core/errors.ts';
import { serveJobs } from '../../core/services/worker-pool.ts';

export interface SharpWorkerData {
  maxPixels: number;
  thumbSize: number;
  /** libvips threads per image (sharp.concurrency). */
  concurrency: number;
  /** Nice value (1–19) of this thread and the image threads; 0: unchanged. */
  nice: number;
}

export type SharpJob =
  | { kind: 'image'; input: { path: string } | { bytes: Uint8Array }; type: string }
  /** A poster frame (PNG from ffmpeg) as a WebP thumbnail; at most `maxPixels` pixels. */
  | { kind: 'webp'; png: Uint8Array; maxPixels: number };

export type SharpResult =
  | { kind: 'image'; stripped: Uint8Array<ArrayBuffer>; thumb: Uint8Array<ArrayBuffer>; width: number; height: number }
  | { kind: 'webp'; thumb: Uint8Array<ArrayBuffer> };

/** Thread names of the workers that run image work: libuv's pool and libvips' own. */
const WORKER_THREADS = new Set(['libuv-worker', 'libvips worker']);

const opts = workerData as SharpWorkerData;
const { default: sharp } = await import('sharp');
sharp.cache(false);
sharp.concurrency(opts.concurrency);
/** Threads already reniced (thread ids). */
const niced = new Set<string>();
if (opts.nice > 0) {
  try {
    setPriority(opts.nice); // Linux: this thread only
  } catch {
    // Not permitted here: the image threads below are what matters.
  }
}

serveJobs<SharpJob, SharpResult>(async (job) => {
  lowerPriority();
  if (job.kind === 'webp') {
    try {
      const thumb = await sharp(job.png, { limitInputPixels: job.maxPixels, failOn: 'error' }).webp({ quality: 75 }).toBuffer();
      return { kind: 'webp', thumb: own(thumb) };
    } catch (err) {
      throw new ChatError('IMAGE_INVALID', reason(err));
    }
  }
  return processImage(job.input, job.type);
}, 'IMAGE_UNAVAILABLE', (r) => r.kind === 'image' ? [r.stripped.buffer, r.thumb.buffer] : [r.thumb.buffer]);

async function processImage(input: { path: string } | { bytes: Uint8Array }, type: string): Promise<SharpResult> {
  const src = 'path' in input ? input.path : Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
  const animated = type === 'image/gif' || type === 'image/webp';
  const open = (): Sharp => sharp(src, { limitInputPixels: opts.maxPixels, failOn: 'error', animated, sequentialRead: true });
  let meta: Metadata;
  try {
    meta = await open().metadata();
  } catch (err) {
    throw new ChatError('IMAGE_INVALID', reason(err));
  }
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width === 0 || height === 0) throw new ChatError('IMAGE_INVALID', 'the image has no size');
  if (width * height * (meta.pages ?? 1) > opts.maxPixels) throw new ChatError('IMAGE_INVALID', `${width}x${height}${(meta.pages ?? 1) > 1 ? ` x ${meta.pages} frames` : ''} is more than files.maxPixels`);
  try {
    // sharp drops all metadata unless asked to keep it; rotate() applies the EXIF orientation first.
    const base = open().rotate();
    const stripped = type === 'image/png' ? base.png() : type === 'image/jpeg' ? base.jpeg({ quality: 90, mozjpeg: false }) : type === 'image/gif' ? base.gif() : base.webp();
    // One after the other, not at once: one image keeps one thread busy, so on a small
    // machine a core stays free for the event loop (docs/benchmarks.md, "Files").
    const out = own(await stripped.toBuffer());
    const thumb = own(await sharp(src, { limitInputPixels: opts.maxPixels, failOn: 'error', sequentialRead: true }).rotate().resize(opts.thumbSize, opts.thumbSize, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 75 }).toBuffer());
    const rotated = (meta.orientation ?? 1) >= 5;
    return { kind: 'image', stripped: out, thumb, width: rotated ? height : width, height: rotated ? width : height };
  } catch (err) {
    throw new ChatError('IMAGE_INVALID', reason(err));
  }
}

/**
 * The bytes in an ArrayBuffer of their own, so they can be transferred to the event loop
 * (moved, not copied there): sharp's buffers may be views into memory libvips owns or share
 * a pooled ArrayBuffer. The copy is made here, on this thread.
 */
function own(b: Buffer): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(b.byteLength));
  out.set(b);
  return out;
}

/** Renices this process's image worker threads not yet reniced (Linux; elsewhere nothing). */
function lowerPriority(): void {
  if (opts.nice <= 0) return;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  for (const tid of tids) {
    if (niced.has(tid)) continue;
    try {
      if (!WORKER_THREADS.has(readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim())) continue;
      setPriority(Number(tid), opts.nice);
      niced.add(tid);
    } catch {
      // The thread ended meanwhile.
    }
  }
  // Bounded: thread ids of threads that ended are forgotten with the rest.
  if (niced.size > 1000) niced.clear();
}

function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg)) return 'more pixels than files.maxPixels';
  return msg.split('\n')[0]!.slice(0, 200);
}
