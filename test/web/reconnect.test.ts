/**
 * The server goes away and comes back on the same port: the page says so, reconnects by
 * itself, and a message typed while offline is delivered exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { App } from '../../src/server/app.ts';
import { startTestServer } from '../helpers/server.ts';
import { browserSkip, join, launch, log, messagesWithText, say, shot, type UserPage } from './browser.ts';

describe('web client: reconnect after a server restart', { skip: browserSkip() }, () => {
  let app: App | undefined;
  let browser: Browser;

  before(async () => { browser = await launch(); });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('reconnects and delivers a message typed while offline exactly once', async () => {
    app = await startTestServer();
    const port = app.port;
    const base = `http://127.0.0.1:${port}/`;
    const alice: UserPage = await join(browser, base, 'alice');
    const bob: UserPage = await join(browser, base, 'bob');
    await log(alice.page).getByText('bob joined', { exact: true }).waitFor();

    await app.close();
    app = undefined;
    await alice.page.getByRole('status').filter({ hasText: /Connection lost|Reconnecting/ }).waitFor();
    await bob.page.getByRole('status').filter({ hasText: /Connection lost|Reconnecting/ }).waitFor();
    // Alice's browser also loses the network, so that bob is back before her outbox flushes
    // (otherwise he could miss the message: the restarted server has no history).
    await alice.context.setOffline(true);

    await say(alice.page, 'typed while offline');
    const pending = messagesWithText(alice.page, 'typed while offline');
    await pending.waitFor();
    await log(alice.page).getByText('Sending…').waitFor();
    await alice.page.getByRole('status').filter({ hasText: '1 message will be sent when the connection is back' }).waitFor();
    await shot(alice.page, '10-offline');

    app = await startTestServer({ port });
    await bob.page.getByRole('status').waitFor({ state: 'detached', timeout: 30_000 });
    await alice.context.setOffline(false);
    await alice.page.getByRole('status').waitFor({ state: 'detached', timeout: 30_000 });
    await log(alice.page).getByText('Sending…').waitFor({ state: 'detached' });

    await messagesWithText(bob.page, 'typed while offline').waitFor();
    // Sync: a later message from alice has arrived, so a duplicate would have arrived too.
    await say(alice.page, 'and this one after');
    await messagesWithText(bob.page, 'and this one after').waitFor();
    await messagesWithText(alice.page, 'and this one after').waitFor();
    assert.equal(await messagesWithText(bob.page, 'typed while offline').count(), 1);
    assert.equal(await messagesWithText(alice.page, 'typed while offline').count(), 1);
    await log(alice.page).getByText('Reconnected.').first().waitFor();
    await shot(alice.page, '11-reconnected');
    // The member list was refreshed from the new server.
    await alice.page.getByRole('complementary', { name: 'Members of #lobby' }).getByText('bob', { exact: true }).waitFor();
    assert.deepEqual(alice.problems.filter((p) => !/WebSocket|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED/.test(p)), []);
  });
});
