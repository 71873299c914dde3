/**
 * Accessibility, checked by a machine: axe-core's WCAG 2.0/2.1 A and AA rules on every
 * screen of the web app (entry, chat, side drawers, direct message, Users, search results,
 * Account, Jump to conversation, Keyboard help, admin), each in the light and the dark theme at
 * desktop and at phone width. Any violation fails, with axe's report.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { TestClient } from '../helpers/server.ts';
import { assertAccessible } from './axe.ts';
import { browserSkip, button, join, log, messageField, messagesWithText, newUserPage, say, shot, webFixture } from './browser.ts';

const TOKEN = 'a11y-admin-token-0123456789abcdef';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const VARIANTS = [
  { theme: 'light', size: 'desktop', viewport: DESKTOP },
  { theme: 'dark', size: 'desktop', viewport: DESKTOP },
  { theme: 'light', size: 'phone', viewport: PHONE },
  { theme: 'dark', size: 'phone', viewport: PHONE },
] as const;

/**
 * Checks the screen in all four variants. `prepare` runs after each switch (for instance to
 * open a drawer that only exists at phone width).
 */
async function everyVariant(page: Page, screen: string, prepare?: (size: 'desktop' | 'phone') => Promise<void>): Promise<void> {
  for (const v of VARIANTS) {
    // Reduced motion: colours and drawers are measured at rest, not half-way through a transition.
    await page.emulateMedia({ colorScheme: v.theme, reducedMotion: 'reduce' });
    await page.setViewportSize(v.viewport);
    // The media change reaches the renderer's style engine asynchronously: wait until the page
    // sees it and two frames have been laid out.
    await page.waitForFunction((dark) => matchMedia('(prefers-color-scheme: dark)').matches === dark, v.theme === 'dark');
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await prepare?.(v.size);
    await assertAccessible(page, `${screen}, ${v.theme} theme, ${v.size}`);
  }
  await page.setViewportSize(DESKTOP);
}

describe('web client: accessibility (axe-core, WCAG 2.0/2.1 A and AA)', { skip: browserSkip() }, () => {
  const web = webFixture({ 'admin.token': TOKEN });

  it('the entry screen, also with an error shown', async () => {
    const u = await newUserPage(web.browser, web.base, 'entry');
    await u.page.getByLabel('Name', { exact: true }).waitFor();
    await everyVariant(u.page, 'entry screen');
    await u.page.getByLabel('Name', { exact: true }).fill('9lives');
    await button(u.page, 'Join').click();
    await u.page.getByRole('alert').filter({ hasText: 'must not start with a digit' }).waitFor();
    await everyVariant(u.page, 'entry screen with an error');
    await u.context.close();
  });

  it('chat, drawers, direct message and every dialog', async () => {
    const alice = await join(web.browser, web.base, 'alice');
    const bob = await TestClient.login(web.app, 'bob');
    const carol = await TestClient.login(web.app, 'carol');
    await carol.request('away', { message: 'lunch' });
    const { page } = alice;
    await log(page).getByText('bob joined', { exact: true }).waitFor();

    // Every kind of row: others' messages with a link and a mention, my own, a notice, an
    // action, a calculator result, join lines, a typing indicator and an unread DM badge.
    await bob.request('send', { to: '#lobby', text: 'morning @alice, the notes are at https://example.com/notes' });
    await bob.request('send', { to: '#lobby', text: 'waves', kind: 'action' });
    await bob.request('send', { to: '#lobby', text: 'build finished', kind: 'notice' });
    await say(page, 'thanks bob');
    await messagesWithText(page, 'thanks bob').waitFor();
    await messageField(page).fill('2^10+1');
    await button(page, 'Calculate').click();
    await log(page).locator('output.result', { hasText: '1025' }).waitFor();
    await bob.request('send', { to: 'alice', text: 'a private word' });
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /bob/ }).waitFor();
    // A server-wide notice: the banner and its line in the log.
    const res = await fetch(`${web.base}api/admin/notice`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Maintenance at 18:00' }) });
    assert.equal(res.status, 200);
    await page.getByRole('alert').filter({ hasText: 'Maintenance at 18:00' }).waitFor();
    await bob.request('typing', { to: '#lobby' });
    await page.getByText('bob is typing…').waitFor();
    await everyVariant(page, 'chat in #lobby');

    // The side drawers of small screens, open.
    await everyVariant(page, 'chat with the conversations drawer open', async (size) => {
      if (size === 'phone' && (await button(page, 'Conversations').getAttribute('aria-expanded')) !== 'true') await button(page, 'Conversations').click();
    });
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 900, height: 800 });
    await button(page, 'Members').click();
    await assertAccessible(page, 'chat at tablet width with the members drawer open');
    await page.keyboard.press('Escape');

    // A direct conversation.
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /bob/ }).click();
    await page.getByRole('heading', { level: 1, name: 'bob' }).waitFor();
    await messagesWithText(page, 'a private word').waitFor();
    await everyVariant(page, 'direct message with bob');

    // Users.
    await button(page, 'Users').click();
    const users = page.getByRole('dialog', { name: 'Users' });
    await users.getByText('Away: lunch').waitFor();
    await everyVariant(page, 'Users dialog');
    await page.keyboard.press('Escape');
    await users.waitFor({ state: 'detached' });

    // Direct message picker.
    await button(page, 'Direct message').click();
    await page.getByRole('dialog', { name: 'Direct message' }).getByRole('button', { name: 'Send to carol' }).waitFor();
    await everyVariant(page, 'Direct message dialog');
    await page.keyboard.press('Escape');

    // Search results.
    await page.getByRole('searchbox', { name: 'Search' }).fill('notes');
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
    const results = page.getByRole('dialog', { name: 'Search' });
    await results.getByRole('button').filter({ hasText: 'the notes are at' }).waitFor();
    await everyVariant(page, 'search results');
    await page.keyboard.press('Escape');
    await page.getByRole('searchbox', { name: 'Search' }).fill('nothing-matches-this');
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
    await results.getByText(/^No messages matching/).waitFor();
    await everyVariant(page, 'search without results');
    await page.keyboard.press('Escape');

    // Account.
    await button(page, 'Account').click();
    await page.getByRole('dialog', { name: 'Account' }).getByLabel('Repeat password', { exact: true }).waitFor();
    await everyVariant(page, 'Account dialog');
    await page.keyboard.press('Escape');

    // Jump to conversation (Ctrl+K) and the keyboard help.
    await page.keyboard.press('Control+k');
    await page.getByRole('dialog', { name: 'Jump to conversation' }).waitFor();
    await everyVariant(page, 'Jump to conversation dialog');
    await page.keyboard.press('Escape');
    await button(page, 'Keyboard shortcuts').click();
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await everyVariant(page, 'Keyboard shortcuts dialog');
    await page.keyboard.press('Escape');

    bob.ws.close();
    carol.ws.close();
    await alice.context.close();
  });

  it('message features: actions, reactions, edits, tombstones, replies, Markdown, picker, thread panel, mentions', async () => {
    const dora = await join(web.browser, web.base, 'dora');
    const ed = await TestClient.login(web.app, 'ed');
    const { page } = dora;
    const root = await ed.request('send', { to: '#lobby', text: '**Release** notes for @dora:\n```\nnpm run build\n```\n> check the *changelog*\nsee [docs](https://example.org/docs)' });
    await ed.request('react', { to: '#lobby', msgid: root.msg.id, emoji: '👍', on: true });
    await ed.request('send', { to: '#lobby', text: 'a reply', replyTo: root.msg.id });
    const gone = await ed.request('send', { to: '#lobby', text: 'to be deleted' });
    await ed.request('delete', { to: '#lobby', msgid: gone.msg.id });
    await say(page, 'my own words');
    await log(page).locator('.msg[data-id]').filter({ hasText: 'my own words' }).waitFor();
    const mineId = await log(page).locator('.msg[data-id]').filter({ hasText: 'my own words' }).getAttribute('data-id');
    const mine = log(page).locator(`.msg[data-id="${mineId}"]`);
    await mine.hover();
    await mine.getByRole('button', { name: 'Edit' }).click();
    await mine.getByLabel('Edit message').fill('my own words, edited');
    await mine.getByLabel('Edit message').press('Enter');
    await log(page).locator('.edited').waitFor();
    await log(page).locator('.tombstone').waitFor();
    await log(page).getByRole('button', { name: /^In reply to ed/ }).waitFor();
    await everyVariant(page, 'message features', async () => {
      await log(page).locator('.msg').filter({ hasText: 'Release' }).first().hover();
    });
    const rootRow = log(page).locator('.msg').filter({ hasText: 'Release' }).first();
    await rootRow.hover();
    await rootRow.getByRole('button', { name: 'Add reaction' }).click();
    await page.getByRole('dialog', { name: 'Add a reaction' }).waitFor();
    await everyVariant(page, 'reaction picker');
    await page.keyboard.press('Escape');
    await mine.hover();
    await mine.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete this message?' }).waitFor();
    await everyVariant(page, 'delete confirmation');
    await page.keyboard.press('Escape');
    await rootRow.getByRole('button', { name: /^1 reply/ }).click();
    await page.getByRole('complementary', { name: 'Thread' }).locator('.msg').filter({ hasText: 'a reply' }).waitFor();
    await everyVariant(page, 'thread panel');
    await page.getByRole('button', { name: 'Close thread' }).click();
    await messageField(page).fill('');
    await messageField(page).pressSequentially('hi @e');
    await page.getByRole('listbox', { name: 'People to mention' }).waitFor();
    await assertAccessible(page, 'mention suggestions');
    await messageField(page).press('Escape');
    await button(page, 'Mentions').click();
    await page.getByRole('dialog', { name: 'Mentions' }).getByRole('button').filter({ hasText: 'Release' }).waitFor();
    await everyVariant(page, 'mentions view');
    await page.keyboard.press('Escape');
    ed.ws.close();
    await dora.context.close();
  });

  it('screen readers: landmarks, text for unread counts and presence, batched live announcements', async (t) => {
    const alice = await join(web.browser, web.base, 'alice2');
    const bob = await TestClient.login(web.app, 'bob2');
    await bob.request('join', { room: '#ops' });
    const { page } = alice;
    await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    await page.getByRole('main', { name: '#lobby' }).waitFor();
    await page.getByRole('complementary', { name: 'Members of #lobby' }).waitFor();
    // The log is not a live region itself (a history page would be read row by row).
    assert.equal(await log(page).getAttribute('aria-live'), 'off');
    // Record every announcement the two live regions make.
    await page.evaluate(() => {
      const w = window as unknown as { said: { polite: string[]; assertive: string[] } };
      w.said = { polite: [], assertive: [] };
      for (const [id, kind] of [['live-messages', 'polite'], ['live-for-me', 'assertive']] as const) {
        const region = document.getElementById(id)!;
        new MutationObserver(() => { const t = region.textContent ?? ''; if (t) w.said[kind].push(t); }).observe(region, { childList: true, subtree: true, characterData: true });
      }
    });
    const said = () => page.evaluate(() => (window as unknown as { said: { polite: string[]; assertive: string[] } }).said);
    assert.equal(await page.locator('#live-messages').getAttribute('aria-live'), 'polite');
    assert.equal(await page.locator('#live-for-me').getAttribute('aria-live'), 'assertive');

    // One message in the open conversation: read politely, as "name: text".
    await bob.request('send', { to: '#lobby', text: 'good morning' });
    await page.waitForFunction(() => (window as unknown as { said: { polite: string[] } }).said.polite.length === 1);
    assert.deepEqual(await said(), { polite: ['bob2: good morning'], assertive: [] });

    // A burst of 100: a few summaries, not 100 announcements, and every message counted.
    for (let i = 1; i <= 100; i++) bob.sendRaw({ type: 'send', id: `burst${i}`, to: '#lobby', text: `burst ${i}` });
    await messagesWithText(page, 'burst 100').waitFor();
    await page.waitForFunction(() => (window as unknown as { said: { polite: string[] } }).said.polite.at(-1)?.endsWith('burst 100') === true);
    const burst = (await said()).polite.slice(1);
    assert.ok(burst.length <= 3, `100 messages made ${burst.length} announcements: ${burst.join(' | ')}`);
    const counted = burst.reduce((n, t) => n + (/^(\d+) new messages in #lobby\. Latest from bob2: burst \d+$/.exec(t) ? Number(/^\d+/.exec(t)![0]) : /^bob2: burst \d+$/.test(t) ? 1 : Number.NaN), 0);
    assert.equal(counted, 100, `the announcements count all 100 messages: ${burst.join(' | ')}`);
    t.diagnostic(`a burst of 100 messages was announced ${burst.length} time(s): ${burst.join(' | ')}`);

    // A mention in another room and a direct message: assertive, and unread counts in words.
    await page.getByLabel('Room name', { exact: true }).fill('#ops');
    await button(page, 'Join room').click();
    await page.getByRole('heading', { level: 1, name: '#ops' }).waitFor();
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /lobby/ }).click();
    await page.getByRole('heading', { level: 1, name: '#lobby' }).waitFor();
    await bob.request('send', { to: '#ops', text: 'alice2, can you look at the deploy?' });
    await page.waitForFunction(() => (window as unknown as { said: { assertive: string[] } }).said.assertive.length === 1);
    await bob.request('send', { to: 'alice2', text: 'also, lunch?' });
    await page.waitForFunction(() => (window as unknown as { said: { assertive: string[] } }).said.assertive.length === 2);
    assert.deepEqual((await said()).assertive, ['bob2 mentioned you in #ops: alice2, can you look at the deploy?', 'Direct message from bob2: also, lunch?']);
    const nav = page.getByRole('navigation', { name: 'Conversations' });
    await nav.getByRole('button', { name: 'ops 1 unread, 1 for you', exact: true }).waitFor();
    // Presence in words next to the coloured dot: the DM entry, the member list.
    await nav.getByRole('button', { name: /^bob2 ?, online 1 unread, 1 for you$/ }).waitFor();
    await bob.request('away', { message: 'lunch' });
    await nav.getByRole('button', { name: /^bob2 ?, away 1 unread, 1 for you$/ }).waitFor();
    await page.getByRole('complementary', { name: 'Members of #lobby' }).getByRole('button', { name: 'bob2, away' }).waitFor();
    // Messages in a conversation that is neither open nor for me are not announced.
    const before = await said();
    await bob.request('send', { to: '#ops', text: 'not for anyone in particular' });
    await nav.getByRole('button', { name: 'ops 2 unread, 1 for you', exact: true }).waitFor();
    await bob.request('send', { to: '#lobby', text: 'marker' });
    await page.waitForFunction(() => (window as unknown as { said: { polite: string[] } }).said.polite.at(-1) === 'bob2: marker');
    assert.deepEqual((await said()).assertive, before.assertive);
    assert.ok(!(await said()).polite.some((t) => t.includes('not for anyone')));
    assert.deepEqual(alice.problems, []);
    bob.ws.close();
    await alice.context.close();
  });

  it('prefers-contrast: more gives text 7:1 (WCAG AAA enhanced contrast) in both themes', async () => {
    const alice = await join(web.browser, web.base, 'alice3');
    const bob = await TestClient.login(web.app, 'bob3');
    const { page } = alice;
    await bob.request('send', { to: '#lobby', text: 'hi @alice3, see https://example.com/x' });
    await bob.request('send', { to: '#lobby', text: 'automated', kind: 'notice' });
    await bob.request('send', { to: 'alice3', text: 'psst' });
    await say(page, 'mine');
    await messageField(page).fill('1+1');
    await button(page, 'Calculate').click();
    await log(page).locator('output.result', { hasText: '2' }).waitFor();
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /bob3/ }).waitFor();
    const enhanced = { type: 'rule' as const, values: ['color-contrast-enhanced'] };
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme, contrast: 'more', reducedMotion: 'reduce' });
      await page.waitForFunction((dark) => matchMedia('(prefers-contrast: more)').matches && matchMedia('(prefers-color-scheme: dark)').matches === dark, theme === 'dark');
      await assertAccessible(page, `chat, ${theme} theme, more contrast`, enhanced);
      await assertAccessible(page, `chat, ${theme} theme, more contrast (A and AA rules)`);
      await button(page, 'Users').click();
      await page.getByRole('dialog', { name: 'Users' }).getByText('bob3').waitFor();
      await assertAccessible(page, `Users dialog, ${theme} theme, more contrast`, enhanced);
      await page.keyboard.press('Escape');
    }
    bob.ws.close();
    await alice.context.close();
  });

  it('prefers-reduced-motion: no transitions or animations (drawer, typing dots)', async () => {
    const u = await join(web.browser, web.base, 'still', PHONE);
    const bob = await TestClient.login(web.app, 'bob4');
    const { page } = u;
    const running = () => page.evaluate(() => document.getAnimations().filter((a) => a.playState === 'running').length);
    const slide = () => page.locator('.sidebar').evaluate((el) => getComputedStyle(el).transitionDuration);
    const blink = () => page.locator('.typing-dots i').first().evaluate((el) => getComputedStyle(el).animationName);
    // Without the preference the drawer slides and the typing dots blink, so the checks below
    // can tell the difference.
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    await bob.request('typing', { to: '#lobby' });
    await page.getByText('bob4 is typing…').waitFor();
    assert.notEqual(await slide(), '0s', 'the drawer slides when motion is fine');
    assert.notEqual(await blink(), 'none', 'the typing dots blink when motion is fine');
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.waitForFunction(() => matchMedia('(prefers-reduced-motion: reduce)').matches);
    await bob.request('typing', { to: '#lobby' }); // the indicator lasts 6 s: keep it up
    await page.getByText('bob4 is typing…').waitFor();
    assert.equal(await slide(), '0s', 'the drawer does not slide');
    assert.equal(await blink(), 'none', 'the typing dots do not blink');
    await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished)));
    await button(page, 'Conversations').click();
    assert.equal(await running(), 0, 'nothing moves while the drawer opens');
    await page.keyboard.press('Escape');
    bob.ws.close();
    await u.context.close();
  });

  it('text at 200 % (the browser\'s font size setting): no loss of content or function', async () => {
    const u = await join(web.browser, web.base, 'big');
    const { page } = u;
    await say(page, 'a line of text to measure');
    const text = messagesWithText(page, 'a line of text to measure');
    await text.waitFor();
    const size = () => text.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    const normal = await size();
    // What Chrome's Settings > Appearance > Font size does: the default font size, doubled.
    const cdp = await u.context.newCDPSession(page);
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 32, fixed: 26 } });
    // The renderer applies it at its next style update; on a loaded machine that can take a while.
    // Polled on a timer, not on animation frames (a page that paints no frame would never be
    // checked), and on the measured message itself, not on whichever message comes first.
    const el = await text.elementHandle();
    await page.waitForFunction(([e, px]) => parseFloat(getComputedStyle(e as Element).fontSize) >= (px as number), [el, normal * 2] as const, { timeout: 30_000, polling: 100 });
    assert.equal(await size(), normal * 2, 'message text doubles');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'no horizontal scrolling');
    const width = page.viewportSize()!.width;
    for (const name of ['Conversations', 'Users', 'Keyboard shortcuts', 'Members', 'Calculate', 'Direct message', 'Send']) {
      const b = button(page, name);
      const box = (await b.boundingBox())!;
      assert.ok(box && box.x >= 0 && box.x + box.width <= width, `${name} is fully on screen: ${JSON.stringify(box)}`);
      assert.ok(await b.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), `${name}'s content is not cut off`);
    }
    for (const field of [messageField(page), page.getByRole('searchbox', { name: 'Search' })]) {
      const box = (await field.boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= width && box.width >= 40, `${await field.getAttribute('aria-label')} is on screen and usable: ${JSON.stringify(box)}`);
    }
    await shot(page, 'a11y-text-200');
    // Still works: send, calculate, the conversations drawer, a dialog that fits.
    await say(page, 'still readable');
    await messagesWithText(page, 'still readable').waitFor();
    await messageField(page).fill('3*3');
    await button(page, 'Calculate').click();
    await log(page).locator('output.result', { hasText: '9' }).waitFor();
    await button(page, 'Conversations').click();
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /lobby/ }).click();
    await button(page, 'Users').click();
    const box = (await page.getByRole('dialog', { name: 'Users' }).boundingBox())!;
    assert.ok(box.x >= 0 && box.x + box.width <= width, `the Users dialog fits: ${JSON.stringify(box)}`);
    await assertAccessible(page, 'Users dialog with text at 200 %');
    await page.keyboard.press('Escape');
    await assertAccessible(page, 'chat with text at 200 %');
    assert.deepEqual(u.problems, []);
    await u.context.close();
  });

  it('the admin page: token prompt and the client table', async () => {
    const u = await newUserPage(web.browser, `${web.base}admin`, 'admin');
    await u.page.getByLabel('Admin token', { exact: true }).waitFor();
    await everyVariant(u.page, 'admin token prompt');
    await u.page.getByLabel('Admin token', { exact: true }).fill(TOKEN);
    await button(u.page, 'Sign in').click();
    await u.page.getByRole('table').waitFor();
    await u.page.getByText('Nobody is connected.').or(u.page.getByRole('button', { name: /^Disconnect / }).first()).waitFor();
    await everyVariant(u.page, 'admin client table');
    await u.context.close();
  });
});
