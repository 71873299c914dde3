/**
 * Image processing with sharp (libvips) in a child process (sharp-child.ts), never in the
 * server's: loading sharp (about 60 ms of CPU), reading headers, decoding, re-encoding and
 * thumbnailing all run there, on its own thread pool, so the chat path never waits for an
 * image (docs/benchmarks.md, "Files"). The child refuses images over `maxPixels` before
 * decoding them (decompression bombs), re-encodes the image without metadata (EXIF incl. GPS,
 * XMP, IPTC; orientation applied first) and makes a WebP thumbnail that fits in `thumbSize`.
 *
 * Why a process and not a worker thread (measured, docs/benchmarks.md): libvips' memory is
 * given back to the system only when the process that used it ends (glibc keeps freed
 * arenas: a thread left the server at 320–375 MiB RSS after four 24-megapixel JPEGs, against
 * 100 MiB before); sharp's work in a thread runs on the server's libuv pool, which file I/O
 * shares, and lowering that pool's priority made the event loop wait for niced threads; and
 * a crash or an out-of-memory in native code ends only the child.
 *
 * On demand: the child starts with the first image and exits after `idleMs` without one. At
 * most `parallel` children (default 1), one image each; more images wait in a bounded queue
 * (`maxQueue`; beyond it IMAGE_UNAVAILABLE). The child runs at `nice` (files.nice), with an
 * address-space limit (`memoryBytes`, util-linux prlimit), an empty environment and its own
 * V8 heap limit. A job that runs past `timeoutMs`, or whose child dies (a crash, a limit),
 * fails with IMAGE_UNAVAILABLE — that upload only: nothing of it is stored — and the next
 * image gets a fresh child. Children that die before they are ready, three times in a row,
 * are a misconfiguration (no sharp): images are then refused instead of respawning forever.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ChatError } from '../../core/errors.ts';
import { ImageRejectedError, type ImageProcessor, type ProcessedImage } from '../../core/files/ports.ts';
import type { Logger } from '../../core/ports.ts';
import { siblingModule } from '../../core/module-url.ts';
import { boundedCommand, niceAfterSpawn } from './bounded-command.ts';
import type { SharpChildOptions, SharpJob, SharpReply, SharpResult } from './sharp-child.ts';

export interface SharpOptions {
  maxPixels: number;
  thumbSize: number;
  /** libvips threads per image (sharp.concurrency). Default 1, so a core stays free for the server. */
  concurrency?: number;
  /** Images processed at once (child processes); more wait their turn (default 1). */
  parallel?: number;
  /** Nice value (1–19) of the child; 0 or absent: unchanged. */
  nice?: number;
  /** Most time one image may take (default 60 s); then IMAGE_UNAVAILABLE and a fresh child. */
  timeoutMs?: number;
  /** The child exits after this long without an image (default 30 s). */
  idleMs?: number;
  /** Images that may wait for a child (default 1000); more are refused with IMAGE_UNAVAILABLE. */
  maxQueue?: number;
  /** Address-space limit of the child (prlimit --as; default 8 GiB: see files.imageMemoryBytes). */
  memoryBytes?: number;
  log?: Logger;
}

export const SHARP_DEFAULTS = { timeoutMs: 60_000, idleMs: 30_000, maxQueue: 1000, memoryBytes: 8 * 1024 ** 3 } as const;

const CHILD = fileURLToPath(siblingModule(import.meta.url, 'sharp-child'));
const MAX_STDERR = 16 * 1024;

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

interface Pending {
  id: number;
  job: SharpJob;
  resolve: (r: SharpResult) => void;
  reject: (e: Error) => void;
  /** The stripped image's parts received so far. */
  parts: Uint8Array[];
}

interface Child {
  proc: ChildProcess;
  ready: boolean;
  job: Pending | undefined;
  timer: NodeJS.Timeout | undefined;
  idle: NodeJS.Timeout | undefined;
  stderr: string;
  gone: boolean;
}

export class SharpImages implements ImageProcessor {
  private readonly opts: SharpOptions;
  private readonly log: Logger;
  private readonly children: Child[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  /** Children that died before becoming ready, in a row. */
  private startupFailures = 0;

  constructor(opts: SharpOptions) {
    this.opts = opts;
    this.log = opts.log ?? quiet;
  }

  /** Child processes alive now (starting, busy or idle). */
  get workers(): number {
    return this.children.length;
  }

  /** Children with an image in hand now. */
  get busy(): number {
    return this.children.filter((c) => c.job).length;
  }

  /** Process ids of the children alive now. */
  get pids(): number[] {
    return this.children.flatMap((c) => c.proc.pid === undefined ? [] : [c.proc.pid]);
  }

  async process(input: { path: string } | { bytes: Uint8Array }, type: string): Promise<ProcessedImage> {
    const { result: r, parts } = await this.run({ kind: 'image', input, type });
    if (r.kind !== 'image' || parts.length !== r.parts) throw new ChatError('IMAGE_UNAVAILABLE', 'the image worker answered wrongly; nothing was stored');
    return { stripped: parts, thumb: r.thumb, width: r.width, height: r.height };
  }

  /** A PNG (a video's poster frame) as a WebP thumbnail, in the child; ImageRejectedError when it is not a PNG within `maxPixels` pixels. */
  async webp(png: Uint8Array, maxPixels: number): Promise<Uint8Array> {
    const { result: r } = await this.run({ kind: 'webp', png, maxPixels });
    if (r.kind !== 'webp') throw new ChatError('IMAGE_UNAVAILABLE', 'the image worker answered wrongly');
    return r.thumb;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(busy('closed'));
    await Promise.all(this.children.splice(0).map(async (c) => {
      this.clearTimers(c);
      c.job?.reject(busy('closed'));
      c.job = undefined;
      c.gone = true;
      if (c.proc.exitCode === null && c.proc.signalCode === null) {
        const exited = new Promise((r) => c.proc.once('exit', r));
        c.proc.ref();
        c.proc.kill('SIGKILL');
        await exited;
      }
    }));
  }

  private async run(job: SharpJob): Promise<{ result: SharpResult; parts: Uint8Array[] }> {
    const parts: Uint8Array[] = [];
    try {
      const result = await new Promise<SharpResult>((resolve, reject) => {
        if (this.closed) throw busy(this.startupFailures >= 3 ? 'unavailable' : 'closed');
        if (this.queue.length >= (this.opts.maxQueue ?? SHARP_DEFAULTS.maxQueue)) throw busy('full');
        this.queue.push({ id: this.nextId++, job, resolve, reject, parts });
        this.pump();
        this.grow();
      });
      return { result, parts };
    } catch (err) {
      if (err instanceof ChatError && err.code === 'IMAGE_INVALID') throw new ImageRejectedError(err.message);
      throw err;
    }
  }

  private spawnChild(): Child {
    const options: SharpChildOptions = { maxPixels: this.opts.maxPixels, thumbSize: this.opts.thumbSize, concurrency: this.opts.concurrency ?? 1 };
    const nice = this.opts.nice ?? 0;
    const [cmd, ...argv] = boundedCommand(process.execPath, ['--disable-wasm-trap-handler', '--max-old-space-size=128', CHILD, JSON.stringify(options)], {
      nice, limits: [`--as=${this.opts.memoryBytes ?? SHARP_DEFAULTS.memoryBytes}`, '--core=0'],
    });
    // An empty environment: no secret of the server's reaches the process that parses hostile files.
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    niceAfterSpawn(proc.pid, nice);
    // Started for a waiting image: it keeps the server's process alive until it is idle.
    const child: Child = { proc, ready: false, job: undefined, timer: undefined, idle: undefined, stderr: '', gone: false };
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (s: string) => { if (child.stderr.length < MAX_STDERR) child.stderr += s.slice(0, MAX_STDERR - child.stderr.length); });
    proc.on('message', (msg: SharpReply) => this.onMessage(child, msg));
    proc.on('error', (err) => {
      this.log.warn({ err: err.message }, 'image worker process failed');
      this.died(child, 'error');
    });
    proc.on('exit', (code, signal) => {
      if (!child.gone) this.log.warn({ code, signal, stderr: child.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500) }, 'image worker process ended');
      this.died(child, 'exit');
    });
    return child;
  }

  /** An idle child does not keep the server's process alive; a busy one does, until it answers. */
  private unref(c: Child): void {
    c.proc.unref();
    c.proc.channel?.unref();
    (c.proc.stderr as { unref?: () => void } | null)?.unref?.();
  }

  private ref(c: Child): void {
    c.proc.ref();
    c.proc.channel?.ref();
  }

  private onMessage(child: Child, msg: SharpReply): void {
    if ('ready' in msg) {
      child.ready = true;
      this.startupFailures = 0;
      this.pump();
      if (!child.job) {
        this.unref(child);
        this.idleLater(child);
      }
      return;
    }
    const job = child.job;
    if (!job || job.id !== msg.id) return;
    if ('part' in msg) {
      job.parts.push(msg.part);
      return;
    }
    this.clearTimers(child);
    child.job = undefined;
    this.unref(child);
    if (msg.ok) job.resolve(msg.result);
    else {
      // The server's side (memory, a failure in libvips): worth an operator's look, unlike a bad file.
      if (msg.code === 'IMAGE_UNAVAILABLE') this.log.warn({ reason: msg.message }, 'the image worker could not process an image');
      job.reject(new ChatError(msg.code, msg.message));
    }
    this.idleLater(child);
    this.pump();
  }

  /** The child ended or failed: fails its job, forgets it, and starts another if jobs wait. */
  private died(child: Child, cause: 'error' | 'exit'): void {
    const index = this.children.indexOf(child);
    if (index === -1) return; // already handled (or an idle exit we asked for)
    this.children.splice(index, 1);
    child.gone = true;
    this.clearTimers(child);
    if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
    if (!child.ready && ++this.startupFailures >= 3) {
      this.log.error({ stderr: child.stderr.slice(-500) }, 'the image worker process cannot start: images are refused (is sharp installed?)');
      this.closed = true;
      for (const p of this.queue.splice(0)) p.reject(busy('unavailable'));
      child.job?.reject(busy('unavailable'));
      return;
    }
    const job = child.job;
    child.job = undefined;
    job?.reject(new ChatError('IMAGE_UNAVAILABLE', `the image worker ${cause === 'error' ? 'failed' : 'stopped'} while processing the image; nothing was stored, try again`));
    this.grow();
  }

  /** Starts children while queued jobs outnumber the children that are free or starting. */
  private grow(): void {
    if (this.closed) return;
    let free = 0;
    for (const c of this.children) if (!c.job) free++;
    while (this.queue.length > free && this.children.length < (this.opts.parallel ?? 1)) {
      this.children.push(this.spawnChild());
      free++;
    }
  }

  private pump(): void {
    for (const child of this.children) {
      if (!child.ready || child.job || child.gone) continue;
      const job = this.queue.shift();
      if (!job) return;
      child.job = job;
      if (child.idle) clearTimeout(child.idle);
      child.idle = undefined;
      this.ref(child);
      const timeoutMs = this.opts.timeoutMs ?? SHARP_DEFAULTS.timeoutMs;
      child.timer = setTimeout(() => {
        child.timer = undefined;
        const index = this.children.indexOf(child);
        if (index === -1 || child.job !== job) return;
        this.children.splice(index, 1);
        child.gone = true;
        child.job = undefined;
        child.proc.kill('SIGKILL');
        this.log.warn({ timeoutMs }, 'an image took longer than files.imageTimeoutMs: its worker process was killed');
        job.reject(new ChatError('IMAGE_UNAVAILABLE', `processing the image took longer than ${timeoutMs} ms (files.imageTimeoutMs); nothing was stored`));
        this.grow();
      }, timeoutMs);
      try {
        child.proc.send({ id: job.id, job: job.job });
      } catch {
        // The channel just closed: the child's exit fails the job.
      }
    }
  }

  /** A child with nothing to do exits after idleMs. */
  private idleLater(child: Child): void {
    if (child.idle) clearTimeout(child.idle);
    child.idle = setTimeout(() => {
      const index = this.children.indexOf(child);
      if (index === -1 || child.job) return;
      this.children.splice(index, 1); // before the kill, so its exit is not taken for a crash
      child.gone = true;
      child.proc.disconnect?.(); // it exits when its channel closes
      child.proc.kill('SIGTERM');
    }, this.opts.idleMs ?? SHARP_DEFAULTS.idleMs);
    child.idle.unref();
  }

  private clearTimers(c: Child): void {
    if (c.timer) clearTimeout(c.timer);
    if (c.idle) clearTimeout(c.idle);
    c.timer = undefined;
    c.idle = undefined;
  }
}

function busy(why: 'full' | 'closed' | 'unavailable'): ChatError {
  return new ChatError('IMAGE_UNAVAILABLE', why === 'full' ? 'too many images are waiting to be processed; nothing was stored, try again shortly'
    : why === 'closed' ? 'the server is shutting down; nothing was stored' : 'image processing cannot start on this server (is sharp installed?); nothing was stored');
}
