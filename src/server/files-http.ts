/**
 * File routes (docs/protocol.md "Files", docs/security.md "Files"):
 *
 *   PUT /files/upload?t=<upload token>      body: exactly the announced bytes -> 201 {"file": FileRef}
 *   GET /files/<id>/<name>?t=<link token>   the file (HEAD too; one byte range at most)
 *   GET /files/<id>/.thumb.webp?t=<token>   its thumbnail (images)
 *
 * Tokens come from the chat connection (`upload`, `file_links`) and are signed and expiring;
 * the core decides who gets one (members of the file's conversation). Every file answer has
 * `X-Content-Type-Options: nosniff`, a sandboxing CSP, and `Content-Disposition: attachment`
 * unless its sniffed type is on the inline list (SVG and HTML never are).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChatError } from '../core/errors.ts';
import { FILES_PATH, type FileService } from '../core/files/service.ts';
import type { Logger } from '../core/ports.ts';
import { FileId, INLINE_TYPES, type ErrorCode } from '../protocol/index.ts';
import { json } from './http.ts';
import { HttpError, runRoute } from './http-api.ts';

/** The CSP of file answers: nothing runs, nothing loads, the document is sandboxed. */
export const FILE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox";

const STATUS: Partial<Record<ErrorCode, number>> = {
  FILES_DISABLED: 404, FILE_TOO_LARGE: 413, FILE_QUOTA_EXCEEDED: 413, FILE_STORAGE_FULL: 507, FILE_STORE_UNAVAILABLE: 503, IMAGE_UNAVAILABLE: 503, FILE_TYPE_DENIED: 415,
  FILE_INCOMPLETE: 400, IMAGE_INVALID: 422, LINK_INVALID: 403, LINK_REVOKED: 410, NO_SUCH_FILE: 404, FILE_UPLOAD_THROTTLED: 429, RANGE_NOT_SATISFIABLE: 416,
};

export interface FilesRouteDeps {
  files: FileService | undefined;
  log: Logger;
}

export function filesRoute(deps: FilesRouteDeps) {
  return (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    if (!url.pathname.startsWith(FILES_PATH)) return false;
    const rest = url.pathname.slice(FILES_PATH.length);
    res.setHeader('Cache-Control', 'no-store');
    const onUnexpected = (err: unknown): void => deps.log.error({ err, path: FILES_PATH }, 'file request failed');
    runRoute(res, onUnexpected, async () => {
      try {
        if (!deps.files) throw new ChatError('FILES_DISABLED');
        const token = url.searchParams.get('t') ?? '';
        if (rest === 'upload') return await upload(deps.files, req, res, token);
        const m = /^([^/]+)\/([^/]+)$/.exec(rest);
        if (!m || !FileId.safeParse(m[1]).success) throw new HttpError(404, 'NOT_FOUND', 'not found');
        await download(deps.files, req, res, m[1]!, m[2] === '.thumb.webp' ? 't' : 'd', token, url.searchParams.has('download'));
      } catch (err) {
        if (!(err instanceof ChatError)) throw err;
        // Stop reading a refused upload; the client sees the answer, then the connection closes.
        throw new HttpError(STATUS[err.code] ?? 400, err.code, err.message, req.complete ? {} : { Connection: 'close' });
      }
    });
    return true;
  };
}

async function upload(files: FileService, req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
  if (req.method !== 'PUT' && req.method !== 'POST') {
    req.resume();
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use PUT', { Allow: 'PUT, POST' });
  }
  const cl = req.headers['content-length'];
  const declared = cl === undefined ? undefined : /^\d{1,16}$/.test(cl) ? Number(cl) : NaN;
  if (Number.isNaN(declared)) throw new ChatError('FILE_INCOMPLETE', 'malformed Content-Length');
  const file = await files.receive(token, body(req), declared);
  json(res, 201, { file });
}

/** The request body; a client that goes away mid-body makes the upload FILE_INCOMPLETE. */
async function* body(req: IncomingMessage): AsyncIterable<Uint8Array> {
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) yield chunk;
  } catch {
    throw new ChatError('FILE_INCOMPLETE', 'the upload was cut off');
  }
  if (!req.complete) throw new ChatError('FILE_INCOMPLETE', 'the upload was cut off');
}

async function download(files: FileService, req: IncomingMessage, res: ServerResponse, id: string, kind: 'd' | 't', token: string, asAttachment: boolean): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    req.resume();
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET', { Allow: 'GET, HEAD' });
  }
  const rec = await files.resolveLink(id, token, kind);
  const hash = kind === 't' ? rec.thumb : rec.hash;
  if (hash === undefined) throw new ChatError('NO_SUCH_FILE', 'this file has no thumbnail');
  const type = kind === 't' ? 'image/webp' : rec.type;
  const size = kind === 't' ? undefined : rec.size;
  const inline = INLINE_TYPES.has(type) && !asAttachment;
  res.setHeader('Content-Security-Policy', FILE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  // Revalidated on every use (ETag, 304), so a revoked or expired link stops working at once,
  // even where a browser has the bytes cached.
  res.setHeader('Cache-Control', 'private, no-cache');
  res.setHeader('Content-Type', !inline ? 'application/octet-stream' : type === 'text/plain' ? 'text/plain; charset=utf-8' : type);
  res.setHeader('Content-Disposition', `${inline ? 'inline' : 'attachment'}; ${dispositionName(kind === 't' ? `${rec.name}.thumb.webp` : rec.name)}`);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', `"${hash}"`);
  if (notModified(req.headers['if-none-match'], `"${hash}"`)) {
    res.writeHead(304);
    res.end();
    return;
  }
  if (size === undefined) return stream(files, res, req, hash, undefined, undefined, 200);
  const range = parseRange(req.headers.range, size, typeof req.headers['if-range'] === 'string' ? req.headers['if-range'] : undefined, `"${hash}"`);
  if (range === 'bad') {
    res.setHeader('Content-Range', `bytes */${size}`);
    throw new ChatError('RANGE_NOT_SATISFIABLE', 'one range within the file is allowed (bytes=a-b, a- or -n)');
  }
  if (range) {
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    return stream(files, res, req, hash, range, range.end - range.start + 1, 206);
  }
  return stream(files, res, req, hash, undefined, size, 200);
}

async function stream(files: FileService, res: ServerResponse, req: IncomingMessage, hash: string, range: { start: number; end: number } | undefined, length: number | undefined, status: number): Promise<void> {
  const src = await files.openBlob(hash, range);
  if (!src) throw new ChatError('NO_SUCH_FILE', 'the file is gone');
  if (req.method === 'HEAD') {
    if (length !== undefined) res.setHeader('Content-Length', length);
    res.writeHead(status);
    res.end();
    if ('destroy' in src && typeof src.destroy === 'function') (src.destroy as () => void)();
    return;
  }
  if (length !== undefined) res.setHeader('Content-Length', length);
  res.writeHead(status);
  // Back-pressure: wait for 'drain'; a client that goes away ends the stream.
  for await (const chunk of src) {
    if (res.destroyed) break;
    if (!res.write(chunk)) await new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve); });
  }
  if ('destroy' in src && typeof src.destroy === 'function') (src.destroy as () => void)();
  res.end();
}

/** If-None-Match names this ETag (or `*`): the client's copy is current (RFC 9110 §13.1.2). */
function notModified(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/**
 * One byte range (RFC 9110 §14): `bytes=a-b`, `bytes=a-`, `bytes=-n`. undefined: no (or an
 * outdated If-Range) Range, answer the whole file; 'bad': malformed, several ranges, or
 * outside the file (416). Several ranges are refused rather than served as multipart, so
 * one request costs at most one pass over the file.
 */
export function parseRange(header: string | undefined, size: number, ifRange: string | undefined, etag: string): { start: number; end: number } | undefined | 'bad' {
  if (header === undefined) return undefined;
  if (ifRange !== undefined && ifRange !== etag) return undefined;
  const m = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'bad';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'bad';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'bad';
  return { start, end };
}

/** `filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266); the name is already sanitised. */
function dispositionName(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  return `filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

