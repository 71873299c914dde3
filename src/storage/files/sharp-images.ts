/**
 * Image processing with sharp (libvips): runs on libvips' own threads, off the event loop.
 * Refuses images over `maxPixels` before decoding them (decompression bombs), re-encodes the
 * image without metadata (EXIF incl. GPS, XMP, IPTC; orientation applied first) and makes a
 * WebP thumbnail that fits in `thumbSize` x `thumbSize`.
 *
 * sharp (and libvips with it, about 20 MiB of RSS) is loaded on the first image, not at
 * start: a server nobody sends images to does not pay for it.
 *
 * With `nice` > 0 (files.nice), the threads that do the decoding and encoding run at that
 * lower CPU priority (Linux): libuv's thread pool, where sharp's jobs run, and libvips'
 * workers (which inherit it when the pool creates them; any made before are reniced at the
 * next image). The event loop and the store's worker thread, the chat path, keep theirs, so on
 * a small machine an image being processed waits for chat, not the other way round.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Metadata, Sharp } from 'sharp';

type SharpFn = typeof import('sharp')['default'];
import { ImageRejectedError, type ImageProcessor, type ProcessedImage } from '../../core/files/ports.ts';
import { Slots } from '../../core/slots.ts';

export interface SharpOptions {
  maxPixels: number;
  thumbSize: number;
  /** libvips threads per image (sharp.concurrency). Default 1, so a core stays free for the event loop. */
  concurrency?: number;
  /** Images processed at once; more wait their turn (default 1). */
  parallel?: number;
  /** Nice value (1–19) of the threads that process images; 0 or absent: unchanged. */
  nice?: number;
}

/** Thread names of the workers that run image work: libuv's pool and libvips' own. */
const WORKER_THREADS = new Set(['libuv-worker', 'libvips worker']);

export class SharpImages implements ImageProcessor {
  private readonly opts: SharpOptions;
  private readonly slots: Slots;
  private lib: Promise<SharpFn> | undefined;
  /** Threads already reniced (thread ids). */
  private readonly niced = new Set<string>();

  constructor(opts: SharpOptions) {
    this.opts = opts;
    this.slots = new Slots(opts.parallel ?? 1);
  }

  private sharp(): Promise<SharpFn> {
    this.lib ??= import('sharp').then((m) => {
      const sharp = m.default;
      sharp.cache(false);
      sharp.concurrency(this.opts.concurrency ?? 1);
      return sharp;
    });
    return this.lib;
  }

  async process(input: { path: string } | { bytes: Uint8Array }, type: string): Promise<ProcessedImage> {
    return this.slots.run(() => this.run(input, type));
  }

  private async run(input: { path: string } | { bytes: Uint8Array }, type: string): Promise<ProcessedImage> {
    const src = 'path' in input ? input.path : Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
    const animated = type === 'image/gif' || type === 'image/webp';
    const sharp = await this.sharp();
    this.lowerPriority();
    const open = (): Sharp => sharp(src, { limitInputPixels: this.opts.maxPixels, failOn: 'error', animated, sequentialRead: true });
    let meta: Metadata;
    try {
      meta = await open().metadata();
    } catch (err) {
      throw new ImageRejectedError(reason(err));
    }
    const width = meta.width ?? 0;
    const height = meta.pageHeight ?? meta.height ?? 0;
    if (width === 0 || height === 0) throw new ImageRejectedError('the image has no size');
    if (width * height * (meta.pages ?? 1) > this.opts.maxPixels) throw new ImageRejectedError(`${width}x${height}${(meta.pages ?? 1) > 1 ? ` x ${meta.pages} frames` : ''} is more than files.maxPixels`);
    try {
      // sharp drops all metadata unless asked to keep it; rotate() applies the EXIF orientation first.
      const base = open().rotate();
      const stripped = type === 'image/png' ? base.png() : type === 'image/jpeg' ? base.jpeg({ quality: 90, mozjpeg: false }) : type === 'image/gif' ? base.gif() : base.webp();
      // One after the other, not at once: one image keeps one thread busy, so on a small
      // machine a core stays free for the event loop (docs/benchmarks.md, "Files").
      const out = await stripped.toBuffer();
      const thumb = await sharp(src, { limitInputPixels: this.opts.maxPixels, failOn: 'error', sequentialRead: true }).rotate().resize(this.opts.thumbSize, this.opts.thumbSize, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 75 }).toBuffer();
      const rotated = (meta.orientation ?? 1) >= 5;
      return { stripped: out, thumb, width: rotated ? height : width, height: rotated ? width : height };
    } catch (err) {
      throw new ImageRejectedError(reason(err));
    }
  }

  /** Renices this process's image worker threads not yet reniced (Linux; elsewhere nothing). */
  private lowerPriority(): void {
    const nice = this.opts.nice ?? 0;
    if (nice <= 0) return;
    let tids: string[];
    try {
      tids = readdirSync('/proc/self/task');
    } catch {
      return;
    }
    for (const tid of tids) {
      if (this.niced.has(tid)) continue;
      try {
        if (!WORKER_THREADS.has(readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim())) continue;
        setPriority(Number(tid), nice);
        this.niced.add(tid);
      } catch {
        // The thread ended meanwhile.
      }
    }
    // Bounded: thread ids of threads that ended are forgotten with the rest.
    if (this.niced.size > 1000) this.niced.clear();
  }
}

function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg)) return 'more pixels than files.maxPixels';
  return msg.split('\n')[0]!.slice(0, 200);
}
