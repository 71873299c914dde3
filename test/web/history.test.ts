/**
 * Durable history in the browser: what was said before the page was opened (after a reload,
 * after joining a room with a past), older pages on scroll, search with from:/in: filters
 * and jumping to a hit that is not loaded yet.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { App } from '../../src/server/app.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { browserSkip, button, join, launch, log, messagesWithText, say, shot, type UserPage } from './browser.ts';

describe('web client: history and search', { skip: browserSkip() }, () => {
  let app: App;
  let browser: Browser;
  let base: string;
  let bob: TestClient;
  let alice: UserPage;

  before(async () => {
    app = await startTestServer();
    base = `http://127.0.0.1:${app.port}/`;
    browser = await launch();
    bob = await TestClient.login(app, 'bob');
  });
  after(async () => {
    bob?.close();
    await browser?.close();
    await app?.close();
  });

  it('shows what was said before the page was opened, and again after a reload', async () => {
    await bob.request('send', { to: '#lobby', text: 'said before alice came' });
    alice = await join(browser, base, 'alice');
    await messagesWithText(alice.page, 'said before alice came').waitFor();
    await say(alice.page, 'alice was here');
    await log(alice.page).locator('.msg:not(.pending) .text').filter({ hasText: 'alice was here' }).waitFor();
    await alice.page.reload();
    await alice.page.locator('.me-name').filter({ hasText: 'alice' }).waitFor();
    await messagesWithText(alice.page, 'said before alice came').waitFor();
    await messagesWithText(alice.page, 'alice was here').waitFor();
    // Once each, in order.
    assert.equal(await messagesWithText(alice.page, 'alice was here').count(), 1);
    const texts = await log(alice.page).locator('.msg .text').allTextContents();
    assert.ok(texts.indexOf('said before alice came') < texts.indexOf('alice was here'), texts.join(' | '));
    assert.deepEqual(alice.problems, []);
  });

  it('shows a room’s recent history on joining it, and older pages on scrolling up', async () => {
    await bob.request('join', { room: '#dev' });
    for (let i = 1; i <= 260; i++) bob.sendRaw({ type: 'send', id: `dev${i}`, to: '#dev', text: i === 7 ? 'the deploy failed on staging' : `dev message ${i}` });
    await bob.waitFor((e) => e.type === 'reply' && e.id === 'dev260', 20_000);
    await bob.request('send', { to: '#lobby', text: 'deploy talk belongs in #dev' });

    await alice.page.getByLabel('Room name', { exact: true }).fill('#dev');
    await button(alice.page, 'Join room').click();
    await alice.page.getByRole('heading', { level: 1, name: '#dev' }).waitFor();
    await messagesWithText(alice.page, 'dev message 260').waitFor();
    assert.equal(await messagesWithText(alice.page, 'dev message 100').count(), 0, 'only the recent history is loaded at first');
    await log(alice.page).getByText('Scroll up for older messages').waitFor();
    // Scrolling to the top pages older messages in, keeping the reader's place.
    for (let i = 0; i < 20 && await messagesWithText(alice.page, 'dev message 150').count() === 0; i++) {
      await alice.page.locator('.scroller').evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); });
      await alice.page.waitForFunction(() => !document.querySelector('.older')?.textContent?.includes('Loading'));
    }
    await messagesWithText(alice.page, 'dev message 150').waitFor();
    await shot(alice.page, '30-history-older');
  });

  it('searches with from: and in: filters and jumps to a hit that was not loaded', async () => {
    await button(alice.page, 'Leave').waitFor();
    await alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /lobby/ }).click();
    await alice.page.getByRole('heading', { level: 1, name: '#lobby' }).waitFor();
    const box = alice.page.getByRole('searchbox', { name: 'Search' });
    await box.fill('deploy from:bob in:#dev');
    await box.press('Enter');
    const results = alice.page.getByRole('dialog', { name: 'Search' }).getByRole('list', { name: 'Search results' });
    await results.getByRole('button').first().waitFor();
    assert.equal(await results.getByRole('button').count(), 1, 'in:#dev leaves out the #lobby message');
    await results.getByRole('button').filter({ hasText: 'the deploy failed on staging' }).waitFor();
    assert.equal(await results.locator('.result-conv').textContent(), '#dev');
    await shot(alice.page, '31-search');

    await results.getByRole('button').first().click();
    await alice.page.getByRole('heading', { level: 1, name: '#dev' }).waitFor();
    const hit = log(alice.page).locator('li.row.hit').filter({ hasText: 'the deploy failed on staging' });
    await hit.waitFor();
    assert.ok(await hit.isVisible(), 'the hit is scrolled into view');
    await shot(alice.page, '32-search-jump');

    // Without in:, both conversations match; from: a name that said nothing finds nothing.
    await box.fill('deploy');
    await box.press('Enter');
    await results.getByRole('button').nth(1).waitFor();
    await alice.page.keyboard.press('Escape');
    await box.fill('deploy from:nobody');
    await box.press('Enter');
    await alice.page.getByRole('dialog', { name: 'Search' }).getByText(/^No messages matching/).waitFor();
    await alice.page.keyboard.press('Escape');
    assert.deepEqual(alice.problems, []);
  });
});
