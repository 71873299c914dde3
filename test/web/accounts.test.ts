/**
 * Accounts in the browser: register the current name, stay signed in across a reload with
 * the session token, sign out (the token is revoked), wrong and missing passwords, offline
 * direct messages with unread counts and read marks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplyError, TestClient, wsUrl } from '../helpers/server.ts';
import { browserSkip, webFixture, button, join, messageField, messagesWithText, newUserPage, shot } from './browser.ts';

const PASSWORD = 'correct horse battery';

describe('web client: accounts and offline direct messages', { skip: browserSkip() }, () => {
  const web = webFixture();

  it('registers, stays signed in across a reload, signs out', async () => {
    const alice = await join(web.browser, web.base, 'alice');
    await button(alice.page, 'Account').click();
    const dialog = alice.page.getByRole('dialog', { name: 'Account' });
    await dialog.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await dialog.getByLabel('Repeat password', { exact: true }).fill('something else');
    await button(alice.page, 'Register').click();
    await dialog.getByRole('alert').filter({ hasText: 'The two passwords differ.' }).waitFor();
    await dialog.getByLabel('Repeat password', { exact: true }).fill(PASSWORD);
    await button(alice.page, 'Register').click();
    await dialog.getByRole('status').filter({ hasText: 'alice is now registered' }).waitFor();
    await shot(alice.page, '33-registered');
    await alice.page.keyboard.press('Escape');
    const token = await alice.page.evaluate(() => localStorage.getItem('banter.account'));
    assert.match(token ?? '', /"name":"alice","token":"/);

    // A reload (even with this tab's session forgotten) signs in with the stored token.
    await alice.page.evaluate(() => sessionStorage.clear());
    await alice.page.reload();
    await messageField(alice.page).waitFor();
    await alice.page.locator('.me-name .reg-tag').waitFor();

    // Nobody else can take the name now.
    const thief = await TestClient.open(wsUrl(web.app));
    await assert.rejects(thief.request('login', { name: 'alice2' }).then(() => thief.request('nick', { name: 'alice' })), (e: ReplyError) => ['NAME_TAKEN', 'NAME_REGISTERED', 'AUTH_REQUIRED'].includes(e.code));
    thief.close();

    // Sign out revokes the token and forgets it.
    const stored = JSON.parse(token!) as { token: string };
    await button(alice.page, 'Sign out').click();
    await alice.page.getByLabel('Name', { exact: true }).waitFor();
    assert.equal(await alice.page.evaluate(() => localStorage.getItem('banter.account')), null);
    const reuse = await TestClient.open(wsUrl(web.app));
    await assert.rejects(reuse.request('login', { name: 'alice', token: stored.token }), (e: ReplyError) => e.code === 'AUTH_FAILED');
    reuse.close();

    // Without the password: told it is registered; with a wrong one: told so.
    await alice.page.getByLabel('Name', { exact: true }).fill('alice');
    await button(alice.page, 'Join').click();
    await alice.page.getByRole('alert').filter({ hasText: '“alice” is registered. Enter its password' }).waitFor();
    await alice.page.getByLabel('Password', { exact: true }).fill('not the password');
    await button(alice.page, 'Join').click();
    await alice.page.getByRole('alert').filter({ hasText: 'Wrong password' }).waitFor();
    await shot(alice.page, '34-wrong-password');
    await alice.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await button(alice.page, 'Join').click();
    await messageField(alice.page).waitFor();
    assert.match(await alice.page.evaluate(() => localStorage.getItem('banter.account')) ?? '', /"token":"/);

    // Change password: the old one stops working, this web.browser stays signed in.
    await button(alice.page, 'Account').click();
    await dialog.getByLabel('Current password', { exact: true }).fill(PASSWORD);
    await dialog.getByLabel('New password', { exact: true }).fill('an even better one');
    await dialog.getByLabel('Repeat password', { exact: true }).fill('an even better one');
    await button(alice.page, 'Change password').click();
    await dialog.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor();
    await alice.page.keyboard.press('Escape');
    await alice.page.reload();
    await alice.page.locator('.me-name .reg-tag').waitFor();
    assert.deepEqual(alice.problems, []);
    await alice.context.close();
  });

  it('delivers direct messages sent while offline, with an unread count, once', async () => {
    // carol registers and leaves; dave writes to her while she is away.
    const reg = await TestClient.open(wsUrl(web.app));
    await reg.request('register', { name: 'carol', password: PASSWORD });
    reg.close();
    const dave = await TestClient.login(web.app, 'dave');
    await dave.request('send', { to: 'carol', text: 'are you there?' });
    await dave.request('send', { to: 'carol', text: 'call me when you are back' });

    const carol = await newUserPage(web.browser, web.base, 'carol');
    await carol.page.getByLabel('Name', { exact: true }).fill('carol');
    await carol.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await button(carol.page, 'Join').click();
    await messageField(carol.page).waitFor();
    const nav = carol.page.getByRole('navigation', { name: 'Conversations' });
    const entry = nav.getByRole('button', { name: /dave/ });
    await entry.getByLabel('2 unread, 2 for you').waitFor();
    await shot(carol.page, '35-offline-dm-unread');
    await entry.click();
    await messagesWithText(carol.page, 'are you there?').waitFor();
    await messagesWithText(carol.page, 'call me when you are back').waitFor();
    assert.equal(await messagesWithText(carol.page, 'are you there?').count(), 1);

    // Viewed, so marked read: after signing out, a login reports nothing unread and
    // delivers nothing again.
    await button(carol.page, 'Sign out').click();
    await carol.page.getByLabel('Name', { exact: true }).waitFor();
    const again = await TestClient.open(wsUrl(web.app));
    const deadline = Date.now() + 10_000;
    let reply;
    for (;;) {
      try {
        reply = await again.request('login', { name: 'carol', password: PASSWORD });
        break;
      } catch (e) {
        // The page's connection may not be closed on the server yet.
        if ((e as ReplyError).code !== 'NAME_TAKEN' || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.deepEqual(reply.unread, []);
    assert.deepEqual(reply.missed, []);
    // The conversation itself is still there (history of a DM).
    const h = await again.request('history', { to: 'dave' });
    assert.deepEqual(h.messages.map((m) => m.text), ['are you there?', 'call me when you are back']);
    again.close();
    assert.deepEqual(carol.problems, []);
    dave.close();
  });
});
