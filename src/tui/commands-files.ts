/**
 * /upload and /download: files over the server's HTTP file routes (docs/protocol.md,
 * "Files"), authorised by the chat connection (`upload` tickets, `file_links`).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatSize, sanitizeFileName, type FileRef } from '../protocol/index.ts';
import { firstWord, usageError, type TuiCommand } from './command-kit.ts';
import type { ChatSession } from './session.ts';

/** The server's http(s) origin from the session's server URL (ws:// or http://). */
export function httpBase(server: string): string {
  const u = new URL(server.replace(/^ws/, 'http'));
  return u.origin;
}

/** A progress line every 10 %, at most. */
function progress(s: ChatSession, what: string, total: number): Transform {
  let done = 0;
  let shown = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
      if (pct >= shown + 10 && pct < 100) {
        shown = pct - (pct % 10);
        s.show({ type: 'info', text: `${what}: ${shown}% (${formatSize(done)} of ${formatSize(total)})` });
      }
      cb(null, chunk);
    },
  });
}

/** "/path with spaces/x.png" comment — a quoted path, or the first word. */
function pathAndRest(args: string): [string, string] {
  const q = /^"([^"]+)"\s*([\s\S]*)$/.exec(args);
  return q ? [q[1]!, q[2]!] : firstWord(args);
}

export const FILE_COMMANDS: readonly TuiCommand[] = [
  {
    name: 'upload', aliases: ['up'], usage: 'PATH [COMMENT]', help: 'share a file in the current conversation (quote a PATH with spaces)',
    async run(s, args) {
      const [path, comment] = pathAndRest(args);
      if (!path) return usageError(s, 'upload');
      let size: number;
      try {
        const st = await stat(path);
        if (!st.isFile()) return s.show({ type: 'error', code: 'USAGE', message: `${path} is not a file` });
        size = st.size;
      } catch {
        return s.show({ type: 'error', code: 'USAGE', message: `cannot read ${path}` });
      }
      const to = s.current;
      const t = await s.request('upload', { name: basename(path), size });
      if (!t) return;
      const label = `upload ${t.name}`;
      const body = Readable.toWeb(createReadStream(path).pipe(progress(s, label, size))) as ReadableStream<Uint8Array>;
      let res: Response;
      try {
        res = await fetch(httpBase(s.server) + t.url, { method: 'PUT', body, headers: { 'Content-Length': String(size) }, duplex: 'half' } as RequestInit);
      } catch (err) {
        return s.show({ type: 'error', code: 'UPLOAD_FAILED', message: `${label} failed: ${err instanceof Error ? err.message : String(err)}` });
      }
      const answer = await res.json().catch(() => ({})) as { file?: FileRef; code?: string; error?: string };
      if (res.status !== 201 || !answer.file) return s.show({ type: 'error', code: answer.code ?? `HTTP_${res.status}`, message: answer.error ?? `${label} failed` });
      s.show({ type: 'info', text: `${label}: 100% (${formatSize(answer.file.size)}), sending to ${to}` });
      await s.request('send', { to, text: comment, files: [answer.file.id] });
    },
  },
  {
    name: 'download', aliases: ['dl'], usage: 'ID [PATH]', help: 'save a file shared in a conversation you are in (default: its name, here)',
    async run(s, args) {
      const [id, rest] = firstWord(args);
      if (!id) return usageError(s, 'download');
      const r = await s.request('file_links', { files: [id] });
      if (!r) return;
      const link = r.links[id];
      if (!link) return s.show({ type: 'error', code: 'NO_SUCH_FILE', message: `no file ${id} in a conversation you can read` });
      const res = await fetch(httpBase(s.server) + link.url);
      if (res.status !== 200 || !res.body) return s.show({ type: 'error', code: `HTTP_${res.status}`, message: `download failed (${res.status})` });
      const name = sanitizeFileName(decodeURIComponent(new URL(link.url, 'http://x').pathname.split('/').pop() ?? 'file'));
      const dest = resolve(rest.trim() || name);
      const total = Number(res.headers.get('content-length') ?? 0);
      try {
        // 'wx': never overwrite an existing file.
        await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), progress(s, `download ${name}`, total), createWriteStream(dest, { flags: 'wx' }));
      } catch (err) {
        return s.show({ type: 'error', code: 'DOWNLOAD_FAILED', message: `cannot save to ${dest}: ${err instanceof Error ? err.message : String(err)}` });
      }
      s.show({ type: 'info', text: `saved ${name} (${formatSize(total)}) to ${dest}` });
    },
  },
  {
    name: 'revoke', aliases: [], usage: 'ID [REASON]', help: 'stop every link to a file handed out so far (your files; any file in rooms you operate)',
    async run(s, args) {
      const [id, reason] = firstWord(args);
      if (!id) return usageError(s, 'revoke');
      const r = await s.request('file_revoke', { file: id, ...(reason.trim() ? { reason: reason.trim() } : {}) });
      if (!r) return;
      s.show({ type: 'info', text: `revoked every link to ${id} handed out so far; /download still works for members` });
    },
  },
];
