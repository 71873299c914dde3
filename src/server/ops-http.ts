/**
 * Operational HTTP routes: `GET /readyz` (can this node take traffic?) and `GET /metrics`
 * (Prometheus text, optionally behind a bearer token). `/healthz` (process alive) stays in
 * http.ts; the admin API is in admin.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPingable, type Logger } from '../core/ports.ts';
import { json } from './http.ts';
import { HttpError, requireBearer, runRoute, sendError } from './http-api.ts';
import type { PromMetrics } from './metrics.ts';

/** How long /readyz waits for a storage ping before calling the node not ready. */
export const READY_PING_TIMEOUT_MS = 2000;

export interface ReadyDeps {
  /** Listeners bound and not draining. */
  accepting(): boolean;
  /** Adapters checked with `ping()` when they implement Pingable, by name. */
  backends: Record<string, object>;
  log: Logger;
}

export function readyRoute(deps: ReadyDeps) {
  return (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    if (url.pathname !== '/readyz') return false;
    if (!allow(req, res, 'GET')) return true;
    runRoute(res, (err) => deps.log.error({ err }, 'readyz failed'), async () => {
      const checks: Record<string, string> = { listeners: deps.accepting() ? 'ok' : 'draining' };
      await Promise.all(Object.entries(deps.backends).map(async ([name, b]) => {
        if (!isPingable(b)) { checks[name] = 'ok'; return; }
        try {
          await withTimeout(b.ping(), READY_PING_TIMEOUT_MS);
          checks[name] = 'ok';
        } catch (err) {
          // The detail may name paths or hosts: log it, answer only "unreachable".
          deps.log.warn({ err, backend: name }, 'readiness check failed');
          checks[name] = 'unreachable';
        }
      }));
      const ready = Object.values(checks).every((v) => v === 'ok');
      res.setHeader('Cache-Control', 'no-store');
      json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
    });
    return true;
  };
}

export function metricsRoute(metrics: PromMetrics, token: string, log: Logger) {
  return (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    if (url.pathname !== '/metrics') return false;
    if (!allow(req, res, 'GET')) return true;
    runRoute(res, (err) => log.error({ err }, 'metrics scrape failed'), async () => {
      if (token !== '') requireBearer(req, token, 'banter-metrics');
      const { body, contentType } = await metrics.scrape();
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
      res.end(body);
    });
    return true;
  };
}

/** Answers 405 unless the method is `method` (HEAD is not offered). */
export function allow(req: IncomingMessage, res: ServerResponse, ...methods: string[]): boolean {
  if (methods.includes(req.method ?? '')) return true;
  req.resume();
  sendError(res, new HttpError(405, 'METHOD_NOT_ALLOWED', `use ${methods.join(' or ')}`, { Allow: methods.join(', ') }));
  return false;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
