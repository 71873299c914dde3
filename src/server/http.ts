/**
 * Plain HTTP routes next to the WebSocket endpoint, and the guards every request passes first:
 * the per-IP refusal decided at accept (429), a parsable request target (400 BAD_URL) and an
 * allowed Host (421 HOST_NOT_ALLOWED, DNS rebinding). Static web client files are served from
 * `webRoot` when it exists.
 *
 * Nothing a client sends may throw past its handler: a failing route is logged, answered 500
 * INTERNAL when nothing was sent yet, and its connection closed; requests the HTTP parser
 * rejects (malformed request line or headers, too large, too slow) are answered by
 * `onClientError` and closed. Everyone else goes on.
 */
import type * as NodeHttp from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { Logger } from '../core/ports.ts';
import type { ErrorCode } from '../protocol/index.ts';
import type { AcceptedSockets } from '../transports/conn-limits.ts';
import { hostRefusal, rawResponse, requestTarget, type HostPolicy } from '../transports/http-guard.ts';
import type { Config } from './config.ts';
import { setSecurityHeaders } from './security-headers.ts';
import type { StaticFiles } from './static.ts';

/**
 * node:http's createServer, required rather than imported: an ESM `import … from 'node:http'`
 * builds the builtin's namespace, which reads every export, and `http.WebSocket`,
 * `http.MessageEvent` & co. load undici, Node's fetch and WebSocket client: ≈ 12 MB of RSS
 * at start for code the server never runs (docs/benchmarks.md, "Build step and idle memory").
 * eslint.config.js forbids value imports of node:http in src/.
 */
export const createHttpServer: typeof NodeHttp.createServer = (createRequire(import.meta.url)('node:http') as typeof NodeHttp).createServer;

export interface HttpRoutes {
  health(): object;
  /** More routes (readiness, metrics, admin API: src/server/ops-http.ts); each returns true when it took the request. */
  handlers?: ((req: IncomingMessage, res: ServerResponse, url: URL) => boolean)[];
  /** The built web client, served at `/` (src/server/static.ts). */
  web?: StaticFiles;
  log: Logger;
  /** Host names this listener answers to. */
  hosts: HostPolicy;
  /** The listener's accept-time per-IP count: a refused socket's requests get 429. */
  accepted: AcceptedSockets;
}

export function handleHttp(req: IncomingMessage, res: ServerResponse, routes: HttpRoutes): void {
  try {
    route(req, res, routes);
  } catch (err) {
    failed(req, res, routes.log, err);
  }
}

function route(req: IncomingMessage, res: ServerResponse, routes: HttpRoutes): void {
  setSecurityHeaders(res);
  const refusal = routes.accepted.refusal(req.socket);
  if (refusal !== undefined) {
    res.setHeader('Connection', 'close');
    jsonError(res, 429, 'TOO_MANY_CONNECTIONS', refusal);
    return;
  }
  const url = requestTarget(req.url);
  if (!url) {
    jsonError(res, 400, 'BAD_URL', 'malformed request target (it must be a path with valid %-escapes)');
    return;
  }
  if (!routes.hosts.allowsRequest(req.headers.host, req.url, url)) {
    jsonError(res, 421, 'HOST_NOT_ALLOWED', hostRefusal(req.headers.host));
    return;
  }
  if (url.pathname === '/healthz') {
    json(res, 200, routes.health());
    return;
  }
  for (const h of routes.handlers ?? []) if (h(req, res, url)) return;
  if (routes.web) {
    routes.web.handle(req, res, url.pathname)
      .then((handled) => { if (!handled) notFound(res); })
      .catch((err: unknown) => failed(req, res, routes.log, err));
    return;
  }
  notFound(res);
}

function notFound(res: ServerResponse): void {
  jsonError(res, 404, 'NOT_FOUND', 'not found');
}

/** A route failed unexpectedly: log it, answer 500 if nothing was sent yet, and close this connection. */
function failed(req: IncomingMessage, res: ServerResponse, log: Logger, err: unknown): void {
  log.error({ err, method: req.method, path: (req.url ?? '').split('?')[0]!.slice(0, 200), remote: req.socket.remoteAddress }, 'HTTP request failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  try {
    res.setHeader('Connection', 'close');
    jsonError(res, 500, 'INTERNAL', 'internal error; details are in the server log');
  } catch {
    res.destroy();
  }
}

/**
 * Node's own HTTP parser refused the request (malformed request line or header, headers over
 * 16 KiB, http.headersTimeoutMs / http.requestTimeoutMs passed): answer with a status and a
 * stable code when the socket can still take one, and close it.
 */
export function onClientError(log: Logger) {
  return (err: NodeJS.ErrnoException, socket: Duplex): void => {
    const response = (socket as { _httpMessage?: ServerResponse })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || response?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, text, message] =
      err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large', 'the request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout', 'the request was not received in time (http.headersTimeoutMs, http.requestTimeoutMs)']
      : [400, 'Bad Request', 'malformed HTTP request'];
    log.debug({ code: err.code, status }, 'malformed HTTP request refused');
    socket.end(rawResponse(status, text, { error: message, code: 'BAD_HTTP' satisfies ErrorCode }));
  };
}

/** Slow-loris bounds for http.createServer / https.createServer (and the TLS handshake). */
export function httpServerOptions(config: Pick<Config, 'http.headersTimeoutMs' | 'http.requestTimeoutMs'>) {
  const headersTimeout = config['http.headersTimeoutMs'];
  const requestTimeout = Math.max(config['http.requestTimeoutMs'], headersTimeout);
  // Node checks the timeouts on this period (30 s by default), which bounds their precision.
  return { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout), handshakeTimeout: headersTimeout };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The one error shape of every HTTP answer: `{"error": "<human message>", "code": "<ERROR_CODE>"}`. */
export function jsonError(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  json(res, status, { error: message, code });
}
