/**
 * Plain HTTP routes next to the WebSocket endpoint. Static web client files are served from
 * `webRoot` when it exists (the web client issue adds the built app).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setSecurityHeaders } from './security-headers.ts';
import type { StaticFiles } from './static.ts';

export interface HttpRoutes {
  health(): object;
  /** More routes (readiness, metrics, admin API: src/server/ops-http.ts); each returns true when it took the request. */
  handlers?: ((req: IncomingMessage, res: ServerResponse, url: URL) => boolean)[];
  /** The built web client, served at `/` (src/server/static.ts). */
  web?: StaticFiles;
}

export function handleHttp(req: IncomingMessage, res: ServerResponse, routes: HttpRoutes): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  setSecurityHeaders(res);
  if (url.pathname === '/healthz') {
    json(res, 200, routes.health());
    return;
  }
  for (const h of routes.handlers ?? []) if (h(req, res, url)) return;
  if (routes.web) {
    routes.web.handle(req, res, url.pathname).then((handled) => {
      if (!handled) json(res, 404, { error: 'not found' });
    }, () => {
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
    return;
  }
  json(res, 404, { error: 'not found' });
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
