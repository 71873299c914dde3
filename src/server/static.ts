/**
 * Serves the built web client (dist/web) at `/`.
 *
 * - Only GET/HEAD; only regular files inside the root (the decoded, normalised path must stay
 *   inside it, so `..`, encoded slashes, NUL bytes and symlinks out of the root are refused).
 * - Hashed files under /assets/ are immutable and cached for a year; everything else
 *   (index.html) is revalidated on every load, so a new build is picked up at once.
 * - Any other path without a file extension gets index.html (client-side routes such as
 *   /admin), except under /api/; a missing file with an extension is a 404.
 * - Files are read per request: the built app is small, and a rebuild needs no restart.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `vite build` puts the web client (see vite.config.ts). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Longest request path considered; longer ones are a 404 without touching the disk. */
const MAX_PATH_LENGTH = 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export interface StaticFiles {
  /** Serves the request if it is for the web client; returns false when it is not handled. */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean>;
}

export function staticFiles(root: string = DEFAULT_WEB_ROOT): StaticFiles {
  const base = resolve(root);
  let realBase: string | undefined;

  async function file(rel: string): Promise<{ path: string; size: number; mtime: Date } | undefined> {
    const full = resolve(join(base, rel));
    if (full !== base && !full.startsWith(base + sep)) return undefined;
    try {
      realBase ??= await realpath(base);
      const real = await realpath(full);
      if (real !== realBase && !real.startsWith(realBase + sep)) return undefined;
      const st = await stat(real);
      return st.isFile() ? { path: real, size: st.size, mtime: st.mtime } : undefined;
    } catch {
      return undefined;
    }
  }

  return {
    async handle(req, res, pathname) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (pathname.length > MAX_PATH_LENGTH) return false;
      // API and WebSocket paths never fall back to the app.
      if (pathname === '/api' || pathname.startsWith('/api/') || pathname === '/ws') return false;
      let rel: string;
      try {
        rel = decodeURIComponent(pathname);
      } catch {
        return false;
      }
      if (rel.includes('\0') || rel.includes('\\')) return false;
      const dirLike = rel.endsWith('/');
      if (dirLike) rel += 'index.html';

      let found = await file(rel);
      let fallback = false;
      if (!found && (dirLike || extname(rel) === '')) {
        found = await file('index.html');
        fallback = true;
      }
      if (!found) {
        if (rel === '/index.html' || fallback) {
          notBuilt(res);
          return true;
        }
        return false;
      }

      const type = TYPES[extname(found.path).toLowerCase()] ?? 'application/octet-stream';
      const immutable = !fallback && rel.startsWith('/assets/');
      const etag = `W/"${found.size.toString(16)}-${found.mtime.getTime().toString(16)}"`;
      res.setHeader('Content-Type', type);
      res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('ETag', etag);
      res.setHeader('Last-Modified', found.mtime.toUTCString());
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304);
        res.end();
        return true;
      }
      res.setHeader('Content-Length', found.size);
      res.writeHead(200);
      if (req.method === 'HEAD') {
        res.end();
        return true;
      }
      const stream = createReadStream(found.path);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
      return true;
    },
  };
}

function notBuilt(res: ServerResponse): void {
  const body = 'The web client has not been built. Run `npm run build:web` (npm start does it for you).\n';
  res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}
