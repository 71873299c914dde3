/**
 * Child-process entry of image processing (sharp-images.ts starts it, niced, with an empty
 * environment and an IPC channel): everything sharp does — loading it (dlopen of libvips, its
 * JavaScript, N-API set-up: about 60 ms of CPU), reading the image's header, decoding,
 * re-encoding and thumbnailing — happens in this process, on its own thread pool, never in
 * the server's. One job at a time: `{ id, job }` in, `{ id, ok, result | code, message }` out.
 *
 * Refuses images over `maxPixels` before decoding them (decompression bombs) and re-encodes
 * the image without metadata (EXIF incl. GPS, XMP, IPTC; orientation applied first), with a
 * WebP thumbnail that fits in `thumbSize` x `thumbSize`. Refusals are IMAGE_INVALID; running
 * out of memory (the address-space limit files.imageMemoryBytes, or the machine's) is the
 * server's limit, not the file's fault: IMAGE_UNAVAILABLE (503), like a crash of this process.
 *
 * Options come as JSON in argv[2]. The process ends when its parent disconnects.
 */
import type { Metadata, Sharp } from 'sharp';

export interface SharpChildOptions {
  maxPixels: number;
  thumbSize: number;
  /** libvips threads per image (sharp.concurrency). */
  concurrency: number;
}

export type SharpJob =
  | { kind: 'image'; input: { path: string } | { bytes: Uint8Array }; type: string }
  /** A poster frame (PNG from ffmpeg) as a WebP thumbnail; at most `maxPixels` pixels. */
  | { kind: 'webp'; png: Uint8Array; maxPixels: number };

/** An image's stripped bytes come first, as `part` messages (in order); the result then has `parts`, their number. */
export type SharpResult =
  | { kind: 'image'; parts: number; thumb: Uint8Array; width: number; height: number }
  | { kind: 'webp'; thumb: Uint8Array };

export type SharpReply = { ready: true } | { id: number; part: Uint8Array } | { id: number; ok: true; result: SharpResult } | { id: number; ok: false; code: 'IMAGE_INVALID' | 'IMAGE_UNAVAILABLE'; message: string };

/**
 * Bytes per `part` message. The parent reads each IPC message whole and then copies and
 * deserialises it in one step on its event loop: a 12 MB image in one message was one 10–18 ms
 * step there (docs/benchmarks.md, "Files"); 1 MiB parts are well under a millisecond each.
 */
export const PART_BYTES = 1024 * 1024;

class Refused extends Error {}

/**
 * Messages with which libvips and the decoders it uses report a failed allocation: libvips'
 * own ("vips_tracked: out of memory -- size == 411MB", "out of memory reading ..."), libjpeg's
 * ("Insufficient memory (case N)"), glib/C++ ("bad_alloc", "Cannot allocate memory") and
 * Node's ("Array buffer allocation failed"). Not libpng's "Insufficient memory for <chunk>",
 * which is its per-chunk limit on what the file declares: the file's fault (IMAGE_INVALID).
 */
const OUT_OF_MEMORY = /out of memory|insufficient memory \(case|cannot allocate memory|allocation failed|bad_alloc/i;

/** An allocation failed while processing: the server's limit (IMAGE_UNAVAILABLE), not a bad file. */
class OutOfMemory extends Error {}

const opts = JSON.parse(process.argv[2] ?? '{}') as SharpChildOptions;
const { default: sharp } = await import('sharp');
sharp.cache(false);
sharp.concurrency(opts.concurrency);

const send = (reply: SharpReply): void => { process.send?.(reply); };
process.on('disconnect', () => process.exit(0));
process.on('message', (msg: { id: number; job: SharpJob }) => {
  handle(msg.job, (part) => send({ id: msg.id, part })).then(
    (result) => send({ id: msg.id, ok: true, result }),
    (err: unknown) => send(err instanceof Refused
      ? { id: msg.id, ok: false, code: 'IMAGE_INVALID', message: err.message }
      : err instanceof OutOfMemory
        ? { id: msg.id, ok: false, code: 'IMAGE_UNAVAILABLE', message: 'processing the image needed more memory than the image worker may use (files.imageMemoryBytes); nothing was stored' }
        : { id: msg.id, ok: false, code: 'IMAGE_UNAVAILABLE', message: 'the image worker failed' }),
  );
});
send({ ready: true });

async function handle(job: SharpJob, sendPart: (part: Uint8Array) => void): Promise<SharpResult> {
  if (job.kind === 'webp') {
    try {
      return { kind: 'webp', thumb: await sharp(job.png, { limitInputPixels: job.maxPixels, failOn: 'error' }).webp({ quality: 75 }).toBuffer() };
    } catch (err) {
      throw refusal(err);
    }
  }
  const { input, type } = job;
  const src = 'path' in input ? input.path : Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
  const animated = type === 'image/gif' || type === 'image/webp';
  const open = (): Sharp => sharp(src, { limitInputPixels: opts.maxPixels, failOn: 'error', animated, sequentialRead: true });
  let meta: Metadata;
  try {
    meta = await open().metadata();
  } catch (err) {
    throw refusal(err);
  }
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width === 0 || height === 0) throw new Refused('the image has no size');
  if (width * height * (meta.pages ?? 1) > opts.maxPixels) throw new Refused(`${width}x${height}${(meta.pages ?? 1) > 1 ? ` x ${meta.pages} frames` : ''} is more than files.maxPixels`);
  try {
    // sharp drops all metadata unless asked to keep it; rotate() applies the EXIF orientation first.
    const base = open().rotate();
    const stripped = type === 'image/png' ? base.png() : type === 'image/jpeg' ? base.jpeg({ quality: 90, mozjpeg: false }) : type === 'image/gif' ? base.gif() : base.webp();
    // One after the other, not at once: one image keeps one thread busy, so on a small
    // machine a core stays free for the server (docs/benchmarks.md, "Files").
    const out = await stripped.toBuffer();
    const thumb = await sharp(src, { limitInputPixels: opts.maxPixels, failOn: 'error', sequentialRead: true }).rotate().resize(opts.thumbSize, opts.thumbSize, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 75 }).toBuffer();
    const rotated = (meta.orientation ?? 1) >= 5;
    let parts = 0;
    for (let at = 0; at < out.length; at += PART_BYTES, parts++) sendPart(out.subarray(at, at + PART_BYTES));
    return { kind: 'image', parts, thumb, width: rotated ? height : width, height: rotated ? width : height };
  } catch (err) {
    throw refusal(err);
  }
}

/** What a failure of sharp is: out of memory (the server's limit), else a refusal of the file. */
function refusal(err: unknown): Refused | OutOfMemory {
  const msg = err instanceof Error ? err.message : String(err);
  return OUT_OF_MEMORY.test(msg) ? new OutOfMemory(msg.split('\n')[0]!.slice(0, 200)) : new Refused(reason(err));
}

function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg)) return 'more pixels than files.maxPixels';
  return msg.split('\n')[0]!.slice(0, 200);
}
