/**
 * The original desktop app's story, in the browser: three users in three browser contexts
 * join, broadcast, calculate, send a direct message and list the users. Screenshots of each
 * state go to test-artifacts/web/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { App } from '../../src/server/app.ts';
import { startTestServer } from '../helpers/server.ts';
import { browserSkip, button, join, launch, log, messageField, messagesWithText, newUserPage, say, shot, type UserPage } from './browser.ts';

describe('web client: the original story with three users', { skip: browserSkip() }, () => {
  let app: App;
  let browser: Browser;
  let alice: UserPage;
  let bob: UserPage;
  let carol: UserPage;
  let base: string;

  before(async () => {
    app = await startTestServer();
    base = `http://127.0.0.1:${app.port}/`;
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows the entry screen with a Name field and a Join button', async () => {
    const u = await newUserPage(browser, base, 'entry');
    await u.page.getByLabel('Name', { exact: true }).waitFor();
    await button(u.page, 'Join').waitFor();
    await shot(u.page, '01-login');
    // An invalid name is refused before anything is sent.
    await u.page.getByLabel('Name', { exact: true }).fill('9lives');
    await button(u.page, 'Join').click();
    await u.page.getByRole('alert').filter({ hasText: 'must not start with a digit' }).waitFor();
    await u.context.close();
  });

  it('all three join and see the join notices of those who came after them', async () => {
    alice = await join(browser, base, 'alice');
    bob = await join(browser, base, 'bob');
    carol = await join(browser, base, 'carol');
    await log(alice.page).getByText('bob joined', { exact: true }).waitFor();
    await log(alice.page).getByText('carol joined', { exact: true }).waitFor();
    await log(bob.page).getByText('carol joined', { exact: true }).waitFor();
    // Everyone's member list shows all three.
    for (const u of [alice, bob, carol]) {
      const members = u.page.getByRole('complementary', { name: 'Members of #lobby' });
      for (const n of ['alice', 'bob', 'carol']) await members.getByText(n, { exact: true }).waitFor();
    }
    await shot(alice.page, '02-joined');
  });

  it('a broadcast reaches all three', async () => {
    await say(alice.page, 'Hello everyone! https://example.com/docs');
    for (const u of [alice, bob, carol]) await messagesWithText(u.page, 'Hello everyone! https://example.com/docs').waitFor();
    // The link is clickable and opens safely.
    const link = log(bob.page).getByRole('link', { name: 'https://example.com/docs' });
    assert.equal(await link.getAttribute('href'), 'https://example.com/docs');
    assert.match((await link.getAttribute('rel')) ?? '', /noopener/);
    // Enter sent it and cleared the field; Shift+Enter makes a new line instead.
    assert.equal(await messageField(alice.page).inputValue(), '');
    await messageField(bob.page).fill('line one');
    await messageField(bob.page).press('Shift+Enter');
    await messageField(bob.page).pressSequentially('line two');
    assert.equal(await messageField(bob.page).inputValue(), 'line one\nline two');
    await button(bob.page, 'Send').click();
    for (const u of [alice, bob, carol]) await log(u.page).locator('.msg .text').filter({ hasText: 'line two' }).waitFor();
    assert.equal(await log(carol.page).locator('.msg .text').filter({ hasText: 'line two' }).innerText(), 'line one\nline two');
    await shot(carol.page, '03-broadcast');
  });

  it('Calculate shows 2^10+1 = 1025 only to the user who asked', async () => {
    await messageField(bob.page).fill('2^10+1');
    await button(bob.page, 'Calculate').click();
    const result = log(bob.page).getByRole('note', { name: 'Calculator result, only visible to you' });
    await result.locator('output').filter({ hasText: '1025' }).waitFor();
    assert.match(await result.innerText(), /2\^10\+1\s*=\s*1025/);
    assert.match(await result.innerText(), /only visible to you/);
    await shot(bob.page, '04-calculate');
    // Sync: a later broadcast has arrived everywhere, so a leaked result would be there too.
    await say(bob.page, 'calc done');
    for (const u of [alice, carol]) {
      await messagesWithText(u.page, 'calc done').waitFor();
      assert.equal(await log(u.page).getByText('1025').count(), 0, `${u.name} must not see the calculator result`);
    }
  });

  it('Direct message reaches only the addressee and opens its own conversation', async () => {
    await messageField(carol.page).fill('psst alice, only for you');
    await button(carol.page, 'Direct message').click();
    const dialog = carol.page.getByRole('dialog', { name: 'Direct message' });
    await dialog.getByLabel('Recipient', { exact: true }).fill('alice');
    await shot(carol.page, '05-dm-dialog');
    await dialog.getByRole('button', { name: 'Send privately', exact: true }).click();
    // Carol's view switched to the new conversation, listed in the sidebar.
    await carol.page.getByRole('heading', { level: 1, name: 'alice' }).waitFor();
    await messagesWithText(carol.page, 'psst alice, only for you').waitFor();
    const sidebarEntry = alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /carol/ });
    await sidebarEntry.waitFor();
    assert.match((await sidebarEntry.getAttribute('class')) ?? '', /unread/);
    await shot(alice.page, '06-dm-unread');
    await sidebarEntry.click();
    await messagesWithText(alice.page, 'psst alice, only for you').waitFor();
    await shot(alice.page, '07-dm-open');
    // Bob never sees it: after a later broadcast from carol has reached him, it is still absent.
    await carol.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /lobby/ }).click();
    await say(carol.page, 'back in the lobby');
    await messagesWithText(bob.page, 'back in the lobby').waitFor();
    assert.equal(await bob.page.getByText('psst alice, only for you').count(), 0);
    assert.equal(await bob.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /carol/ }).count(), 0);
  });

  it('Users lists all three with their presence', async () => {
    await button(bob.page, 'Set away').click();
    await button(alice.page, 'Users').click();
    const dialog = alice.page.getByRole('dialog', { name: 'Users' });
    const list = dialog.getByRole('list', { name: 'Connected users' });
    for (const n of ['alice', 'bob', 'carol']) await list.getByText(n, { exact: true }).waitFor();
    await list.getByText('Away', { exact: true }).waitFor();
    await shot(alice.page, '08-users');
    await alice.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('gives every control an accessible name', async () => {
    for (const u of [alice, bob, carol]) {
      const unnamed = await u.page.evaluate(() => {
        const out: string[] = [];
        for (const el of document.querySelectorAll<HTMLElement>('button, input, textarea, select, a[href]')) {
          const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
            || (el as HTMLInputElement).labels?.length || el.textContent?.trim() || el.getAttribute('title');
          if (!labelled) out.push(el.outerHTML.slice(0, 120));
        }
        return out;
      });
      assert.deepEqual(unnamed, [], `${u.name}: controls without a name`);
    }
  });

  it('works at phone width and in dark mode', async () => {
    const { page } = alice;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await messageField(page).waitFor();
    await button(page, 'Send').waitFor();
    await button(page, 'Calculate').waitFor();
    await button(page, 'Direct message').waitFor();
    await button(page, 'Users').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false);
    await shot(page, '09-phone-dark');
    // The sidebar is a drawer on phones.
    const nav = page.getByRole('navigation', { name: 'Conversations' });
    await button(page, 'Conversations').click();
    await nav.getByRole('button', { name: /lobby/ }).waitFor();
    await shot(page, '09-phone-drawer');
    await nav.getByRole('button', { name: /lobby/ }).click();
    await nav.waitFor({ state: 'hidden' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await shot(page, '09-desktop-dark');
  });

  it('had no script errors or CSP violations', () => {
    for (const u of [alice, bob, carol]) {
      assert.deepEqual(u.problems, [], `${u.name}: ${u.problems.join('\n')}`);
      assert.deepEqual(u.dialogs, []);
    }
  });
});
