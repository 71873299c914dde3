/**
 * Files in the web client, in Chromium: attach by button, paste and drag-and-drop, upload
 * progress, thumbnails that open full size for another member, cards for other files; a
 * non-member gets nothing; an SVG with a script never runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkip, button, join, log, messageField, say, shot, webFixture } from './browser.ts';
import { pngWithGps } from '../files/helpers.ts';

describe('web client: files', { skip: browserSkip() }, () => {
  const web = webFixture();

  it('shares files by button, paste and drop; members see thumbnails and cards; others get nothing', async () => {
    const alice = await join(web.browser, web.base, 'alice');
    const bob = await join(web.browser, web.base, 'bob');
    const png = await pngWithGps(200, 120);

    // Button: the file picker behind "Attach".
    const chooser = alice.page.waitForEvent('filechooser');
    await button(alice.page, 'Attach').click();
    await (await chooser).setFiles({ name: 'chart.png', mimeType: 'image/png', buffer: png });
    await alice.page.locator('.upload.done').filter({ hasText: 'chart.png' }).waitFor();
    await messageField(alice.page).fill('the chart');
    await button(alice.page, 'Send').click();

    // Bob sees the thumbnail, loaded, and its link opens the full image.
    const img = log(bob.page).getByRole('img', { name: 'chart.png' });
    await img.waitFor();
    await bob.page.waitForFunction(() => { const i = document.querySelector<HTMLImageElement>('.attachment.image img'); return i !== null && i.complete && i.naturalWidth > 0; });
    const full = await img.locator('xpath=..').getAttribute('href');
    const fetched = await bob.page.evaluate(async (u) => { const r = await fetch(u!); return { status: r.status, type: r.headers.get('content-type'), size: (await r.arrayBuffer()).byteLength }; }, full);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.type, 'image/png');
    await shot(bob.page, '40-file-thumbnail');

    // Paste: a text file from the clipboard becomes a card.
    await messageField(alice.page).focus();
    await alice.page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['pasted log\n'], 'paste.log', { type: 'text/plain' }));
      document.querySelector('textarea')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    await alice.page.locator('.upload.done').filter({ hasText: 'paste.log' }).waitFor();
    await button(alice.page, 'Send').click();
    const card = log(bob.page).locator('.attachment.card').filter({ hasText: 'paste.log' });
    await card.getByRole('link', { name: 'Download' }).waitFor();

    // Drag and drop: two files at once, one message.
    await alice.page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['%PDF-1.4\n'], 'spec.pdf', { type: 'application/pdf' }));
      dt.items.add(new File(['<svg xmlns="http://www.w3.org/2000/svg"><script>top.pwned = 1; alert(1)</script></svg>'], 'evil.svg', { type: 'image/svg+xml' }));
      const form = document.querySelector('form.composer')!;
      form.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      form.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await alice.page.locator('.upload.done').filter({ hasText: 'evil.svg' }).waitFor();
    await alice.page.locator('.upload.done').filter({ hasText: 'spec.pdf' }).waitFor();
    await say(alice.page, 'two more');
    const evil = log(bob.page).locator('.attachment.card').filter({ hasText: 'evil.svg' });
    await evil.getByRole('link', { name: 'Download' }).waitFor();
    await log(bob.page).locator('.attachment.card').filter({ hasText: 'spec.pdf' }).waitFor();

    // The SVG never runs: loaded in a frame it is an attachment under a sandboxing CSP.
    let dialogs = 0;
    bob.page.on('dialog', (d) => { dialogs++; void d.dismiss(); });
    const svgUrl = (await evil.getByRole('link', { name: 'Download' }).getAttribute('href'))!.replace('&download=1', '');
    const svgAnswer = await bob.page.evaluate(async (u) => {
      const r = await fetch(u);
      return { type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), csp: r.headers.get('content-security-policy') };
    }, svgUrl);
    assert.equal(svgAnswer.type, 'application/octet-stream');
    assert.match(svgAnswer.disposition!, /^attachment/);
    assert.match(svgAnswer.csp!, /sandbox/);
    await bob.page.evaluate(async (u) => {
      const f = document.createElement('iframe');
      f.src = u;
      document.body.append(f);
      await new Promise((resolve) => { f.onload = resolve; setTimeout(resolve, 1000); });
    }, svgUrl);
    assert.equal(await bob.page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
    assert.equal(dialogs, 0);

    // Someone without a link (the file path alone, or a made-up token) is refused; who gets
    // links at all (members only) is tested over the protocol in test/files/files.test.ts.
    const eve = await join(web.browser, web.base, 'eve');
    const path = full!.split('?')[0]!;
    for (const p of [path, `${path}?t=forged.token`]) assert.equal(await eve.page.evaluate(async (u) => (await fetch(u)).status, p), 403);
    await shot(alice.page, '41-file-composer');
  });
});
