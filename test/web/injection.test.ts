/**
 * Text is rendered as text: markup in a message shows exactly as typed, no element is
 * created from it, no script runs, and only http(s) URLs become links.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkip, webFixture, join, log, messagesWithText, say, shot } from './browser.ts';

describe('web client: no HTML injection', { skip: browserSkip() }, () => {
  const web = webFixture();

  it('shows <img src=x onerror=alert(1)> as typed and fires no dialog', async () => {
    const mallory = await join(web.browser, web.base, 'mallory');
    const victim = await join(web.browser, web.base, 'victim');
    const payloads = [
      '<img src=x onerror=alert(1)>',
      '<script>alert(2)</script>',
      '[click](javascript:alert(3)) javascript:alert(4)',
      '<a href="https://evil.example" onclick="alert(5)">x</a>',
    ];
    for (const p of payloads) await say(mallory.page, p);
    for (const p of payloads) {
      await messagesWithText(victim.page, p).waitFor();
      await messagesWithText(mallory.page, p).waitFor();
    }
    for (const u of [mallory, victim]) {
      const messages = log(u.page);
      assert.equal(await messages.locator('img, script, iframe, object, embed').count(), 0);
      // The only link is the plain https URL, and it is inert apart from navigation.
      const hrefs = await messages.getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.deepEqual(hrefs, ['https://evil.example/']);
      assert.equal(await messages.locator('[onclick], [onerror]').count(), 0);
      assert.deepEqual(u.dialogs, []);
      assert.deepEqual(u.problems, []);
    }
    await shot(victim.page, '12-injection');
  });

  it('a U+202E in a message cannot reorder the name or the time of its row (bidi isolation)', async () => {
    const mallory = await join(web.browser, web.base, 'rlo-mallory');
    const victim = await join(web.browser, web.base, 'rlo-victim');
    // Without isolation the override runs to the end of the line: in the action row the
    // time is drawn reversed, to the left of the text ("50:40:30 exe.gnp").
    const action = 'shared photo\u202Egnp.exe';
    await say(mallory.page, `/me ${action}`);
    await say(mallory.page, 'look \u202Eat this');
    const actionRow = log(victim.page).locator('.event.action').filter({ hasText: 'shared photo' });
    await actionRow.waitFor();
    const msgRow = log(victim.page).locator('.msg').filter({ hasText: 'look' }).last();
    await msgRow.waitFor();
    await shot(victim.page, '39-bidi-override');

    const geometry = async (row: typeof actionRow, parts: string[]) => row.evaluate((el, sels) => sels.map((s) => {
      const node = el.querySelector(s)!;
      const r = node.getBoundingClientRect();
      return { left: r.left, right: r.right, unicodeBidi: getComputedStyle(node).unicodeBidi, dir: node.getAttribute('dir') };
    }), parts);

    const [text, time] = await geometry(actionRow, ['.text', 'time']);
    assert.equal(text!.unicodeBidi, 'isolate', 'the action text is isolated');
    assert.equal(text!.dir, 'auto', 'its direction comes from its own content');
    assert.ok(time!.left >= text!.right - 1, `the time stays after the text (time at ${time!.left}, text ends at ${text!.right})`);
    const timeText = await actionRow.locator('time').evaluate((t) => {
      // The time's characters are laid out left to right: their x positions increase.
      const range = document.createRange();
      const node = t.firstChild!;
      const xs: number[] = [];
      for (let i = 0; i < node.textContent!.length; i++) {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        xs.push(range.getBoundingClientRect().left);
      }
      return xs;
    });
    assert.deepEqual(timeText, [...timeText].sort((a, b) => a - b), 'the time is not drawn reversed');

    const [author, msgTime, msgText] = await geometry(msgRow, ['.author', '.msg-head time', '.text']);
    assert.ok(author!.right <= msgTime!.left, 'name before time');
    assert.equal(msgText!.unicodeBidi, 'isolate');
    assert.equal(msgText!.dir, 'auto');
    assert.equal(author!.unicodeBidi, 'isolate', 'names are isolated too');
    assert.deepEqual(victim.problems, []);
  });

  it('wraps very long words and messages instead of overflowing', async () => {
    const u = await join(web.browser, web.base, 'longwinded', { width: 390, height: 844 });
    const long = 'x'.repeat(600);
    await say(u.page, long);
    const text = messagesWithText(u.page, long);
    await text.waitFor();
    await shot(u.page, '13-phone-long');
    const box = await text.boundingBox();
    assert.ok(box && box.width <= 390, `message is ${box?.width}px wide on a 390px screen`);
    const overflow = await u.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'the page scrolls horizontally');
  });
});
