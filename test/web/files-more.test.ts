/**
 * Files in the web client, in Chromium, continued: a video shows its poster frame, which
 * opens the video full size; a video without a poster (undecodable) is a card with Play and
 * Download; the uploader revokes a file's links, after which the old links answer 410 and the
 * page shows the file again with a fresh link; another member sees no Revoke button.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ffmpegSkip } from '../helpers/services.ts';
import { pngWithGps } from '../files/helpers.ts';
import { browserSkip, button, join, log, messageField, shot, webFixture, type UserPage } from './browser.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

async function attach(u: UserPage, name: string, mimeType: string, buffer: Buffer, text: string): Promise<void> {
  const chooser = u.page.waitForEvent('filechooser');
  await button(u.page, 'Attach').click();
  await (await chooser).setFiles({ name, mimeType, buffer });
  await u.page.locator('.upload.done').filter({ hasText: name }).waitFor();
  await messageField(u.page).fill(text);
  await button(u.page, 'Send').click();
}

/** Whether the image is loaded (complete, with pixels). */
const loaded = (u: UserPage, alt: string): Promise<unknown> => u.page.waitForFunction((a) => {
  const i = [...document.querySelectorAll<HTMLImageElement>('.attachment.image img')].find((x) => x.alt === a);
  return i !== undefined && i.complete && i.naturalWidth > 0;
}, alt);

describe('web client: videos and revoking links', { skip: browserSkip() }, () => {
  const web = webFixture();

  it('a video shows its poster frame, which opens the video; an undecodable one is a card with Play', { skip: ffmpegSkip() }, async () => {
    const alice = await join(web.browser, web.base, 'vidalice');
    const bob = await join(web.browser, web.base, 'vidbob');
    await attach(alice, 'clip.mp4', 'video/mp4', fixture('clip.mp4'), 'a clip');
    const poster = log(bob.page).getByRole('img', { name: 'clip.mp4 (video)' });
    await poster.waitFor();
    await loaded(bob, 'clip.mp4 (video)');
    const href = await poster.locator('xpath=..').getAttribute('href');
    const answer = await bob.page.evaluate(async (u) => {
      const r = await fetch(u!, { headers: { Range: 'bytes=0-15' } });
      return { status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition') };
    }, href);
    assert.deepEqual([answer.status, answer.type], [206, 'video/mp4']);
    assert.match(answer.disposition!, /^inline/);
    await shot(bob.page, '42-video-poster');

    const broken = Buffer.concat([fixture('clip.mp4').subarray(0, 40), Buffer.alloc(3000, 0xaa)]);
    await attach(alice, 'broken.mp4', 'video/mp4', broken, 'a broken clip');
    const card = log(bob.page).locator('.attachment.video-card').filter({ hasText: 'broken.mp4' });
    await card.getByRole('link', { name: 'Play broken.mp4' }).waitFor();
    await card.getByRole('link', { name: 'Download' }).waitFor();
  });

  it('the uploader revokes a file\'s links: old links answer 410, the page gets a fresh one; others see no button', async () => {
    const alice = await join(web.browser, web.base, 'revalice');
    const bob = await join(web.browser, web.base, 'revbob');
    await attach(alice, 'oops.png', 'image/png', await pngWithGps(120, 80), 'oops');
    await loaded(bob, 'oops.png');
    await loaded(alice, 'oops.png');
    const bobImg = log(bob.page).getByRole('img', { name: 'oops.png' });
    const oldFull = await bobImg.locator('xpath=..').getAttribute('href');
    const oldThumb = await bobImg.getAttribute('src');
    const aliceImg = log(alice.page).getByRole('img', { name: 'oops.png' });
    const aliceOld = await aliceImg.getAttribute('src');
    assert.equal(await log(bob.page).getByRole('button', { name: 'Revoke links to oops.png' }).count(), 0, 'not bob\'s file, not bob\'s room');

    await log(alice.page).getByRole('button', { name: 'Revoke links to oops.png' }).click();
    await log(alice.page).getByRole('status').filter({ hasText: 'Links revoked' }).waitFor();
    const statuses = await bob.page.evaluate(async (urls) => Promise.all(urls.map(async (u) => {
      const r = await fetch(u!);
      return [r.status, ((await r.json()) as { code: string }).code];
    })), [oldFull, oldThumb]);
    assert.deepEqual(statuses, [[410, 'LINK_REVOKED'], [410, 'LINK_REVOKED']]);
    // Alice's page asked for a fresh link at once; it loads.
    await alice.page.waitForFunction((old) => {
      const i = [...document.querySelectorAll<HTMLImageElement>('.attachment.image img')].find((x) => x.alt === 'oops.png');
      return i !== undefined && i.src !== '' && !i.src.endsWith(old!) && i.complete && i.naturalWidth > 0;
    }, aliceOld);
    await shot(alice.page, '43-file-revoked');
  });
});
