/**
 * Message features in the browser (docs/web.md, "Message actions"): hover actions, the
 * reaction picker and chips, inline edit, delete, replies and the thread panel, @mention
 * autocomplete, the mentions view and desktop notification, read marks synchronised across
 * pages, multi-line messages and the safe Markdown subset against XSS payloads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { TestClient, wsUrl } from '../helpers/server.ts';
import { browserSkip, button, join, log, messageField, newUserPage, say, shot, webFixture } from './browser.ts';

/** The row of the (first) message whose text contains `text`. */
function row(page: Page, text: string) {
  return log(page).locator('.msg').filter({ hasText: text }).first();
}

async function loginWithPassword(page: Page, name: string, password: string): Promise<void> {
  // A tab of a browser that is signed in already signs in with the stored session token.
  await page.getByLabel('Name', { exact: true }).or(messageField(page)).first().waitFor();
  if (await messageField(page).isVisible()) return;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await button(page, 'Join').click();
  await page.getByLabel('Password', { exact: true }).fill(password);
  await button(page, 'Join').click();
  await messageField(page).or(page.getByRole('alert')).first().waitFor();
  if (!await messageField(page).isVisible()) assert.fail(`login failed: ${await page.getByRole('alert').allTextContents()}`);
}

/** Polls `check` until it is true (at most 30 s; under load the server may take a while to notice a closed socket). */
async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > end) assert.fail('condition never became true');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('web client: message features', { skip: browserSkip() }, () => {
  const web = webFixture();

  it('reacts, edits, deletes, replies and threads with hover actions and the keyboard', async () => {
    const alice = await join(web.browser, web.base, 'alice');
    const bob = await join(web.browser, web.base, 'bob');

    await say(alice.page, 'first from alice');
    const aRow = row(bob.page, 'first from alice');
    await aRow.waitFor();

    // Hover actions: hidden until the pointer is over the message; no Edit/Delete on others' messages.
    const actions = aRow.getByRole('group', { name: 'Message actions' });
    assert.equal(await actions.isVisible(), false);
    await aRow.hover();
    await actions.waitFor({ state: 'visible' });
    assert.equal(await actions.getByRole('button', { name: 'Edit' }).count(), 0);
    assert.equal(await actions.getByRole('button', { name: 'Delete' }).count(), 0);
    await shot(bob.page, '60-hover-actions');

    // Reaction picker, by keyboard: Add reaction opens it, arrows move, Enter picks.
    await actions.getByRole('button', { name: 'Add reaction' }).focus();
    await bob.page.keyboard.press('Enter');
    const picker = bob.page.getByRole('dialog', { name: 'Add a reaction' });
    await picker.waitFor();
    await picker.getByRole('button', { name: 'thumbs up' }).focus();
    await bob.page.keyboard.press('ArrowRight');
    assert.equal(await picker.getByRole('button', { name: 'heart' }).evaluate((el) => el === document.activeElement), true);
    await bob.page.keyboard.press('ArrowLeft');
    await bob.page.keyboard.press('Enter');
    await picker.waitFor({ state: 'detached' });
    // The chip: emoji, count, who reacted; pressed for bob, not for alice.
    const chipBob = aRow.getByRole('button', { name: '👍 1, reacted by bob' });
    await chipBob.waitFor();
    assert.equal(await chipBob.getAttribute('aria-pressed'), 'true');
    assert.match(await chipBob.getAttribute('title') ?? '', /bob/);
    const chipAlice = row(alice.page, 'first from alice').getByRole('button', { name: /^👍 1, reacted by bob/ });
    await chipAlice.waitFor();
    assert.equal(await chipAlice.getAttribute('aria-pressed'), 'false');
    // Alice toggles the same emoji on by pressing the chip: 2, then off again: 1.
    await chipAlice.click();
    await aRow.getByRole('button', { name: '👍 2, reacted by bob, alice' }).waitFor();
    await row(alice.page, 'first from alice').getByRole('button', { name: '👍 2, reacted by bob, alice' }).click();
    await aRow.getByRole('button', { name: '👍 1, reacted by bob' }).waitFor();
    await shot(bob.page, '61-reactions');

    // Inline edit: Escape cancels, Enter saves; both sides show the text and "(edited)".
    const id = await row(alice.page, 'first from alice').getAttribute('data-id');
    const mine = log(alice.page).locator(`.msg[data-id="${id}"]`);
    await mine.hover();
    await mine.getByRole('button', { name: 'Edit' }).click();
    const editField = mine.getByLabel('Edit message');
    await editField.waitFor();
    await editField.fill('changed my mind');
    await editField.press('Escape');
    await editField.waitFor({ state: 'detached' });
    assert.equal(await log(alice.page).getByText('changed my mind').count(), 0);
    await mine.hover();
    await mine.getByRole('button', { name: 'Edit' }).click();
    await mine.getByLabel('Edit message').fill('first from alice, edited');
    await mine.getByLabel('Edit message').press('Enter');
    const edited = row(bob.page, 'first from alice, edited');
    await edited.locator('.edited', { hasText: '(edited)' }).waitFor();
    await row(alice.page, 'first from alice, edited').locator('.edited').waitFor();
    // The reaction survives the edit.
    await edited.getByRole('button', { name: '👍 1, reacted by bob' }).waitFor();

    // Reply: quoted above the reply, on both sides.
    await edited.hover();
    await edited.getByRole('button', { name: 'Reply', exact: true }).click();
    await bob.page.getByRole('note').filter({ hasText: 'Replying to alice' }).waitFor();
    await say(bob.page, 'a reply from bob');
    const quoted = row(alice.page, 'a reply from bob').getByRole('button', { name: /^In reply to alice: first from alice, edited/ });
    await quoted.waitFor();
    // The root shows its reply count.
    await row(alice.page, 'first from alice, edited').getByRole('button', { name: /^1 reply/ }).waitFor();

    // Thread panel: the root and its replies, with its own composer.
    await row(alice.page, 'first from alice, edited').getByRole('button', { name: /^1 reply/ }).click();
    const panel = alice.page.getByRole('complementary', { name: 'Thread' });
    await panel.locator('.msg').filter({ hasText: 'a reply from bob' }).waitFor();
    await panel.getByLabel('Reply in thread').fill('alice answers in the thread');
    await panel.getByLabel('Reply in thread').press('Enter');
    await panel.locator('.msg').filter({ hasText: 'alice answers in the thread' }).waitFor();
    await shot(alice.page, '62-thread');
    await panel.getByRole('button', { name: 'Close thread' }).click();
    await panel.waitFor({ state: 'detached' });
    // Bob took part in the thread: a new reply there, while his panel is closed, counts as unread.
    await row(bob.page, 'first from alice, edited').getByRole('button', { name: /^2 replies, 1 unread/ }).waitFor();
    await row(bob.page, 'first from alice, edited').getByRole('button', { name: /^2 replies/ }).click();
    const bobPanel = bob.page.getByRole('complementary', { name: 'Thread' });
    await bobPanel.locator('.msg').filter({ hasText: 'alice answers in the thread' }).waitFor();
    await bobPanel.getByRole('button', { name: 'Close thread' }).click();
    await row(bob.page, 'first from alice, edited').getByRole('button', { name: '2 replies' }).waitFor();

    // Delete (own, after a confirmation): a tombstone on both sides, its actions gone.
    const reply = row(bob.page, 'a reply from bob');
    await reply.hover();
    await reply.getByRole('button', { name: 'Delete' }).click();
    const confirm = bob.page.getByRole('dialog', { name: 'Delete this message?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await log(alice.page).locator('.msg.deleted .tombstone', { hasText: 'Message deleted' }).waitFor();
    await log(bob.page).locator('.msg.deleted .tombstone', { hasText: 'Message deleted' }).waitFor();
    assert.equal(await log(alice.page).getByText('a reply from bob').count(), 0);
    assert.equal(await log(alice.page).locator('.msg.deleted .msg-actions').count(), 0);

    // Keyboard only: ↑ in the log focuses the newest message, Tab reaches its actions.
    await log(alice.page).focus();
    await alice.page.keyboard.press('ArrowUp');
    const focused = alice.page.locator('.msg:focus');
    await focused.waitFor();
    await alice.page.keyboard.press('Tab');
    assert.equal(await alice.page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Reply');

    for (const u of [alice, bob]) assert.deepEqual(u.problems, []);
    await alice.context.close();
    await bob.context.close();
  });

  it('completes @mentions, highlights and notifies them, and lists them in the mentions view', async () => {
    const dana = await newUserPage(web.browser, web.base, 'dana');
    // The tab can be made "hidden" and Notification is recorded (permission granted).
    await dana.page.addInitScript(() => {
      const w = window as unknown as { __hidden: boolean; __notes: string[] };
      w.__hidden = false;
      w.__notes = [];
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => w.__hidden });
      class FakeNotification {
        static permission = 'granted';
        static requestPermission(): Promise<string> { return Promise.resolve('granted'); }
        onclick: (() => void) | null = null;
        constructor(title: string, opts: { body?: string }) { w.__notes.push(`${title}: ${opts.body ?? ''}`); }
        close(): void { /* nothing */ }
      }
      (window as unknown as { Notification: unknown }).Notification = FakeNotification;
    });
    await dana.page.reload();
    await dana.page.getByLabel('Name', { exact: true }).fill('dana');
    await button(dana.page, 'Join').click();
    await messageField(dana.page).waitFor();
    await dana.page.getByRole('button', { name: 'Desktop notifications' }).click();

    const erin = await join(web.browser, web.base, 'erin');
    // Autocomplete: "@da" suggests dana; Enter picks it.
    await messageField(erin.page).fill('');
    await messageField(erin.page).pressSequentially('hi @da');
    const list = erin.page.getByRole('listbox', { name: 'People to mention' });
    await list.getByRole('option', { name: '@dana' }).waitFor();
    assert.equal(await messageField(erin.page).getAttribute('aria-activedescendant'), 'mention-opt-0');
    await messageField(erin.page).press('Enter');
    assert.equal(await messageField(erin.page).inputValue(), 'hi @dana ');
    await list.waitFor({ state: 'detached' });
    await messageField(erin.page).pressSequentially('look at this');
    await messageField(erin.page).press('Enter');
    // Highlighted for dana.
    await log(dana.page).locator('.msg.mentioned').filter({ hasText: 'hi @dana look at this' }).waitFor();

    // Hidden tab: a mention notifies; a message that does not mention her does not.
    await dana.page.evaluate(() => { (window as unknown as { __hidden: boolean }).__hidden = true; });
    await say(erin.page, 'nothing for anyone');
    await say(erin.page, '@dana **urgent**: the build');
    await dana.page.waitForFunction(() => (window as unknown as { __notes: string[] }).__notes.length > 0);
    assert.deepEqual(await dana.page.evaluate(() => (window as unknown as { __notes: string[] }).__notes), ['erin in #lobby: @dana urgent: the build']);
    await dana.page.evaluate(() => { (window as unknown as { __hidden: boolean }).__hidden = false; });

    // The mentions view: newest first; picking one highlights it in its conversation.
    await dana.page.getByRole('button', { name: 'Mentions' }).click();
    const view = dana.page.getByRole('dialog', { name: 'Mentions' });
    const results = view.getByRole('list', { name: 'Messages that mention you' }).getByRole('button');
    await results.first().waitFor();
    assert.deepEqual(await results.locator('.result-text').allTextContents(), ['@dana urgent: the build', 'hi @dana look at this']);
    await shot(dana.page, '63-mentions');
    await results.nth(1).click();
    await log(dana.page).locator('.row.hit').filter({ hasText: 'hi @dana look at this' }).waitFor();
    assert.deepEqual(dana.problems, []);
    await dana.context.close();
    await erin.context.close();
  });

  it('renders multi-line messages and the safe Markdown subset; XSS payloads stay text', async () => {
    const frank = await join(web.browser, web.base, 'frank');
    const gina = await join(web.browser, web.base, 'gina');
    await gina.page.evaluate(() => { (window as unknown as { __pwned: number }).__pwned = 0; });
    // Shift+Enter makes a new line in the composer.
    await messageField(frank.page).fill('line one');
    await messageField(frank.page).press('Shift+Enter');
    await messageField(frank.page).pressSequentially('**bold** *it* `code` [site](https://example.org/a) > no quote here');
    await messageField(frank.page).press('Shift+Enter');
    await messageField(frank.page).pressSequentially('> quoted');
    await messageField(frank.page).press('Enter');
    const md = row(gina.page, 'line one');
    await md.locator('strong', { hasText: 'bold' }).waitFor();
    assert.equal(await md.locator('em').textContent(), 'it');
    assert.equal(await md.locator('code.md-code').textContent(), 'code');
    assert.equal(await md.getByRole('link', { name: 'site' }).getAttribute('href'), 'https://example.org/a');
    assert.equal(await md.locator('blockquote').textContent(), 'quoted');
    assert.match(await md.locator('.md-p').first().textContent() ?? '', /^line one\n/);

    const client = await TestClient.login(web.app, 'mallory');
    const payloads = [
      '<img src=x onerror="window.__pwned=1">',
      '<script>window.__pwned=2</script>',
      '[click me](javascript:window.__pwned=3)',
      '[click](JaVaScRiPt:window.__pwned=4)',
      '[data](data:text/html,<script>parent.__pwned=5</script>)',
      '**<svg onload="window.__pwned=6">**',
      '`<iframe src="javascript:window.__pwned=7">`',
      '```\n<img src=x onerror="window.__pwned=8">\n```',
      '> <a href="javascript:window.__pwned=9">quote</a>',
      '[x](https://example.org/"onmouseover="window.__pwned=10)',
    ];
    for (const p of payloads) await client.request('send', { to: '#lobby', text: p });
    const last = row(gina.page, 'window.__pwned=10');
    await last.waitFor();
    // Every payload is on screen as text; nothing it contains became an element or ran.
    const shown = (await log(gina.page).textContent())!;
    for (let n = 1; n <= payloads.length; n++) assert.ok(shown.includes(`window.__pwned=${n}`) || shown.includes(`parent.__pwned=${n}`), payloads[n - 1]);
    const lobby = log(gina.page);
    assert.equal(await lobby.locator('.msg .text').locator('img, script, svg, iframe, object, embed').count(), 0);
    const hrefs = await lobby.locator('.msg a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    assert.ok(hrefs.every((h) => /^(https?:|mailto:)/.test(h)), hrefs.join(' '));
    assert.ok(!hrefs.some((h) => h.includes('"')), hrefs.join(' '));
    // Clicking the would-be links does nothing either (they are text).
    await lobby.getByText('[click me](javascript:window.__pwned=3)').click();
    assert.equal(await gina.page.evaluate(() => (window as unknown as { __pwned: number }).__pwned), 0);
    await shot(gina.page, '64-markdown');
    client.close();
    assert.deepEqual(gina.problems, []);
    await frank.context.close();
    await gina.context.close();
  });

  it('synchronises read marks: what one device read is read on the next', async () => {
    const reg = await TestClient.login(web.app, 'hana');
    await reg.request('register', { password: 'a good password 1' });
    reg.close();
    await reg.waitClosed();
    const ivan = await TestClient.login(web.app, 'ivan');
    await ivan.request('send', { to: 'hana', text: 'are you there @hana' });
    await ivan.request('send', { to: 'hana', text: 'call me back' });

    const nav = (p: Page) => p.getByRole('navigation', { name: 'Conversations' });
    const dm = (p: Page) => nav(p).getByRole('button', { name: /ivan/ });
    // The laptop: what came while away is unread; reading it clears it.
    const laptop = await newUserPage(web.browser, web.base, 'hana');
    await loginWithPassword(laptop.page, 'hana', 'a good password 1');
    await dm(laptop.page).getByLabel('2 unread, 2 for you').waitFor();
    await dm(laptop.page).click();
    await log(laptop.page).getByText('call me back').waitFor();
    await dm(laptop.page).getByLabel(/unread/).waitFor({ state: 'detached' });
    await laptop.context.close();
    // The account's mark is in the store (checked as hana once the laptop's connection is gone).
    await waitUntil(async () => {
      const c = await TestClient.open(wsUrl(web.app));
      try {
        await c.request('login', { name: 'hana', password: 'a good password 1' });
        const u = await c.request('unread', {});
        return u.unread.length === 0 && u.mentions.length === 0;
      } catch {
        return false;
      } finally {
        c.close();
        await c.waitClosed();
      }
    });

    // The phone (another browser): the conversation is there, read.
    const phone = await newUserPage(web.browser, web.base, 'hana');
    await loginWithPassword(phone.page, 'hana', 'a good password 1');
    await nav(phone.page).getByRole('button', { name: /lobby/ }).waitFor();
    await ivan.request('send', { to: 'hana', text: 'one more' });
    // Only what came after the mark is unread there.
    await dm(phone.page).getByLabel('1 unread, 1 for you').waitFor();
    ivan.close();
    await phone.context.close();
  });
});
