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
