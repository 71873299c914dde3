/**
 * The /admin page against a stand-in for the admin API (the real API is tested with the
 * server): token prompt, polling with the bearer token, Disconnect, and notices.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Route } from 'playwright-core';
import type { App } from '../../src/server/app.ts';
import { startTestServer } from '../helpers/server.ts';
import { browserSkip, button, launch, newUserPage, shot } from './browser.ts';

describe('web client: admin page', { skip: browserSkip() }, () => {
  let app: App;
  let browser: Browser;

  before(async () => {
    app = await startTestServer();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('asks for the token, polls the client list, disconnects and sends notices', async () => {
    const u = await newUserPage(browser, `http://127.0.0.1:${app.port}/admin`, 'admin');
    const now = Date.now();
    let clients = [
      { id: 'c1', name: 'alice', transport: 'ws', remote: '127.0.0.1:50000', connectedAt: now - 65_000, rooms: ['#lobby', '#dev'], queuedBytes: 0 },
      { id: 'c2', name: 'bob', transport: 'irc', remote: '127.0.0.1:50001', connectedAt: now - 3_600_000, rooms: ['#lobby'], queuedBytes: 2048 },
    ];
    const seen: string[] = [];
    const notices: unknown[] = [];
    await u.context.route('**/api/admin/**', async (route: Route) => {
      const req = route.request();
      const auth = req.headers().authorization;
      seen.push(`${req.method()} ${new URL(req.url()).pathname} ${auth}`);
      if (auth !== 'Bearer s3cret') return route.fulfill({ status: 401, json: { error: 'unauthorized' } });
      const path = new URL(req.url()).pathname;
      if (path === '/api/admin/clients') return route.fulfill({ json: { clients } });
      if (path === '/api/admin/clients/c2/disconnect' && req.method() === 'POST') {
        clients = clients.filter((c) => c.id !== 'c2');
        return route.fulfill({ json: { ok: true } });
      }
      if (path === '/api/admin/notice' && req.method() === 'POST') {
        notices.push(req.postDataJSON());
        return route.fulfill({ json: { ok: true } });
      }
      return route.fulfill({ status: 404, json: { error: 'not found' } });
    });

    await u.page.getByLabel('Admin token', { exact: true }).fill('wrong');
    await button(u.page, 'Sign in').click();
    await u.page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    await u.page.getByLabel('Admin token', { exact: true }).fill('s3cret');
    await button(u.page, 'Sign in').click();

    const table = u.page.getByRole('table');
    await table.getByRole('cell', { name: 'alice', exact: true }).waitFor();
    await table.getByRole('cell', { name: '#lobby, #dev' }).waitFor();
    await table.getByRole('cell', { name: '2.0 KiB' }).waitFor();
    await shot(u.page, '15-admin');

    await u.page.getByRole('button', { name: 'Disconnect bob', exact: true }).click();
    await table.getByRole('cell', { name: 'bob', exact: true }).waitFor({ state: 'detached' });
    assert.ok(seen.includes('POST /api/admin/clients/c2/disconnect Bearer s3cret'));

    await u.page.getByLabel('Notice text', { exact: true }).fill('Maintenance at 18:00');
    await button(u.page, 'Send notice').click();
    await u.page.getByText('Notice sent to everyone.').waitFor();
    assert.deepEqual(notices, [{ text: 'Maintenance at 18:00' }]);

    // It keeps polling (every 2 s).
    const gets = (): number => seen.filter((s) => s.startsWith('GET') && s.endsWith('s3cret')).length;
    const before = gets();
    const deadline = Date.now() + 6000;
    while (gets() <= before) {
      assert.ok(Date.now() < deadline, 'polls again within 6 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(u.problems.filter((p) => !p.includes('401')), []);
  });
});
