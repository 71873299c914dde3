/**
 * Keyboard only: join, send, calculate, open a direct message, open Users, search and jump to
 * a hit, join and switch rooms, the shortcuts (Alt+↑/↓, Ctrl+K, ?) — with no pointer event
 * at all. Every control reached with Tab must show a focus ring; dialogs keep focus inside
 * and give it back to the control that opened them when Escape closes them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { TestClient } from '../helpers/server.ts';
import { browserSkip, button, join, log, messageField, messagesWithText, newUserPage, webFixture } from './browser.ts';

/** How many Tab presses at most to reach a control (the chat screen has about 30 stops). */
const MAX_TABS = 80;

async function isFocused(target: Locator): Promise<boolean> {
  return target.evaluate((el) => el === document.activeElement, undefined, { timeout: 1000 }).catch(() => false);
}

/**
 * Whether `target` gets the focus within 3 s. Focus moves back to a drawer's or a dialog's
 * opener in an effect after the close re-renders, a frame or so later, so assertions about
 * where focus lands wait for it instead of sampling once (tabTo keeps sampling: it presses
 * Tab until the target is focused).
 */
async function getsFocus(target: Locator): Promise<boolean> {
  const handle = await target.elementHandle({ timeout: 1000 }).catch(() => null);
  if (!handle) return false;
  return target.page().waitForFunction((el) => el === document.activeElement, handle, { timeout: 3000 }).then(() => true, () => false);
}

/**
 * The focused control's focus indicator: a 2 px (or wider) outline, or a box-shadow ring on
 * it or on the field box around it, whose colour has a contrast of 3:1 or more (WCAG 1.4.11)
 * with the background behind it. Undefined when there is none.
 */
async function focusRing(page: Page): Promise<string | undefined> {
  // Measured at rest: a ring that fades in is transparent at first.
  await page.evaluate(() => Promise.all(document.getAnimations().filter((a) => a.effect?.getComputedTiming().endTime !== Infinity).map((a) => a.finished)));
  return page.evaluate(() => {
    const rgb = (css: string): number[] | undefined => {
      const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(css);
      return m && (m[4] === undefined || Number(m[4]) > 0) ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
    };
    const lum = (c: number[]): number => {
      const [r, g, b] = c.map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const contrast = (a: number[], b: number[]): number => {
      const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
      return (hi! + 0.05) / (lo! + 0.05);
    };
    const behind = (el: Element): number[] => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const c = rgb(getComputedStyle(p).backgroundColor);
        if (c) return c;
      }
      return [255, 255, 255];
    };
    const el = document.activeElement;
    if (!el || el === document.body) return undefined;
    for (const c of [el, el.closest('.composer-box, .search')]) {
      if (!c) continue;
      const s = getComputedStyle(c);
      const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? rgb(s.outlineColor) : s.boxShadow !== 'none' ? rgb(s.boxShadow) : undefined;
      if (ring && contrast(ring, behind(c)) >= 3) return `${s.outlineStyle !== 'none' ? 'outline' : 'box-shadow'} rgb(${ring.join(',')})`;
    }
    return undefined;
  });
}

/** Presses Tab (or Shift+Tab) until `target` has focus; asserts it shows a focus ring. */
async function tabTo(page: Page, target: Locator, back = false): Promise<void> {
  await target.waitFor();
  for (let i = 0; i < MAX_TABS; i++) {
    if (await isFocused(target)) {
      assert.ok(await focusRing(page), `${target.toString()} has focus but no visible focus ring`);
      return;
    }
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120));
  assert.fail(`${back ? 'Shift+Tab' : 'Tab'} never reached ${target.toString()} (focus is on ${at})`);
}

describe('web client: keyboard only', { skip: browserSkip() }, () => {
  const web = webFixture();

  it('does everything without a pointer', async () => {
    const bob = await TestClient.login(web.app, 'bob');
    await bob.request('join', { room: '#dev' });
    const u = await newUserPage(web.browser, web.base, 'alice');
    const { page } = u;
    await page.evaluate(() => {
      const w = window as unknown as { pointerEvents: number };
      w.pointerEvents = 0;
      for (const t of ['pointerdown', 'mousedown', 'click']) {
        addEventListener(t, (e) => { if ((e as MouseEvent).detail > 0 || e.type !== 'click') w.pointerEvents++; }, true);
      }
    });

    // Join: the Name field has focus; Enter submits.
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();
    assert.ok(await getsFocus(name), 'the Name field has focus on the entry screen');
    await page.keyboard.type('alice');
    await tabTo(page, button(page, 'Join'));
    await page.keyboard.press('Enter');
    await messageField(page).waitFor();

    // The first Tab stop of the page is the skip link, which leads to the message field.
    const skip = page.getByRole('link', { name: 'Skip to the message field' });
    await tabTo(page, skip, true);
    assert.ok(await skip.evaluate((a) => a === document.querySelector('a[href], button:not([disabled]), input, textarea, [tabindex="0"]')), 'the skip link is the first Tab stop');
    assert.ok(await skip.isVisible(), 'the skip link is visible while it has focus');
    await page.keyboard.press('Enter');
    assert.ok(await getsFocus(messageField(page)), 'the skip link moved focus to the message field');
    assert.ok(await focusRing(page), 'the message field shows a focus ring');

    // Send.
    await page.keyboard.type('hello from the keyboard');
    await page.keyboard.press('Enter');
    await messagesWithText(page, 'hello from the keyboard').waitFor();
    await bob.waitFor((e) => e.type === 'message' && e.msg.text === 'hello from the keyboard');

    // Calculate: Tab from the field to the Calculate button.
    await page.keyboard.type('6*7');
    await tabTo(page, button(page, 'Calculate'));
    await page.keyboard.press('Enter');
    await log(page).locator('output.result', { hasText: '42' }).waitFor();
    assert.ok(await getsFocus(messageField(page)), 'focus is back in the message field after Calculate');

    // A direct message: Direct message, type the recipient, Enter.
    await page.keyboard.type('psst, bob');
    await tabTo(page, button(page, 'Direct message'));
    await page.keyboard.press('Enter');
    const dm = page.getByRole('dialog', { name: 'Direct message' });
    await dm.waitFor();
    assert.ok(await getsFocus(dm.getByLabel('Recipient', { exact: true })), 'the Recipient field has focus');
    await page.keyboard.type('bob');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'bob' }).waitFor();
    await bob.waitFor((e) => e.type === 'message' && e.msg.text === 'psst, bob' && e.msg.to === 'bob');
    await messagesWithText(page, 'psst, bob').waitFor();

    // Users: the dialog keeps focus inside while Tab cycles, Escape closes it and focus is
    // back on the Users button.
    const usersButton = button(page, 'Users');
    await tabTo(page, usersButton, true);
    await page.keyboard.press('Enter');
    const users = page.getByRole('dialog', { name: 'Users' });
    await users.getByRole('button', { name: 'Message bob' }).waitFor();
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      assert.ok(await users.evaluate((d) => d.contains(document.activeElement)), `Tab ${i + 1} stays inside the Users dialog`);
    }
    await page.keyboard.press('Escape');
    await users.waitFor({ state: 'detached' });
    assert.ok(await getsFocus(usersButton), 'focus returned to the Users button');

    // Join #dev from the sidebar's Room name field.
    await tabTo(page, page.getByLabel('Room name', { exact: true }), true);
    await page.keyboard.type('#dev');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: '#dev' }).waitFor();
    await bob.request('send', { to: '#dev', text: 'the quarterly report is ready' });
    await messagesWithText(page, 'the quarterly report is ready').waitFor();

    // Switch conversations: Alt+↑ / Alt+↓ in sidebar order (#lobby, #dev, bob).
    await page.keyboard.press('Alt+ArrowUp');
    await page.getByRole('heading', { level: 1, name: '#lobby' }).waitFor();
    await page.keyboard.press('Alt+ArrowDown');
    await page.getByRole('heading', { level: 1, name: '#dev' }).waitFor();
    await page.keyboard.press('Alt+ArrowDown');
    await page.getByRole('heading', { level: 1, name: 'bob' }).waitFor();

    // Ctrl+K: type part of a name, Enter opens it; focus goes to its message field.
    await page.keyboard.press('Control+k');
    const jump = page.getByRole('dialog', { name: 'Jump to conversation' });
    await jump.waitFor();
    await page.keyboard.type('lob');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: '#lobby' }).waitFor();
    await jump.waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.id === 'composer-field');
    // ↓ walks the matches.
    await page.keyboard.press('Control+k');
    await jump.waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), '#devroom');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: '#dev' }).waitFor();

    // Search from #lobby, then jump to the hit in #dev.
    await page.keyboard.press('Alt+ArrowUp');
    await page.getByRole('heading', { level: 1, name: '#lobby' }).waitFor();
    const search = page.getByRole('searchbox', { name: 'Search' });
    await tabTo(page, search, true);
    await page.keyboard.type('quarterly');
    await page.keyboard.press('Enter');
    const results = page.getByRole('dialog', { name: 'Search' });
    const hit = results.getByRole('button').filter({ hasText: 'the quarterly report is ready' });
    await hit.waitFor();
    await tabTo(page, hit);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: '#dev' }).waitFor();
    await log(page).locator('li.row.hit', { hasText: 'the quarterly report is ready' }).waitFor();

    // "?" (outside a text field) opens the shortcuts, which list the ones used above.
    await tabTo(page, button(page, 'Users'), true);
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    for (const keys of ['Ctrl+K', 'Alt+↑ / Alt+↓', 'Escape']) await help.getByRole('cell', { name: keys, exact: true }).waitFor();
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    assert.ok(await getsFocus(button(page, 'Users')), 'focus returned to where it was before ?');

    // Escape also closes the conversations drawer at phone width.
    await page.setViewportSize({ width: 390, height: 844 });
    const menu = button(page, 'Conversations');
    await tabTo(page, menu, true);
    await page.keyboard.press('Enter');
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    const nav = page.getByRole('navigation', { name: 'Conversations' });
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-current') === 'page');
    assert.ok(await getsFocus(nav.getByRole('button', { name: /dev/ })), 'the opened drawer has focus, on the current conversation');
    // Tab walks the drawer; Enter on a conversation opens it and closes the drawer.
    await tabTo(page, nav.getByRole('button', { name: /lobby/ }), true);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: '#lobby' }).waitFor();
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    await page.waitForFunction(() => document.activeElement?.id === 'composer-field');
    // Escape closes it and focus goes back to its button.
    await tabTo(page, menu, true);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-current') === 'page');
    await page.keyboard.press('Escape');
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    assert.ok(await getsFocus(menu), 'focus is back on the Conversations button');

    assert.equal(await page.evaluate(() => (window as unknown as { pointerEvents: number }).pointerEvents), 0, 'no pointer event happened');
    assert.deepEqual(u.problems, []);
    bob.ws.close();
    await u.context.close();
  });

  it('Ctrl+K right after a jump opens the dialog again: the closed dialog\'s late close event does not close the new one', async () => {
    const u = await join(web.browser, web.base, 'carol');
    const { page } = u;
    const jump = page.getByRole('dialog', { name: 'Jump to conversation' });
    await page.keyboard.press('Control+k');
    await jump.waitFor();
    // Enter in the dialog, then Ctrl+K as soon as the dialog has been taken down and before the
    // browser has dispatched the `close` event that taking it down queued (a task): what a fast
    // typist on a busy machine gets. Before the fix, that event closed the new dialog.
    await page.evaluate(async () => {
      document.querySelector<HTMLFormElement>('dialog[open] form')!.requestSubmit();
      // Preact re-renders in a microtask: after these, the first dialog is unmounted and closed.
      for (let i = 0; i < 8; i++) await Promise.resolve();
      if (document.querySelector('dialog[open]')) throw new Error('the first dialog is still open');
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'k', ctrlKey: true, bubbles: true, cancelable: true }));
    });
    await jump.waitFor();
    // Several frames and tasks later it is still open.
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    assert.equal(await jump.isVisible(), true, 'the second dialog stays open');
    assert.equal(await page.evaluate(() => document.querySelectorAll('dialog[open]').length), 1);
    await page.keyboard.press('Escape');
    await jump.waitFor({ state: 'detached' });
    assert.deepEqual(u.problems, []);
    await u.context.close();
  });
});
