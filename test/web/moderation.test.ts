/**
 * The web client's moderation controls in a real browser: role badges in the member list,
 * a member's menu (voice, kick, ban), the room settings panel (moderated, key, ban list
 * with removal, invite by name), the key prompt when joining a keyed room, and clear
 * messages for refusals; the administrators' section (/admin).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkip, button, join, log, messageField, messagesWithText, newUserPage, say, shot, webFixture } from './browser.ts';
import { TestClient } from '../helpers/server.ts';

describe('web client: moderation', { skip: browserSkip() }, () => {
  const web = webFixture();

  it('an operator moderates from the member list and the settings panel', async () => {
    const alice = await join(web.browser, web.base, 'alice');
    const bob = await join(web.browser, web.base, 'bob');
    await say(alice.page, '/join #mod');
    await alice.page.getByRole('heading', { level: 1, name: '#mod' }).waitFor();
    await say(bob.page, '/join #mod');
    await bob.page.getByRole('heading', { level: 1, name: '#mod' }).waitFor();
    const members = (p: typeof alice.page) => p.getByRole('complementary', { name: 'Members of #mod' });
    await members(bob.page).getByRole('button', { name: 'alice, online, room owner' }).waitFor();
    assert.equal(await members(bob.page).getByText('⋯').count(), 0, 'members get no moderation menu');

    // Settings panel: moderated.
    await button(alice.page, 'Room settings').click();
    const dialog = alice.page.getByRole('dialog', { name: 'Settings of #mod' });
    await dialog.getByLabel('Moderated').check();
    await log(bob.page).getByText('alice turned on “Moderated” (+m)').waitFor();
    await say(bob.page, 'can I speak?');
    await log(bob.page).getByText('Not sent: This room is moderated: only members with voice and operators can write.').waitFor();

    // Ban list: add a mask, see it, remove it.
    await dialog.getByLabel('Mask (nick, nick!user@host, $a:account)').fill('troll');
    await dialog.getByRole('button', { name: 'Add' }).click();
    await dialog.getByRole('list', { name: 'Bans' }).getByText('troll!*@*').waitFor();
    await shot(alice.page, '40-room-settings');
    await dialog.getByRole('button', { name: 'Remove troll!*@*' }).click();
    await dialog.getByRole('list', { name: 'Bans' }).getByText('None').waitFor();
    // The room's moderation log, for its operators, in the same panel.
    const modLog = dialog.getByRole('table', { name: 'Moderation log of #mod' });
    await modLog.getByRole('row', { name: /alice \(guest\)\s+mode -ban\s+troll!\*@\*/ }).waitFor();
    await modLog.getByRole('row', { name: /alice \(guest\)\s+mode \+moderated/ }).waitFor();
    // A join key.
    await dialog.getByLabel(/Join key/).fill('sesame');
    await dialog.getByRole('button', { name: 'Set key' }).click();
    await dialog.getByText('Join key (set)').waitFor();
    await alice.page.keyboard.press('Escape');
    // A plain member sees the settings, not the moderation log (the server would refuse it anyway).
    await button(bob.page, 'Room settings').click();
    await bob.page.getByRole('dialog', { name: 'Settings of #mod' }).getByText('Only the room\'s operators can change these.').waitFor();
    assert.equal(await bob.page.getByRole('table', { name: /Moderation log/ }).count(), 0);
    await bob.page.keyboard.press('Escape');

    // Member menu: give voice; bob can speak and shows the + badge.
    await members(alice.page).getByText('⋯').click();
    await members(alice.page).getByRole('button', { name: 'Give voice' }).click();
    await members(bob.page).getByRole('button', { name: /bob, online, has voice/ }).waitFor();
    await say(bob.page, 'thanks for the voice');
    await messagesWithText(alice.page, 'thanks for the voice').waitFor();
    await shot(alice.page, '41-member-menu');

    // Carol joins the keyed room: the key prompt appears; a wrong key says so.
    const carol = await join(web.browser, web.base, 'carol');
    await say(carol.page, '/join #mod');
    const prompt = carol.page.getByRole('dialog', { name: '#mod needs a key' });
    await prompt.getByLabel('Room key').fill('wrong');
    await prompt.getByRole('button', { name: 'Join #mod' }).click();
    await prompt.getByText('This room needs a key (password) to join, and that one was not it.').waitFor();
    await prompt.getByLabel('Room key').fill('sesame');
    await prompt.getByRole('button', { name: 'Join #mod' }).click();
    await carol.page.getByRole('heading', { level: 1, name: '#mod' }).waitFor();

    // Ban from the menu: carol is kicked and cannot come back.
    await members(alice.page).locator('li', { hasText: 'carol' }).getByText('⋯').click();
    await members(alice.page).getByRole('button', { name: 'Ban' }).click();
    await carol.page.getByRole('heading', { level: 1, name: '#lobby' }).waitFor();
    await say(carol.page, '/join #mod');
    await log(carol.page).getByText('You are banned from this room.').waitFor();

    // Invite by name (the room stays keyed: the invitation lets dave in once).
    const dave = await join(web.browser, web.base, 'dave');
    await button(alice.page, 'Room settings').click();
    await dialog.getByLabel('Invite by name').fill('dave');
    await dialog.getByRole('button', { name: 'Invite' }).click();
    await log(alice.page).getByText('Invited dave to #mod').waitFor();
    await alice.page.keyboard.press('Escape');
    await say(dave.page, '/join #mod');
    await dave.page.getByRole('heading', { level: 1, name: '#mod' }).waitFor();
    assert.deepEqual([...alice.problems, ...bob.problems, ...dave.problems], []);
  });
});

describe('web client: the administrators\' section', { skip: browserSkip() }, () => {
  const web = webFixture({ admins: 'root', 'auth.scryptLog2N': 10 });

  it('an admin disconnects a user and bans an address range from /admin and reads the audit log; others are refused', async () => {
    const reg = await TestClient.login(web.app, 'root');
    await reg.request('register', { password: 'root password 1' });
    reg.close();
    const root = await newUserPage(web.browser, web.base, 'root');
    await root.page.getByLabel('Name', { exact: true }).fill('root');
    await root.page.getByLabel(/Password/).fill('root password 1');
    await root.page.getByRole('button', { name: 'Join', exact: true }).click();
    await messageField(root.page).waitFor();
    const mal = await TestClient.login(web.app, 'mal');

    // Admins see the section's button by their name; others do not (below).
    await root.page.getByRole('button', { name: 'Server administration' }).click();
    const dialog = root.page.getByRole('dialog', { name: 'Server administration' });
    await dialog.getByText('No moderation yet.').waitFor();
    await dialog.getByLabel('Disconnect user').fill('mal');
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await dialog.getByRole('status').getByText('Disconnected mal').waitFor();
    assert.equal((await mal.waitClosed()).code, 4005);
    await dialog.getByLabel(/Account \(\$a:name\) or address range/).fill('203.0.113.0/24');
    await dialog.getByLabel('Reason').fill('spam wave');
    await dialog.getByRole('button', { name: 'Ban', exact: true }).click();
    await dialog.getByRole('status').getByText('Server bans: 203.0.113.0/24').waitFor();
    const log = dialog.getByRole('table', { name: 'Audit log' });
    await log.getByRole('row', { name: /server_ban.*203\.0\.113\.0\/24.*spam wave/ }).waitFor();
    await log.getByRole('row', { name: /kill\s+mal/ }).waitFor();
    await shot(root.page, '42-admin');

    const bob = await join(web.browser, web.base, 'bob');
    assert.equal(await bob.page.getByRole('button', { name: 'Server administration' }).count(), 0, 'no admin button for others');
    await say(bob.page, '/admin');
    await bob.page.getByRole('dialog', { name: 'Server administration' }).getByRole('alert').getByText('Only server administrators can do that.').waitFor();
    assert.deepEqual([...root.problems, ...bob.problems], []);
  });
});
