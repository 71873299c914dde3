/**
 * Image processing with sharp (libvips) in a worker thread (sharp-worker.ts, on the shared
 * WorkerPool): loading sharp, reading headers, decoding, re-encoding and thumbnailing all run
 * off the event loop, so the chat path never waits for an image (docs/benchmarks.md, "Files").
 * The worker refuses images over `maxPixels` before decoding them (decompression bombs),
 * re-encodes the image without metadata (EXIF incl. GPS, XMP, IPTC; orientation applied
 * first) and makes a WebP thumbnail that fits in `thumbSize` x `thumbSize`.
 *
 * On demand: the worker starts with the first image and stops after `idleMs` without one, so
 * a server nobody sends images to holds neither the worker nor sharp (libvips, about 20 MiB
 * of RSS). `parallel` workers at most (default 1), one image each; more images wait in a
 * bounded queue (`maxQueue`; beyond it IMAGE_UNAVAILABLE). A job that runs past `timeoutMs`,
 * or whose worker dies (a crash, its heap limit), fails with IMAGE_UNAVAILABLE — that upload
 * only: nothing of it is stored — and the worker is replaced for the next image.
 *
 * With `nice` > 0 (files.nice), the worker thread and the threads that decode and encode run
 * at that lower CPU priority (Linux; see sharp-worker.ts).
 */
import { ChatError } from '../../core/errors.ts';
import { ImageRejectedError, type ImageProcessor, type ProcessedImage } from '../../core/files/ports.ts';
import type { Logger } from '../../core/ports.ts';
import { siblingModule } from '../../core/module-url.ts';
import { WorkerPool } from '../../core/services/worker-pool.ts';
import type { SharpJob, SharpResult, SharpWorkerData } from './sharp-worker.ts';

export interface SharpOptions {
  maxPixels: number;
  thumbSize: number;
  /** libvips threads per image (sharp.concurrency). Default 1, so a core stays free for the event loop. */
  concurrency?: number;
  /** Images processed at once (worker threads); more wait their turn (default 1). */
  parallel?: number;
  /** Nice value (1–19) of the threads that process images; 0 or absent: unchanged. */
  nice?: number;
  /** Most time one image may take in the worker (default 60 s); then IMAGE_UNAVAILABLE and a fresh worker. */
  timeoutMs?: number;
  /** The worker stops after this long without an image (default 30 s). */
  idleMs?: number;
  /** Images that may wait for the worker (default 1000); more are refused with IMAGE_UNAVAILABLE. */
  maxQueue?: number;
  log?: Logger;
}

export const SHARP_DEFAULTS = { timeoutMs: 60_000, idleMs: 30_000, maxQueue: 1000 } as const;

const WORKER_URL = siblingModule(import.meta.url, 'sharp-worker');

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export class SharpImages implements ImageProcessor {
  private readonly pool: WorkerPool<SharpJob, SharpResult>;

  constructor(opts: SharpOptions) {
    const timeoutMs = opts.timeoutMs ?? SHARP_DEFAULTS.timeoutMs;
    const data: SharpWorkerData = { maxPixels: opts.maxPixels, thumbSize: opts.thumbSize, concurrency: opts.concurrency ?? 1, nice: opts.nice ?? 0 };
    this.pool = new WorkerPool<SharpJob, SharpResult>({
      url: WORKER_URL,
      workers: opts.parallel ?? 1,
      idleMs: opts.idleMs ?? SHARP_DEFAULTS.idleMs,
      timeoutMs,
      maxQueue: opts.maxQueue ?? SHARP_DEFAULTS.maxQueue,
      // The JavaScript heap only (pixels live in libvips' memory): the worker's own objects are small.
      resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      workerData: data,
      label: 'image',
      errors: {
        busy: (why) => new ChatError('IMAGE_UNAVAILABLE', why === 'full' ? 'too many images are waiting to be processed; nothing was stored, try again shortly'
          : why === 'closed' ? 'the server is shutting down; nothing was stored' : 'image processing cannot start on this server (is sharp installed?); nothing was stored'),
        timeout: () => new ChatError('IMAGE_UNAVAILABLE', `processing the image took longer than ${timeoutMs} ms (files.imageTimeoutMs); nothing was stored`),
        died: (cause) => new ChatError('IMAGE_UNAVAILABLE', `the image worker ${cause === 'error' ? 'failed' : 'stopped'} while processing the image; nothing was stored, try again`),
      },
    }, opts.log ?? quiet);
  }

  /** Worker threads alive now (starting, busy or idle). */
  get workers(): number {
    return this.pool.size;
  }

  async process(input: { path: string } | { bytes: Uint8Array }, type: string): Promise<ProcessedImage> {
    const r = await this.run({ kind: 'image', input, type });
    if (r.kind !== 'image') throw new Error('image worker: wrong answer');
    return { stripped: r.stripped, thumb: r.thumb, width: r.width, height: r.height };
  }

  /** A PNG (a video's poster frame) as a WebP thumbnail, in the worker; ImageRejectedError when it is not a PNG within `maxPixels` pixels. */
  async webp(png: Uint8Array, maxPixels: number): Promise<Uint8Array> {
    const r = await this.run({ kind: 'webp', png, maxPixels });
    if (r.kind !== 'webp') throw new Error('image worker: wrong answer');
    return r.thumb;
  }

  private async run(job: SharpJob): Promise<SharpResult> {
    try {
      return await this.pool.run(job);
    } catch (err) {
      if (err instanceof ChatError && err.code === 'IMAGE_INVALID') throw new ImageRejectedError(err.message);
      throw err;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
