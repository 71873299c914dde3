/**
 * HTTPS/WSS with a self-signed certificate generated here by openssl, and certificate
 * reload (in-process and by SIGHUP to a real `banter serve`) without dropping connections.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { App } from '../../src/server/app.ts';
import { ConfigError } from '../../src/server/config.ts';
import { IrcClient } from '../helpers/irc.ts';
import { startTestServer } from '../helpers/server.ts';
import { hasTool, spawnServer, until, type Child } from './helpers.ts';

const openssl = hasTool('openssl', ['version']);
const skip = !openssl && !process.env.CI ? 'openssl is not installed (apt-get install openssl); required under CI' : false;

const dir = mkdtempSync(join(tmpdir(), 'banter-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh self-signed certificate for localhost / 127.0.0.1; returns its files. */
function makeCert(name: string): { cert: string; key: string; fingerprint: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key, fingerprint: new X509Certificate(readFileSync(cert)).fingerprint256 };
}

/** The fingerprint of the certificate a fresh TLS handshake presents. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.end();
    });
    s.once('error', reject);
  });
}

interface Wss {
  ws: WebSocket;
  frames: Record<string, unknown>[];
  closed: boolean;
}

async function openWss(port: number, ca: Buffer): Promise<Wss> {
  const ws = new WebSocket(`wss://localhost:${port}/ws`, { ca });
  const c: Wss = { ws, frames: [], closed: false };
  ws.on('message', (d) => c.frames.push(JSON.parse(String(d)) as Record<string, unknown>));
  ws.on('close', () => { c.closed = true; });
  await until(() => c.frames.some((f) => f.type === 'hello'), 'hello over wss');
  return c;
}

async function roundTrip(c: Wss, id: string): Promise<void> {
  c.ws.send(JSON.stringify({ type: 'ping', id }));
  await until(() => c.frames.some((f) => f.type === 'reply' && f.id === id), `reply ${id}`);
}

describe('TLS listener', { skip }, () => {
  let app: App;
  let one: ReturnType<typeof makeCert>;
  let two: ReturnType<typeof makeCert>;
  let live: { cert: string; key: string };

  before(async () => {
    one = makeCert('one');
    two = makeCert('two');
    live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    copyFileSync(one.cert, live.cert);
    copyFileSync(one.key, live.key);
    app = await startTestServer({ 'tls.cert': live.cert, 'tls.key': live.key });
  });
  after(async () => { await app?.close(); });

  it('serves HTTPS and WSS with the configured self-signed certificate', async () => {
    assert.match(app.url, /^https:\/\//);
    assert.equal(await servedFingerprint(app.port), one.fingerprint);
    const body = await new Promise<string>((resolve, reject) => {
      httpsGet(`https://localhost:${app.port}/healthz`, { ca: readFileSync(one.cert) }, (res) => {
        let b = '';
        res.setEncoding('utf8').on('data', (d: string) => { b += d; }).on('end', () => resolve(b));
      }).once('error', reject);
    });
    assert.equal((JSON.parse(body) as { status: string }).status, 'ok');
    const c = await openWss(app.port, readFileSync(one.cert));
    c.ws.send(JSON.stringify({ type: 'login', id: 'l1', name: 'TlsUser' }));
    await until(() => c.frames.some((f) => f.type === 'reply' && f.id === 'l1'), 'login reply');
    c.ws.close();
  });

  it('reload() swaps the certificate for new handshakes and keeps existing connections', async () => {
    const old = await openWss(app.port, readFileSync(one.cert));
    copyFileSync(two.cert, live.cert);
    copyFileSync(two.key, live.key);
    app.tls!.reload();
    assert.equal(await servedFingerprint(app.port), two.fingerprint);
    await roundTrip(old, 'still-up');
    assert.equal(old.closed, false);
    const fresh = await openWss(app.port, readFileSync(two.cert));
    await roundTrip(fresh, 'fresh');
    old.ws.close(); fresh.ws.close();
  });

  it('a failed reload keeps the current certificate and says why', async () => {
    writeFileSync(live.key, readFileSync(one.key)); // key of another certificate
    assert.throws(() => app.tls!.reload(), (err: unknown) => err instanceof ConfigError && /invalid TLS certificate\/key/.test(err.message));
    assert.equal(await servedFingerprint(app.port), two.fingerprint);
    copyFileSync(two.key, live.key);
  });
});

describe('per-IP limits count TLS sockets from accept', { skip }, () => {
  let app: App;
  let cert: ReturnType<typeof makeCert>;
  before(async () => {
    cert = makeCert('limits');
    app = await startTestServer({ 'tls.cert': cert.cert, 'tls.key': cert.key, 'limits.exemptLoopback': false, 'limits.perIp': 1, 'limits.connectBurst': 100 });
  });
  after(async () => { await app?.close(); });

  const slots = async (n: number): Promise<void> => until(() => app.ws.limits.openFrom('127.0.0.1') === n, `${n} slot(s) held`);

  it('an IRC TLS handshake in progress holds a slot: a second IRC client over the limit is refused', async () => {
    const stalled = connectTcp(app.ircTlsPort!, '127.0.0.1'); // connects, never starts the handshake
    stalled.on('error', () => undefined);
    await slots(1);
    const plain = await IrcClient.connect(app.ircPort!);
    await plain.waitLine(/^ERROR :Closing Link: .*too many connections/);
    stalled.destroy();
    await slots(0);
  });

  it('an IRC TLS connection over the limit is dropped before its handshake', async () => {
    const held = await IrcClient.connect(app.ircPort!);
    await slots(1);
    const outcome = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: app.ircTlsPort!, ca: readFileSync(cert.cert), servername: 'localhost' }, () => { resolve('handshake completed'); s.destroy(); });
      s.once('error', () => resolve('dropped'));
      s.once('close', () => resolve('dropped'));
    });
    assert.equal(outcome, 'dropped');
    held.socket.destroy();
    await slots(0);
  });

  it('an HTTPS socket over the limit is dropped before its handshake too', async () => {
    const held = connectTcp(app.port, '127.0.0.1');
    held.on('error', () => undefined);
    await slots(1);
    const outcome = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: app.port, ca: readFileSync(cert.cert), servername: 'localhost' }, () => { resolve('handshake completed'); s.destroy(); });
      s.once('error', () => resolve('dropped'));
      s.once('close', () => resolve('dropped'));
    });
    assert.equal(outcome, 'dropped');
    held.destroy();
    await slots(0);
  });
});

describe('SIGHUP reloads the certificate of a running `banter serve`', { skip }, () => {
  let child: Child | undefined;
  after(() => child?.kill());

  it('new handshakes see the new certificate, an open WSS connection stays up', async () => {
    const a = makeCert('hup-a');
    const b = makeCert('hup-b');
    const live = { cert: join(dir, 'hup.crt'), key: join(dir, 'hup.key') };
    copyFileSync(a.cert, live.cert);
    copyFileSync(a.key, live.key);
    child = await spawnServer(['serve'], { BANTER_TLS_CERT: live.cert, BANTER_TLS_KEY: live.key });
    assert.equal(await servedFingerprint(child.port), a.fingerprint);
    const old = await openWss(child.port, readFileSync(a.cert));
    copyFileSync(b.cert, live.cert);
    copyFileSync(b.key, live.key);
    child.proc.kill('SIGHUP');
    await child.waitLog((l) => l.msg === 'TLS certificate reloaded', 'reload log line');
    assert.equal(await servedFingerprint(child.port), b.fingerprint);
    await roundTrip(old, 'after-hup');
    assert.equal(old.closed, false);
    child.proc.kill('SIGTERM');
    assert.equal(await child.exited, 0);
  });
});
