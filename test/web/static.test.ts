/**
 * Serving the built web client over real HTTP: content types, caching, SPA fallback, no
 * directory traversal, and the security headers on every response. Uses a fixture
 * directory, so it does not depend on a build.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { CONTENT_SECURITY_POLICY } from '../../src/server/security-headers.ts';
import { startTestServer } from '../helpers/server.ts';

interface Res { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** Raw HTTP GET (fetch would normalise `..` and encoded slashes before sending). */
function get(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static web client files', () => {
  let app: App;
  let dir: string;
  let outside: string;

  before(async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'banter-static-'));
    dir = join(tmp, 'web');
    outside = join(tmp, 'secret.txt');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(dir, 'assets', 'index-AbC123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'index-AbC123.css'), 'body{}');
    writeFileSync(join(dir, 'assets', 'logo-x1.svg'), '<svg/>');
    writeFileSync(outside, 'top secret');
    symlinkSync(outside, join(dir, 'assets', 'link.txt'));
    app = await startTestServer({}, { webRoot: dir });
  });
  after(async () => {
    await app.close();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('serves index.html at / with no-cache and the security headers', async () => {
    const r = await get(app.port, '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(r.body, /<title>app<\/title>/);
    assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self';/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
  });

  it('serves hashed assets with their content type, immutable caching and ETag revalidation', async () => {
    const js = await get(app.port, '/assets/index-AbC123.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.body, 'console.log(1)');
    assert.equal((await get(app.port, '/assets/index-AbC123.css')).headers['content-type'], 'text/css; charset=utf-8');
    assert.equal((await get(app.port, '/assets/logo-x1.svg')).headers['content-type'], 'image/svg+xml');
    const etag = String(js.headers.etag);
    const again = await get(app.port, '/assets/index-AbC123.js', 'GET', { 'If-None-Match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    const head = await get(app.port, '/assets/index-AbC123.js', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '14');
    assert.equal(head.body, '');
  });

  it('falls back to index.html for app routes, but not for missing files or /api', async () => {
    for (const p of ['/admin', '/room/general', '/admin/']) {
      const r = await get(app.port, p);
      assert.equal(r.status, 200, p);
      assert.match(r.body, /<title>app<\/title>/);
      assert.equal(r.headers['cache-control'], 'no-cache');
    }
    const missing = await get(app.port, '/assets/nope-123.js');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.equal((await get(app.port, '/api/unknown')).status, 404);
    assert.equal((await get(app.port, '/healthz')).headers['referrer-policy'], 'no-referrer');
  });

  it('refuses directory traversal, encoded or not, and symlinks that leave the root', async () => {
    for (const p of ['/../secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/link.txt', '/assets%5c..%5c..%5csecret.txt', '/%00']) {
      const r = await get(app.port, p);
      assert.doesNotMatch(r.body, /top secret/, p);
      assert.ok(r.status === 404 || (r.status === 200 && /<title>app/.test(r.body)), `${p}: ${r.status}`);
    }
    // A malformed %-escape is refused before any route (src/transports/http-guard.ts).
    const bad = await get(app.port, '/%E0%A4%A');
    assert.equal(bad.status, 400);
    assert.equal((JSON.parse(bad.body) as { code: string }).code, 'BAD_URL');
  });

  it('answers other methods with 404, not the app', async () => {
    const r = await get(app.port, '/', 'POST');
    assert.equal(r.status, 404);
  });
});

describe('static web client not built', () => {
  it('explains how to build it instead of failing silently', async () => {
    const app = await startTestServer({}, { webRoot: join(tmpdir(), 'banter-no-such-dir') });
    try {
      const r = await get(app.port, '/');
      assert.equal(r.status, 503);
      assert.match(r.body, /npm run build:web/);
    } finally {
      await app.close();
    }
  });
});
