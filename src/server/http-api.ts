/**
 * Small helpers for the JSON HTTP API: bounded body reading, bearer-token checks, and error
 * answers of one shape, `{"error": "<human message>", "code": "<ERROR_CODE>"}`, with codes
 * from the one registry (src/protocol/errors.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../protocol/index.ts';
import { jsonError } from './http.ts';

export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly headers: Record<string, string>;
  constructor(status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function sendError(res: ServerResponse, err: HttpError): void {
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  jsonError(res, err.status, err.code, err.message);
}

/** True when the request carries `Authorization: Bearer <expected>` (constant-time compare). */
export function hasBearer(req: IncomingMessage, expected: string): boolean {
  const h = req.headers.authorization;
  // The scheme is case-insensitive (RFC 7235 section 2.1); one or more spaces follow it.
  const m = typeof h === 'string' ? /^bearer +(.*)$/is.exec(h) : null;
  if (!m) return false;
  // Hash both sides so the comparison is constant-time whatever the lengths.
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!.trim()), digest(expected));
}

export function requireBearer(req: IncomingMessage, expected: string, realm: string): void {
  if (!hasBearer(req, expected)) throw new HttpError(401, 'UNAUTHORIZED', 'missing or wrong bearer token', { 'WWW-Authenticate': `Bearer realm="${realm}"` });
}

/** Reads a JSON body of at most `maxBytes`; answers 413 / 400 through HttpError. */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(400, 'BAD_REQUEST', 'the body must be JSON (Content-Type: application/json)');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    // The client went away mid-body: its problem, not a server failure to log.
    throw new HttpError(400, 'BAD_REQUEST', 'the request body was cut short');
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'the body is not valid JSON');
  }
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'BODY_TOO_LARGE', `the body is larger than ${maxBytes} bytes (http.maxBodyBytes)`, { Connection: 'close' });
}

/**
 * Runs an async route, turning HttpErrors into answers and anything else into a logged 500;
 * a failure after the answer started, or while answering, closes the connection.
 */
export function runRoute(res: ServerResponse, onUnexpected: (err: unknown) => void, route: () => Promise<void>): void {
  route().catch((err: unknown) => {
    if (err instanceof HttpError && !res.headersSent) return sendError(res, err);
    onUnexpected(err);
    if (res.headersSent) res.destroy();
    else sendError(res, new HttpError(500, 'INTERNAL', 'internal error; details are in the server log', { Connection: 'close' }));
  }).catch(() => res.destroy());
}
