/**
 * Poster frames of uploaded videos (MP4, WebM) with the system's `ffmpeg` (Debian's package:
 * a well-kept decoder with security updates from the distribution), run as a bounded child
 * process, never in the server's process:
 *
 * - only the demuxer of the sniffed type (`-f mov` / `-f matroska`), only the `file`
 *   protocol (no network, no references to other files), decoder `max_pixels` = files.maxPixels;
 * - resource limits through util-linux `prlimit` when present: address space
 *   (files.videoMemoryBytes), CPU seconds, file size, no core dumps, few descriptors;
 * - a wall-clock timeout (files.videoTimeoutMs) after which it is killed; its output and error
 *   text are bounded; an empty environment (no secrets reach it); one at a time, others wait;
 * - a lower CPU priority (files.nice), so that chat goes first on a small machine.
 *
 * ffmpeg scales the first frame to fit files.thumbSize (after applying the rotation the video
 * asks for) and reports the frame's full size through `showinfo`; the image worker (sharp-images.ts:
 * sharp in a worker thread, never on the event loop) makes the WebP. Any
 * failure (no ffmpeg, undecodable or hostile input, a limit hit) resolves undefined: the
 * video is then stored and shown as a card, as before.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VideoPoster, VideoProcessor } from '../../core/files/ports.ts';
import type { Logger } from '../../core/ports.ts';
import { Slots } from '../../core/slots.ts';
import { boundedCommand, niceAfterSpawn, PRLIMIT } from './bounded-command.ts';

export interface FfmpegOptions {
  /** The ffmpeg binary (a name on PATH or a path). */
  path: string;
  timeoutMs: number;
  maxPixels: number;
  thumbSize: number;
  /** Address-space limit of the child (prlimit --as). */
  memoryBytes: number;
  /** Nice value (1–19) of the child; 0 or absent: unchanged. */
  nice?: number;
  /** Encodes the PNG frame as a WebP (SharpImages: its worker thread). */
  webp: { webp(png: Uint8Array, maxPixels: number): Promise<Uint8Array> };
  log: Logger;
}

const MAX_OUTPUT = 8 * 1024 * 1024;
const MAX_STDERR = 64 * 1024;

interface RunResult { code: number | null; stdout: Buffer; stderr: string; killed: 'timeout' | 'output' | undefined }

export class FfmpegVideos implements VideoProcessor {
  private readonly opts: FfmpegOptions;
  /** Whether the binary runs at all (checked once, at start). */
  readonly ready: Promise<boolean>;
  /** One at a time: a finishing run hands its turn straight to the next waiter. */
  private readonly slots = new Slots(1);

  constructor(opts: FfmpegOptions) {
    this.opts = opts;
    this.ready = this.run(['-hide_banner', '-version'], 10_000).then((r) => {
      if (r.code === 0) return true;
      opts.log.warn({ ffmpeg: opts.path }, 'ffmpeg did not run: videos are shown as cards, without a poster frame (files.ffmpegPath)');
      return false;
    }, () => false);
    if (!PRLIMIT) opts.log.warn({ ffmpeg: opts.path }, 'prlimit (util-linux) not found: ffmpeg runs with the timeout only, without memory and CPU limits');
  }

  async poster(input: { path: string } | { bytes: Uint8Array }, type: string): Promise<VideoPoster | undefined> {
    if (!(await this.ready)) return undefined;
    return this.slots.run(async () => {
      let dir: string | undefined;
      try {
        let path: string;
        if ('path' in input) path = input.path;
        else {
          dir = await mkdtemp(join(tmpdir(), 'banter-video-'));
          path = join(dir, 'in');
          await writeFile(path, input.bytes, { mode: 0o600 });
        }
        return await this.frame(path, type);
      } finally {
        if (dir) await rm(dir, { recursive: true, force: true });
      }
    });
  }

  private async frame(path: string, type: string): Promise<VideoPoster | undefined> {
    const n = this.opts.thumbSize;
    const args = [
      '-nostdin', '-hide_banner', '-loglevel', 'info', '-threads', '1',
      '-protocol_whitelist', 'file', '-f', type === 'video/webm' ? 'matroska' : 'mov', '-max_pixels', String(this.opts.maxPixels),
      '-i', `file:${path}`,
      '-map', '0:v:0', '-frames:v', '1', '-an', '-sn', '-dn',
      '-vf', `showinfo,scale=w='min(iw,${n})':h='min(ih,${n})':force_original_aspect_ratio=decrease`,
      '-f', 'image2pipe', '-c:v', 'png', 'pipe:1',
    ];
    const r = await this.run(args, this.opts.timeoutMs);
    const size = /\bs:(\d+)x(\d+)\b/.exec(r.stderr);
    if (r.code !== 0 || r.stdout.length === 0 || !size) {
      this.opts.log.info({ code: r.code, killed: r.killed, reason: lastLine(r.stderr) }, 'no poster frame for a video: shown as a card');
      return undefined;
    }
    try {
      const thumb = await this.opts.webp.webp(r.stdout, n * n);
      return { thumb, width: Number(size[1]), height: Number(size[2]) };
    } catch (err) {
      this.opts.log.info({ err }, 'no WebP of the poster frame (unreadable, or the image worker failed): shown as a card');
      return undefined;
    }
  }

  private run(args: string[], timeoutMs: number): Promise<RunResult> {
    const cpu = Math.max(1, Math.ceil(timeoutMs / 1000));
    const nice = this.opts.nice ?? 0;
    // ffmpeg starts niced and limited (bounded-command.ts).
    const [cmd, ...argv] = boundedCommand(this.opts.path, args, { nice, limits: [`--as=${this.opts.memoryBytes}`, `--cpu=${cpu}`, `--fsize=${MAX_OUTPUT}`, '--core=0', '--nofile=64'] });
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
      niceAfterSpawn(child.pid, nice);
      const out: Buffer[] = [];
      let outLen = 0;
      let stderr = '';
      let killed: RunResult['killed'];
      const timer = setTimeout(() => { killed = 'timeout'; child.kill('SIGKILL'); }, timeoutMs);
      child.stdout.on('data', (b: Buffer) => {
        outLen += b.length;
        if (outLen > MAX_OUTPUT) { killed = 'output'; child.kill('SIGKILL'); return; }
        out.push(b);
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (s: string) => { if (stderr.length < MAX_STDERR) stderr += s.slice(0, MAX_STDERR - stderr.length); });
      child.on('error', (err) => { clearTimeout(timer); reject(err); });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: killed ? null : code, stdout: Buffer.concat(out), stderr, killed });
      });
    });
  }
}

function lastLine(s: string): string {
  return s.trim().split('\n').at(-1)?.slice(0, 200) ?? '';
}
