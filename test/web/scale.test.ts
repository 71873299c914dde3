/**
 * 10,000 messages in a room keep the page responsive: the list is windowed (a few hundred
 * rows in the DOM), sending still shows up quickly, and scrolling up loads older pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { App } from '../../src/server/app.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { browserSkip, join, launch, log, messagesWithText, say, shot } from './browser.ts';

const N = 10_000;

describe('web client: 10,000 messages in one room', { skip: browserSkip() }, () => {
  let app: App;
  let browser: Browser;

  before(async () => {
    // The burst is delivered faster than a browser renders it; give the reader's queue room.
    app = await startTestServer({ 'ws.sendQueueBytes': 64 * 1024 * 1024 });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('stays responsive with a windowed list', async (t) => {
    const reader = await join(browser, `http://127.0.0.1:${app.port}/`, 'reader');
    const flood = await TestClient.login(app, 'flood');
    const started = Date.now();
    for (let j = 0; j < N; j++) {
      const text = j % 7 === 0 ? `message ${j} with a somewhat longer text that wraps onto a second line on narrow screens, like real chat` : `message ${j}`;
      flood.sendRaw({ type: 'send', id: `m${j}`, to: '#lobby', text });
    }
    await flood.waitFor((e) => e.type === 'reply' && e.id === `m${N - 1}`, 60_000);
    const list = log(reader.page);
    await messagesWithText(reader.page, `message ${N - 1}`).waitFor({ timeout: 60_000 });
    const deliveredMs = Date.now() - started;
    const rows = await list.locator('li.row').count();
    assert.ok(rows <= 300, `${rows} rows in the DOM`);

    // Sending and seeing one's own message confirmed stays fast.
    const t0 = Date.now();
    await say(reader.page, 'still snappy');
    await list.locator('.msg:not(.pending) .text').filter({ hasText: 'still snappy' }).waitFor();
    const sendMs = Date.now() - t0;
    assert.ok(sendMs < 2000, `send took ${sendMs} ms`);

    // Main-thread responsiveness: a task posted now runs promptly.
    const latency = await reader.page.evaluate(() => new Promise<number>((resolve) => {
      const s = performance.now();
      setTimeout(() => resolve(performance.now() - s), 0);
    }));
    assert.ok(latency < 200, `event loop latency ${latency} ms`);

    // Scrolling to the top adds an older page and keeps the view where it was.
    const scroller = reader.page.locator('.scroller');
    await scroller.evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); });
    await reader.page.waitForFunction(() => document.querySelectorAll('li.row').length > 160);
    const top = await scroller.evaluate((el) => el.scrollTop);
    assert.ok(top > 0, 'older messages were added above the view, which stayed put');
    await shot(reader.page, '14-ten-thousand');

    // Switching away and back to the 10,000-message room renders only the newest page.
    await reader.page.getByLabel('Room name', { exact: true }).fill('#quiet');
    await reader.page.getByRole('button', { name: 'Join room', exact: true }).click();
    await reader.page.getByRole('heading', { level: 1, name: '#quiet' }).waitFor();
    const t1 = Date.now();
    await reader.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /lobby/ }).click();
    await messagesWithText(reader.page, 'still snappy').waitFor();
    const switchMs = Date.now() - t1;
    assert.ok(switchMs < 2000, `switching took ${switchMs} ms`);
    t.diagnostic(`delivered ${N} messages in ${deliveredMs} ms; ${rows} rows in the DOM; send-to-confirmed ${sendMs} ms; setTimeout latency ${latency.toFixed(1)} ms; switch into the room ${switchMs} ms`);
    assert.deepEqual(reader.problems, []);
    flood.close();
  });
});
