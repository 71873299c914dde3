/**
 * Resume in the browser, on the SQLite store across a server restart: the page shows the
 * messages it missed once each and in order, and marks a gap (more missed than the server
 * resends at once) that a click fills.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { App } from '../../src/server/app.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { browserSkip, button, join, launch, log, messagesWithText, shot } from './browser.ts';

describe('web client: resume after a restart, with a gap', { skip: browserSkip() }, () => {
  const dir = mkdtempSync(joinPath(tmpdir(), 'banter-web-resume-'));
  let app: App | undefined;
  let browser: Browser;
  const server = (port = 0): Promise<App> => startTestServer({ store: 'sqlite', dataDir: dir, port, 'history.resumeMax': 3 });

  before(async () => { browser = await launch(); });
  after(async () => {
    await browser?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows missed messages once, in order, and fills the gap on request', async () => {
    app = await server();
    const port = app.port;
    const alice = await join(browser, `http://127.0.0.1:${port}/`, 'alice');
    const bob = await TestClient.login(app, 'bob');
    await bob.request('send', { to: '#lobby', text: 'seen before the restart' });
    await messagesWithText(alice.page, 'seen before the restart').waitFor();

    await app.close();
    app = undefined;
    await alice.page.getByRole('status').filter({ hasText: /Connection lost|Reconnecting/ }).waitFor();
    // Keep the page away until bob has said more than the server resends at once.
    await alice.context.setOffline(true);
    app = await server(port);
    const bob2 = await TestClient.login(app, 'bob');
    for (let i = 1; i <= 6; i++) await bob2.request('send', { to: '#lobby', text: `missed ${i}` });
    await alice.context.setOffline(false);
    await alice.page.getByRole('status').waitFor({ state: 'detached', timeout: 30_000 });

    // The newest three came with the login, below a gap marker.
    await messagesWithText(alice.page, 'missed 6').waitFor();
    const gap = log(alice.page).getByRole('note').filter({ hasText: 'Some messages from while you were away are not shown.' });
    await gap.waitFor();
    assert.equal(await messagesWithText(alice.page, 'missed 3').count(), 0);
    await shot(alice.page, '38-resume-gap');
    await button(alice.page, 'Load missed messages').click();
    await messagesWithText(alice.page, 'missed 1').waitFor();
    await gap.waitFor({ state: 'detached' });

    // A live message after all this: everything once, in order.
    await bob2.request('send', { to: '#lobby', text: 'after the resume' });
    await messagesWithText(alice.page, 'after the resume').waitFor();
    const texts = await log(alice.page).locator('.msg .text').allTextContents();
    assert.deepEqual(texts, ['seen before the restart', 'missed 1', 'missed 2', 'missed 3', 'missed 4', 'missed 5', 'missed 6', 'after the resume']);
    bob.close();
    bob2.close();
    assert.deepEqual(alice.problems.filter((p) => !/WebSocket|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED/.test(p)), []);
  });
});
