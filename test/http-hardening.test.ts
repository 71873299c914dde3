/**
 * The HTTP listener under hostile input, over real TCP sockets: request targets and headers
 * that URL parsers choke on, random and adversarial request lines and headers (plain and as
 * WebSocket upgrades), DNS rebinding (Host allowlist), per-IP limits on plain HTTP sockets,
 * slow-loris timeouts and a route that throws. The server must answer each with a status and
 * a stable code, close only that connection, and keep serving everyone else.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { App } from '../src/server/app.ts';
import { handleHttp } from '../src/server/http.ts';
import { createLogger } from '../src/server/logger.ts';
import { HostPolicy } from '../src/transports/http-guard.ts';
import { startTestServer, TestClient, wsUrl } from './helpers/server.ts';

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const upgradeHeaders = `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${WS_KEY}\r\nSec-WebSocket-Version: 13\r\n`;

interface Exchange {
  text: string;
  /** Status codes of every response on the connection, in order. */
  statuses: number[];
  /** The server closed the connection (false: our deadline passed first). */
  closed: boolean;
}

/** Sends `bytes` on a fresh TCP connection, half-closes it, and collects everything until the server closes it. */
function exchange(port: number, bytes: string | Buffer, opts: { halfClose?: boolean; timeoutMs?: number } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(port, '127.0.0.1');
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ text, statuses: [...text.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)].map((m) => Number(m[1])), closed });
    };
    const timer = setTimeout(() => done(false), opts.timeoutMs ?? 15_000);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', () => { /* 'close' follows */ });
    s.on('close', () => done(true));
    s.write(bytes);
    if (opts.halfClose ?? true) s.end();
  });
}

/** The JSON body of the last response in an exchange. */
function lastBody(x: Exchange): Record<string, unknown> {
  const body = x.text.slice(x.text.lastIndexOf('\r\n\r\n') + 4);
  return JSON.parse(body) as Record<string, unknown>;
}

/** A keep-alive HTTP/1.1 connection on which requests are sent one after another. */
class KeepAlive {
  readonly socket: Socket;
  closed = false;
  private buf = Buffer.alloc(0);
  private wake: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => { this.buf = Buffer.concat([this.buf, d]); this.wake?.(); });
    socket.on('error', () => { /* 'close' follows */ });
    socket.on('close', () => { this.closed = true; this.wake?.(); });
  }

  static open(port: number): Promise<KeepAlive> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new KeepAlive(s)));
      s.once('error', reject);
    });
  }

  /** Sends a GET and resolves with the complete response (Content-Length framed). */
  async get(path: string, port: number): Promise<{ status: number; headers: string; body: string }> {
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end !== -1) {
        const head = this.buf.subarray(0, end).toString('latin1');
        const length = Number(/^content-length: *(\d+)$/im.exec(head)?.[1] ?? 0);
        if (this.buf.length >= end + 4 + length) {
          const body = this.buf.subarray(end + 4, end + 4 + length).toString('utf8');
          this.buf = this.buf.subarray(end + 4 + length);
          return { status: Number(head.slice(9, 12)), headers: head, body };
        }
      }
      if (this.closed) throw new Error('connection closed before a complete response');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no complete response in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(t); resolve(); };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A logger that keeps error-level entries (an unexpected handler failure is logged at error). */
function errorLog(): { log: ReturnType<typeof createLogger>; errors: Record<string, unknown>[] } {
  const errors: Record<string, unknown>[] = [];
  const log = createLogger({ logLevel: 'error', logFormat: 'json' }, { write: (s: string) => { errors.push(JSON.parse(s) as Record<string, unknown>); } });
  return { log, errors };
}

async function stillServing(app: App): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${app.port}/healthz`);
  assert.equal(res.status, 200);
  const c = await TestClient.login(app, `Alive${Math.floor(Math.random() * 1e6)}`);
  await c.sync();
  c.close();
}

describe('request targets that URL parsers choke on', () => {
  let app: App;
  before(async () => { app = await startTestServer(); });
  after(async () => { await app.close(); });

  it('answers GET //[ with 400 BAD_URL and keeps serving', async () => {
    const x = await exchange(app.port, `GET //[ HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\n\r\n`);
    assert.deepEqual(x.statuses, [400]);
    assert.equal(lastBody(x).code, 'BAD_URL');
    await stillServing(app);
  });

  it('refuses a WebSocket upgrade to //[ with 400 and keeps serving', async () => {
    const x = await exchange(app.port, `GET //[ HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\n${upgradeHeaders}\r\n`);
    assert.deepEqual(x.statuses, [400]);
    assert.ok(x.closed);
    await stillServing(app);
  });

  it('answers other unparsable targets (absolute-form with a bad host, bad %-escapes, *) with 400 BAD_URL', async () => {
    for (const target of ['http://[', '/%zz', '/healthz%', '*', '//healthz']) {
      const x = await exchange(app.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\n\r\n`);
      assert.deepEqual(x.statuses, [400], target);
      assert.equal(lastBody(x).code, 'BAD_URL', target);
    }
    const abs = await exchange(app.port, `GET http://127.0.0.1:${app.port}/healthz HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\n\r\n`);
    assert.deepEqual(abs.statuses, [200], 'absolute-form to this server is served');
  });

  it('answers requests the HTTP parser refuses with a status and BAD_HTTP: malformed header 400, huge headers 431', async () => {
    const bad = await exchange(app.port, `GET /healthz HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n`);
    assert.deepEqual(bad.statuses, [400]);
    assert.equal(lastBody(bad).code, 'BAD_HTTP');
    const huge = await exchange(app.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.deepEqual(huge.statuses, [431]);
    assert.equal(lastBody(huge).code, 'BAD_HTTP');
    await stillServing(app);
  });
});

describe('a route that throws', () => {
  let server: Server;
  let port: number;
  const { log, errors } = errorLog();
  before(async () => {
    const routes = {
      health: () => ({ status: 'ok' }), log, hosts: new HostPolicy([]), accepted: { refusal: () => undefined },
      handlers: [(_req: unknown, _res: unknown, url: URL) => { if (url.pathname === '/boom') throw new Error('route bug'); return false; }],
    };
    server = createServer((req, res) => handleHttp(req, res, routes));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  after(() => { server.closeAllConnections(); server.close(); });

  it('gets 500 INTERNAL with Connection: close, is logged, and the server keeps answering', async () => {
    const x = await exchange(port, `GET /boom HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, { halfClose: false });
    assert.ok(x.closed, 'the failing connection is closed by the server');
    assert.deepEqual(x.statuses, [500]);
    assert.match(x.text, /^connection: close$/im);
    assert.deepEqual(lastBody(x), { error: 'internal error; details are in the server log', code: 'INTERNAL' });
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.msg, 'HTTP request failed');
    assert.equal(errors[0]!.path, '/boom');
    const ok = await exchange(port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    assert.deepEqual(ok.statuses, [200]);
  });
});

describe('a WebSocket handler that throws', () => {
  let app: App;
  const { log, errors } = errorLog();
  before(async () => { app = await startTestServer({}, { log }); });
  after(async () => { await app.close(); });

  it('a frame whose handling throws closes that connection with 1011, is logged, and others go on', async () => {
    const bystander = await TestClient.login(app, 'Bystander');
    const victim = await TestClient.login(app, 'Victim');
    const execute = app.core.execute.bind(app.core);
    // Fault injection: the core throws synchronously for one request (a bug, not an input error).
    app.core.execute = ((session, req) => {
      if (req.id === 'boom') throw new Error('injected bug');
      return execute(session, req);
    }) as typeof app.core.execute;
    try {
      victim.sendRaw({ type: 'ping', id: 'boom' });
      assert.deepEqual(await victim.waitClosed(), { code: 1011, reason: 'Internal error' });
      await bystander.waitFor((e) => e.type === 'user_left' && e.name === 'Victim');
      await bystander.sync();
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.msg, 'WebSocket frame handler failed');
    } finally {
      app.core.execute = execute;
    }
    bystander.close();
  });

  it('an upgrade whose handling throws destroys that socket, is logged, and others go on', async () => {
    errors.length = 0;
    const attach = app.core.attach.bind(app.core);
    app.core.attach = () => { throw new Error('injected bug'); };
    try {
      const x = await exchange(app.port, `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\n${upgradeHeaders}\r\n`, { halfClose: false });
      assert.ok(x.closed, 'the failing socket is closed by the server');
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.msg, 'WebSocket upgrade failed');
    } finally {
      app.core.attach = attach;
    }
    await stillServing(app);
  });
});

describe('fuzzing the HTTP listener with raw request lines and headers', () => {
  let app: App;
  const { log, errors } = errorLog();
  before(async () => { app = await startTestServer({ 'admin.token': ADMIN_TOKEN, 'http.maxBodyBytes': 1024 }, { log }); });
  after(async () => { await app.close(); });

  it('answers every case (plain and upgrade) without a 500 or a logged failure, and keeps serving', async () => {
    const port = app.port;
    const methods = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PRI', 'get', 'G\0T', 'GET GET', ''];
    const targets = ['//[', '//', '/%', '/%zz', '/%E0%A4%A', '*', 'http://[', 'http://[::1', `http://a:b@127.0.0.1:${port}/healthz`, 'https://evil.example/', 'http://evil.example/ws',
      '/ws', '/ws?x=%', '/ws/', '/WS', '/healthz', '/healthz?%', '/readyz', '/metrics', '/api/admin/clients', '/api/admin/clients/%E0%A4%A/disconnect',
      '/api/admin/clients/%00/disconnect', '/api/admin/clients/c1/disconnect', '/api/admin/notice', '/..%2f..%2fetc/passwd', '/%2e%2e/%2e%2e/', '/\\..\\..',
      '/' + 'a'.repeat(3000), '/assets/%ff.js', '/index.html', 'example.com:443', '/\u00e9', '/a\u0000b', ''];
    const versions = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra', 'HTTP/9', 'HTTPS/1.1', ''];
    const names = ['Host', 'Origin', 'Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Extensions',
      'Content-Length', 'Transfer-Encoding', 'Content-Type', 'Authorization', 'If-None-Match', 'Expect', 'X-Forwarded-For', ' Host', 'Host ', 'H\0st', ''];
    const values = ['', '127.0.0.1', `127.0.0.1:${port}`, `localhost:${port}`, '[::1]', '[', '[::1', 'evil.example', '//[', 'http://[', 'null', 'http://evil.example',
      `http://127.0.0.1:${port}`, 'websocket', 'Upgrade', 'upgrade, keep-alive', WS_KEY, '13', '8', 'permessage-deflate; client_max_window_bits', '-1',
      '99999999999999999999', '0x10', '5', 'chunked', 'chunked, chunked', 'gzip', 'application/json', 'Bearer x', `bearer ${ADMIN_TOKEN}`, `Bearer ${ADMIN_TOKEN}`,
      'Basic Og==', '100-continue', '\u00ff\u00fe', 'a'.repeat(9000)];
    const header = fc.tuple(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 12 })), fc.oneof(fc.constantFrom(...values), fc.string({ maxLength: 40 })));
    const request = fc.record({
      upgrade: fc.boolean(),
      // Half the cases start from a valid request line and Host, so random headers reach the routes.
      valid: fc.boolean(),
      // '/api/nope' (404) among them, so every seed reaches the not-found path (FUZZ_SEED=1799927465 had none).
      validTarget: fc.constantFrom('/ws', '/healthz', '/', '/api/admin/clients', '/metrics', '/readyz', '/api/nope'),
      // A third of the valid lines name another server (421), so every seed reaches that guard.
      validHost: fc.constantFrom(`127.0.0.1:${port}`, `localhost:${port}`, 'evil.example'),
      method: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...methods) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }),
      target: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...targets) }, { weight: 1, arbitrary: fc.string({ maxLength: 60 }) }),
      version: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...versions) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }),
      host: fc.option(fc.constantFrom(...values.slice(0, 12)), { nil: undefined }),
      headers: fc.array(header, { maxLength: 6 }),
      body: fc.oneof(fc.constant(''), fc.string({ maxLength: 80 }), fc.constant('{"text":"fuzz"}')),
      eol: fc.constantFrom('\r\n', '\r\n', '\r\n', '\n'),
    });
    // A fresh seed each run (printed with any failure, to replay it).
    const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const cases = fc.sample(request, { numRuns: 1000, seed });
    const bytes = (r: (typeof cases)[number]): Buffer => {
      const lines = r.valid ? [`GET ${r.upgrade ? '/ws' : r.validTarget} HTTP/1.1`, `Host: ${r.validHost}`] : [`${r.method} ${r.target} ${r.version}`];
      if (r.host !== undefined && !r.valid) lines.push(`Host: ${r.host}`);
      if (r.upgrade) lines.push(...upgradeHeaders.trimEnd().split('\r\n'));
      for (const [n, v] of r.headers) lines.push(`${n}: ${v}`);
      return Buffer.from(lines.join(r.eol) + r.eol + r.eol + r.body, 'utf8');
    };
    const results: { input: string; x: Exchange }[] = [];
    const queue = cases.map(bytes);
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let b = queue.shift(); b !== undefined; b = queue.shift()) results.push({ input: b.toString('latin1').slice(0, 300), x: await exchange(port, b) });
    }));
    assert.equal(results.length, cases.length);
    for (const { input, x } of results) {
      assert.ok(x.closed, `the server closed the connection (FUZZ_SEED=${seed}): ${JSON.stringify(input)}`);
      assert.ok(!x.statuses.includes(500), `500 (FUZZ_SEED=${seed}) for ${JSON.stringify(input)}: ${x.text.slice(0, 300)}`);
    }
    const statuses = new Set(results.flatMap((r) => r.x.statuses));
    // The cases reach the guards and the routes, not only the HTTP parser.
    for (const s of [101, 200, 400, 404, 421]) assert.ok(statuses.has(s), `some case got ${s} (FUZZ_SEED=${seed}); got ${[...statuses].sort().join(',')}`);
    assert.deepEqual(errors, [], `no request made a handler fail (FUZZ_SEED=${seed})`);
    await stillServing(app);
  });
});

describe('Host allowlist (DNS rebinding)', () => {
  let app: App;
  before(async () => { app = await startTestServer({ 'http.allowedHosts': 'chat.example.com, Other.Example.' }); });
  after(async () => { await app.close(); });

  const get = (port: number, host: string): Promise<Exchange> => exchange(port, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  const upgrade = (port: number, host: string, origin?: string): Promise<Exchange> =>
    exchange(port, `GET /ws HTTP/1.1\r\nHost: ${host}\r\n${origin ? `Origin: ${origin}\r\n` : ''}${upgradeHeaders}\r\n`);

  it('answers 421 HOST_NOT_ALLOWED to a Host that is not this server, over HTTP and WebSocket', async () => {
    for (const host of ['evil.example', `evil.example:${app.port}`, 'chat.example.com.evil.example', 'localhost.evil.example', '[', 'a b']) {
      const x = await get(app.port, host);
      assert.deepEqual(x.statuses, [421], host);
      assert.equal(lastBody(x).code, 'HOST_NOT_ALLOWED');
    }
    // The rebinding attack: the attacker's page and the Host are the same name, so Origin = Host.
    const rebound = await upgrade(app.port, `evil.example:${app.port}`, `http://evil.example:${app.port}`);
    assert.deepEqual(rebound.statuses, [421]);
    assert.match(rebound.text, /http\.allowedHosts/);
  });

  it('answers loopback names, IP addresses and the configured names', async () => {
    for (const host of [`127.0.0.1:${app.port}`, `localhost:${app.port}`, 'LOCALHOST', 'app.localhost', `[::1]:${app.port}`, '10.1.2.3', '[fe80::1]:80', 'chat.example.com', 'CHAT.example.com:443', 'other.example']) {
      assert.deepEqual((await get(app.port, host)).statuses, [200], host);
    }
    const proxied = await upgrade(app.port, 'chat.example.com', 'https://chat.example.com');
    assert.deepEqual(proxied.statuses, [101], 'the page of a TLS proxy in front (same host and port)');
    const same = await upgrade(app.port, `chat.example.com:${app.port}`, `http://chat.example.com:${app.port}`);
    assert.deepEqual(same.statuses, [101]);
    const local = await upgrade(app.port, `localhost:${app.port}`, `http://localhost:${app.port}`);
    assert.deepEqual(local.statuses, [101]);
    const crossPort = await upgrade(app.port, `localhost:${app.port}`, 'http://localhost:1');
    assert.deepEqual(crossPort.statuses, [403], 'another local origin (port) is another site');
  });

  it('`*` turns the check off', async () => {
    const open = await startTestServer({ 'http.allowedHosts': '*' });
    try {
      assert.deepEqual((await get(open.port, 'anything.example')).statuses, [200]);
    } finally {
      await open.close();
    }
  });
});

describe('per-IP limits count plain HTTP sockets', () => {
  let app: App;
  before(async () => { app = await startTestServer({ 'limits.exemptLoopback': false, 'limits.perIp': 2, 'limits.connectBurst': 100 }); });
  after(async () => { await app.close(); });

  it('a third concurrent socket from one address gets 429 TOO_MANY_CONNECTIONS (HTTP and upgrade) until one closes', async () => {
    const a = await KeepAlive.open(app.port);
    const b = await KeepAlive.open(app.port);
    assert.equal((await a.get('/healthz', app.port)).status, 200);
    assert.equal((await b.get('/healthz', app.port)).status, 200);
    // Both sockets stay open (keep-alive) and hold their slots.
    assert.equal((await a.get('/healthz', app.port)).status, 200);
    const third = await exchange(app.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\n\r\n`, { halfClose: false });
    assert.deepEqual(third.statuses, [429]);
    assert.equal(lastBody(third).code, 'TOO_MANY_CONNECTIONS');
    assert.ok(third.closed, 'the refused socket is closed');
    const ws = await exchange(app.port, `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\n${upgradeHeaders}\r\n`, { halfClose: false });
    assert.deepEqual(ws.statuses, [429]);
    a.close();
    const deadline = Date.now() + 5000;
    while (app.ws.limits.openFrom('127.0.0.1') > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const again = await KeepAlive.open(app.port);
    assert.equal((await again.get('/healthz', app.port)).status, 200, 'the freed slot is usable');
    again.close(); b.close();
  });

  it('a WebSocket on a counted socket takes no second slot', async () => {
    const deadline = Date.now() + 5000;
    while (app.ws.limits.openFrom('127.0.0.1') > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const one = await TestClient.open(wsUrl(app));
    const two = await TestClient.open(wsUrl(app));
    assert.equal(app.ws.limits.openFrom('127.0.0.1'), 2);
    one.close(); two.close();
    await one.waitClosed(); await two.waitClosed();
  });
});

describe('slow clients', () => {
  let app: App;
  before(async () => { app = await startTestServer({ 'http.headersTimeoutMs': 300, 'http.requestTimeoutMs': 600 }); });
  after(async () => { await app.close(); });

  it('a client that never finishes its headers gets 408 BAD_HTTP and is closed after http.headersTimeoutMs', async () => {
    const t0 = Date.now();
    const x = await exchange(app.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `, { halfClose: false, timeoutMs: 5000 });
    assert.ok(x.closed, 'closed by the server');
    assert.deepEqual(x.statuses, [408]);
    assert.equal(lastBody(x).code, 'BAD_HTTP');
    assert.ok(Date.now() - t0 < 3000, `closed after ${Date.now() - t0} ms`);
  });

  it('a client that never finishes its body is closed after http.requestTimeoutMs', async () => {
    const x = await exchange(app.port, `POST /api/admin/notice HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"te`, { halfClose: false, timeoutMs: 5000 });
    assert.ok(x.closed, 'closed by the server');
  });

  it('a client that connects and sends nothing is closed too', async () => {
    const x = await exchange(app.port, '', { halfClose: false, timeoutMs: 5000 });
    assert.ok(x.closed, 'closed by the server');
    await stillServing(app);
  });
});

describe('security headers', () => {
  it('CSP connect-src is only the page\'s own origin', async () => {
    const app = await startTestServer();
    try {
      const res = await fetch(`http://127.0.0.1:${app.port}/healthz`);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /(?:^|; )connect-src 'self'(?:;|$)/);
      assert.doesNotMatch(csp, /\bwss?:/);
    } finally {
      await app.close();
    }
  });
});
