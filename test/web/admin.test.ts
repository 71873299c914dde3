/**
 * The /admin page against the real admin API: token prompt, the client table (polled every
 * 2 s with the bearer token), Disconnect, and a notice that chat users see.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { App } from '../../src/server/app.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { browserSkip, button, join, launch, newUserPage, shot } from './browser.ts';

const TOKEN = 'web-admin-test-token-0123456789';

describe('web client: admin page', { skip: browserSkip() }, () => {
  let app: App;
  let browser: Browser;

  before(async () => {
    app = await startTestServer({ 'admin.token': TOKEN });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('asks for the token, lists clients, disconnects one and sends a notice', async () => {
    const base = `http://127.0.0.1:${app.port}/`;
    const alice = await join(browser, base, 'alice');
    const bob = await TestClient.login(app, 'bob');
    await bob.request('join', { room: '#ops' });

    const admin = await newUserPage(browser, `${base}admin`, 'admin');
    const authHeaders: string[] = [];
    admin.page.on('request', (r) => {
      if (r.url().includes('/api/admin/')) authHeaders.push(r.headers().authorization ?? '');
    });
    await admin.page.getByLabel('Admin token', { exact: true }).fill('not-the-token-at-all');
    await button(admin.page, 'Sign in').click();
    await admin.page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    await admin.page.getByLabel('Admin token', { exact: true }).fill(TOKEN);
    await button(admin.page, 'Sign in').click();

    const table = admin.page.getByRole('table');
    await table.getByRole('cell', { name: 'alice', exact: true }).waitFor();
    await table.getByRole('cell', { name: 'bob', exact: true }).waitFor();
    await table.getByRole('cell', { name: '#lobby, #ops' }).waitFor();
    assert.ok(authHeaders.includes(`Bearer ${TOKEN}`));
    await shot(admin.page, '15-admin');

    await admin.page.getByRole('button', { name: 'Disconnect bob', exact: true }).click();
    const closed = await bob.waitClosed();
    assert.equal(closed.code, 4005);
    await table.getByRole('cell', { name: 'bob', exact: true }).waitFor({ state: 'detached' });

    await admin.page.getByLabel('Notice text', { exact: true }).fill('Maintenance at 18:00');
    await button(admin.page, 'Send notice').click();
    await admin.page.getByText('Notice sent to everyone.').waitFor();
    await alice.page.getByRole('alert').filter({ hasText: 'Maintenance at 18:00' }).waitFor();
    await alice.page.getByRole('log').getByText('Maintenance at 18:00').waitFor();
    await shot(alice.page, '16-notice');
    assert.deepEqual(alice.problems, []);
  });
});
