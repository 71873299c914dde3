/** The admin API over real HTTP and WebSocket connections, and `banter admin` against it. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { ReplyError, startTestServer, TestClient, wsUrl } from '../helpers/server.ts';
import { get, post, runCli } from './helpers.ts';

const TOKEN = 'admin-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${TOKEN}` };
const jsonAuth = { ...auth, 'Content-Type': 'application/json' };

describe('admin API without admin.token', () => {
  let app: App;
  before(async () => { app = await startTestServer(); });
  after(async () => { await app.close(); });

  it('does not exist: 404 for every route, with or without credentials', async () => {
    assert.equal((await get(`${app.url}/api/admin/clients`)).status, 404);
    assert.equal((await get(`${app.url}/api/admin/clients`, { Authorization: 'Bearer ' })).status, 404);
    assert.equal((await post(`${app.url}/api/admin/notice`, '{"text":"x"}', { 'Content-Type': 'application/json' })).status, 404);
  });

  it('"banter admin" says the server has no admin API', async () => {
    const res = await runCli(['admin', 'clients', '--server', app.url, '--token', 'some-token-0123456789']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /has no admin API/);
  });
});

describe('admin API with admin.token', () => {
  let app: App;
  before(async () => { app = await startTestServer({ 'admin.token': TOKEN, 'http.maxBodyBytes': 1024 }); });
  after(async () => { await app.close(); });

  it('refuses requests without or with a wrong token', async () => {
    for (const headers of [{} as Record<string, string>, { Authorization: 'Bearer nope' }, { Authorization: `Basic ${TOKEN}` }, { Authorization: `Bearer ${TOKEN}x` }]) {
      const res = await get(`${app.url}/api/admin/clients`, headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(JSON.parse(res.body).code, 'UNAUTHORIZED');
      assert.equal((await post(`${app.url}/api/admin/notice`, '{"text":"x"}', { ...headers, 'Content-Type': 'application/json' })).status, 401);
      assert.equal((await post(`${app.url}/api/admin/clients/c1/disconnect`, undefined, headers)).status, 401);
    }
  });

  it('lists every connection with id, name, transport, remote, connectedAt, rooms, queuedBytes', async () => {
    const t0 = Date.now();
    const a = await TestClient.login(app, 'AdmListA');
    await a.request('join', { room: '#ops' });
    const anon = await TestClient.open(wsUrl(app));
    const res = await get(`${app.url}/api/admin/clients`, auth);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const { clients } = JSON.parse(res.body) as { clients: Record<string, unknown>[] };
    const mine = clients.find((c) => c.name === 'AdmListA')!;
    assert.deepEqual(Object.keys(mine).sort(), ['connectedAt', 'id', 'name', 'queuedBytes', 'remote', 'rooms', 'transport']);
    assert.equal(mine.transport, 'ws');
    assert.match(String(mine.remote), /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(mine.rooms, ['#lobby', '#ops']);
    assert.ok(Number(mine.connectedAt) >= t0 - 1000 && Number(mine.connectedAt) <= Date.now());
    assert.equal(typeof mine.queuedBytes, 'number');
    assert.ok(clients.some((c) => c.name === null && Array.isArray(c.rooms) && (c.rooms as unknown[]).length === 0), 'not-yet-logged-in connection listed with name null');
    a.close(); anon.close();
  });

  it('disconnects one connection with close code 4005 and tells the others it left', async () => {
    const target = await TestClient.login(app, 'AdmKickMe');
    const other = await TestClient.login(app, 'AdmWatcher');
    const { clients } = JSON.parse((await get(`${app.url}/api/admin/clients`, auth)).body) as { clients: { id: string; name: string | null }[] };
    const id = clients.find((c) => c.name === 'AdmKickMe')!.id;
    const res = await post(`${app.url}/api/admin/clients/${id}/disconnect`, undefined, auth);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { ok: true });
    assert.deepEqual(await target.waitClosed(), { code: 4005, reason: 'Kicked by admin' });
    const left = await other.waitFor((e) => e.type === 'user_left' && e.name === 'AdmKickMe');
    assert.equal((left as { reason: string }).reason, 'Kicked by admin');
    assert.equal(other.closed, undefined);
    const again = await post(`${app.url}/api/admin/clients/${id}/disconnect`, undefined, auth);
    assert.equal(again.status, 404);
    assert.equal(again.json.code, 'NO_SUCH_CONNECTION');
    other.close();
  });

  it('broadcasts a server notice to every logged-in user', async () => {
    const a = await TestClient.login(app, 'AdmNoteA');
    const b = await TestClient.login(app, 'AdmNoteB');
    const res = await post(`${app.url}/api/admin/notice`, JSON.stringify({ text: 'Maintenance at 22:00' }), jsonAuth);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { ok: true });
    for (const c of [a, b]) assert.deepEqual(await c.waitFor((e) => e.type === 'notice'), { type: 'notice', text: 'Maintenance at 22:00' });
    // Recorded in the append-only audit log like an admin's wallops.
    const entries = await app.core.moderation.audit({ limit: 10 });
    assert.ok(entries.some((e) => e.actor === 'admin-api' && e.action === 'wallops' && e.reason === 'Maintenance at 22:00'), JSON.stringify(entries));
    a.close(); b.close();
  });

  it('answers bad requests with clear errors and stable codes', async () => {
    const cases: [string | undefined, Record<string, string>, number, string][] = [
      ['{"text":', jsonAuth, 400, 'BAD_JSON'],
      ['{"txt":"x"}', jsonAuth, 400, 'BAD_REQUEST'],
      ['{"text":"x","extra":1}', jsonAuth, 400, 'BAD_REQUEST'],
      ['{"text":"   "}', jsonAuth, 400, 'TEXT_EMPTY'],
      [JSON.stringify({ text: 'x'.repeat(4001) }), { ...jsonAuth }, 413, 'BODY_TOO_LARGE'],
      ['{"text":"bell\\u0007"}', jsonAuth, 400, 'TEXT_INVALID'],
      ['text=x', { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' }, 400, 'BAD_REQUEST'],
    ];
    for (const [body, headers, status, code] of cases) {
      const res = await post(`${app.url}/api/admin/notice`, body, headers);
      assert.equal(res.status, status, `${body}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.code, code, String(body));
      assert.equal(typeof res.json.error, 'string');
    }
    const wrongMethod = await get(`${app.url}/api/admin/notice`, auth);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    assert.equal((await post(`${app.url}/api/admin/clients/..%2F..%2Fetc/disconnect`, undefined, auth)).status, 404);
  });

  it('answers a malformed %-escape in the path with 400 BAD_URL, not a 500', async () => {
    for (const seg of ['%E0%A4%A', '%', '%zz', 'c1%']) {
      const res = await post(`${app.url}/api/admin/clients/${seg}/disconnect`, undefined, auth);
      assert.equal(res.status, 400, seg);
      assert.equal(res.json.code, 'BAD_URL', seg);
    }
    const list = await get(`${app.url}/api/admin/clients`, auth);
    assert.equal(list.status, 200, 'still serving');
  });

  it('accepts the Bearer scheme in any case (RFC 7235), and only with the right token', async () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      assert.equal((await get(`${app.url}/api/admin/clients`, { Authorization: `${scheme} ${TOKEN}` })).status, 200, scheme);
      assert.equal((await get(`${app.url}/api/admin/clients`, { Authorization: `${scheme} ${TOKEN}x` })).status, 401, scheme);
    }
    assert.equal((await get(`${app.url}/api/admin/clients`, { Authorization: `Bearer  ${TOKEN}` })).status, 200, 'several spaces');
    assert.equal((await get(`${app.url}/api/admin/clients`, { Authorization: `Bearer${TOKEN}` })).status, 401, 'no space');
  });

  it('"banter admin clients" prints the connected clients; disconnect and notice work from the CLI', async () => {
    const a = await TestClient.login(app, 'CliShown');
    const env = { BANTER_ADMIN_TOKEN: TOKEN };
    const table = await runCli(['admin', 'clients', '--server', app.url], env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID\s+NAME\s+TRANSPORT\s+REMOTE\s+CONNECTED\s+ROOMS\s+QUEUED$/m);
    const row = table.stdout.split('\n').find((l) => l.includes('CliShown'));
    assert.ok(row, table.stdout);
    assert.match(row, /^c\d+\s+CliShown\s+ws\s+127\.0\.0\.1:\d+\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+#lobby\s+\d+$/);

    const asJson = await runCli(['admin', 'clients', '--json', '--server', app.url, '--token', TOKEN]);
    const id = (JSON.parse(asJson.stdout) as { clients: { id: string; name: string }[] }).clients.find((c) => c.name === 'CliShown')!.id;

    const note = await runCli(['admin', 'notice', 'hello', 'from', 'cli', '--server', app.url], env);
    assert.equal(note.code, 0, note.stderr);
    await a.waitFor((e) => e.type === 'notice' && e.text === 'hello from cli');

    const kick = await runCli(['admin', 'disconnect', id, '--server', app.url], env);
    assert.equal(kick.code, 0, kick.stderr);
    assert.equal((await a.waitClosed()).code, 4005);

    const denied = await runCli(['admin', 'clients', '--server', app.url, '--token', 'wrong-token-0123456789']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /unauthorized/);
    const noToken = await runCli(['admin', 'clients', '--server', app.url], { BANTER_ADMIN_TOKEN: '' });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /no token/);
  });
});

describe('banter admin grant / revoke: server administrators kept in the store', () => {
  const PW = 'correct horse battery';
  let dataDir = '';
  after(() => { if (dataDir) rmSync(dataDir, { recursive: true, force: true }); });

  it('marks a registered account admin from the CLI, effective at once and after a restart; revoke takes it away; every change is audited', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'banter-admins-'));
    const cfg = { store: 'sqlite', dataDir, 'auth.scryptLog2N': 10, 'admin.token': TOKEN } as const;
    const env = { BANTER_ADMIN_TOKEN: TOKEN };
    let app = await startTestServer(cfg);
    try {
      const erin = await TestClient.login(app, 'Erin');
      await erin.request('register', { password: PW });
      await assert.rejects(erin.request('audit', {}), (e: unknown) => e instanceof ReplyError && e.code === 'NOT_ADMIN');

      const missing = await runCli(['admin', 'grant', 'Nobody', '--server', app.url], env);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /404 NO_SUCH_ACCOUNT/);
      const bad = await runCli(['admin', 'grant', 'no good', '--server', app.url], env);
      assert.match(bad.stderr, /400 NAME_INVALID/);

      const granted = await runCli(['admin', 'grant', 'Erin', '--server', app.url], env);
      assert.equal(granted.code, 0, granted.stderr);
      assert.equal(granted.stdout, 'granted Erin\nerin  (granted)\n');
      // Effective for the live session, without logging in again.
      await erin.request('audit', {});
      erin.close();
      await app.close();

      app = await startTestServer(cfg);
      const again = await TestClient.open(wsUrl(app));
      await again.request('login', { name: 'Erin', password: PW });
      const log = await again.request('audit', {});
      assert.deepEqual(log.entries.map((e) => [e.actor, e.action, e.target]), [['admin-api', 'admin_grant', 'erin']]);
      const listed = await runCli(['admin', 'admins', '--json', '--server', app.url], env);
      assert.deepEqual(JSON.parse(listed.stdout), { config: [], granted: ['erin'] });

      const revoked = await runCli(['admin', 'revoke', 'erin', '--server', app.url], env);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(revoked.stdout, 'revoked erin\nno server administrators\n');
      await assert.rejects(again.request('audit', {}), (e: unknown) => e instanceof ReplyError && e.code === 'NOT_ADMIN');
      const wrongMethod = await post(`${app.url}/api/admin/admins/erin`, undefined, auth);
      assert.equal(wrongMethod.status, 405);
      again.close();
    } finally {
      await app.close();
    }
  });
});
