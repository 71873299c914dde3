/**
 * Events the IRC work added, as the web client shows them: renames, operators, kicks,
 * invitations, /me actions and notices, and users who are not in #lobby.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestClient, wsUrl } from '../helpers/server.ts';
import { browserSkip, webFixture, button, join, log, messagesWithText, say, shot } from './browser.ts';

describe('web client: renames, operators, kicks, invitations, actions', { skip: browserSkip() }, () => {
  const web = webFixture();

  it('follows what IRC users do', async () => {
    const alice = await join(web.browser, `http://127.0.0.1:${web.app.port}/`, 'alice');
    const lobbyMembers = alice.page.getByRole('complementary', { name: 'Members of #lobby' });
    const carol = await TestClient.login(web.app, 'carol');
    await lobbyMembers.getByRole('button', { name: 'carol, online' }).waitFor();

    // A rename updates the member list, the direct conversation and says so.
    await carol.request('send', { to: 'alice', text: 'hi from irc' });
    await alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /carol/ }).waitFor();
    await carol.request('nick', { name: 'carol_away' });
    await lobbyMembers.getByRole('button', { name: 'carol_away, online' }).waitFor();
    assert.equal(await lobbyMembers.getByRole('button', { name: /^carol, / }).count(), 0);
    await log(alice.page).getByText('carol is now known as carol_away', { exact: true }).waitFor();
    const dm = alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /carol_away/ });
    await dm.click();
    await alice.page.getByRole('heading', { level: 1, name: 'carol_away' }).waitFor();
    await messagesWithText(alice.page, 'hi from irc').waitFor();

    // /me actions and notices.
    await carol.request('send', { to: 'alice', text: 'waves', kind: 'action' });
    await log(alice.page).locator('.action').filter({ hasText: '* carol_away waves' }).waitFor();
    await carol.request('send', { to: 'alice', text: 'automated reminder', kind: 'notice' });
    await log(alice.page).locator('.msg-notice').filter({ hasText: 'automated reminder' }).waitFor();
    await say(alice.page, '/me waves back');
    await log(alice.page).locator('.action').filter({ hasText: '* alice waves back' }).waitFor();
    await carol.waitFor((e) => e.type === 'message' && e.msg.kind === 'action' && e.msg.text === 'waves back');
    await shot(alice.page, '36-rename-action');

    // An invitation offers to join; the creator is an operator (@), promotes alice, then kicks her.
    await carol.request('join', { room: '#ops' });
    await carol.request('invite', { room: '#ops', name: 'alice' });
    await button(alice.page, 'Join #ops').click();
    await alice.page.getByRole('heading', { level: 1, name: '#ops' }).waitFor();
    const opsMembers = alice.page.getByRole('complementary', { name: 'Members of #ops' });
    await opsMembers.getByRole('button', { name: 'carol_away, online, room owner' }).waitFor();
    await carol.request('op', { room: '#ops', name: 'alice', op: true });
    await opsMembers.getByRole('button', { name: 'alice, online, room operator (you)' }).waitFor();
    await log(alice.page).getByText('carol_away made you an operator', { exact: true }).waitFor();
    await shot(alice.page, '37-operator');
    await carol.request('kick', { room: '#ops', name: 'alice', reason: 'testing kicks' });
    await alice.page.getByRole('heading', { level: 1, name: '#lobby' }).waitFor();
    await log(alice.page).getByText('You were removed from #ops by carol_away: testing kicks').waitFor();
    assert.equal(await alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /ops/ }).count(), 0);

    // Someone who logs in without #lobby (IRC without autojoin) is not listed in it.
    const dave = await TestClient.open(wsUrl(web.app));
    await dave.request('login', { name: 'dave', lobby: false });
    await button(alice.page, 'Users').click();
    await alice.page.getByRole('dialog', { name: 'Users' }).getByText('dave', { exact: true }).waitFor();
    await alice.page.keyboard.press('Escape');
    assert.equal(await lobbyMembers.getByRole('button', { name: /^dave, / }).count(), 0);
    assert.equal(await log(alice.page).getByText('dave joined', { exact: true }).count(), 0);
    dave.close();
    // carol's own departure reaches alice after dave's: then a "dave left" would be there.
    await carol.waitFor((e) => e.type === 'user_left' && e.name === 'dave');
    await lobbyMembers.getByRole('button', { name: /^carol_away, / }).waitFor();
    carol.close();
    await log(alice.page).getByText('carol_away left', { exact: true }).waitFor();
    assert.equal(await log(alice.page).getByText('dave left', { exact: true }).count(), 0);
    assert.deepEqual(alice.problems, []);
  });
});
