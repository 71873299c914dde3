/**
 * What a demanding user expects on top of the four functions: rooms from the sidebar and by
 * /join, unread counts and mentions, typing indicators, away status, topics, grouping,
 * own messages marked, keyboard switching between conversations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkip, webFixture, button, join, log, messageField, messagesWithText, say, shot } from './browser.ts';

describe('web client: rooms, unread, mentions, typing, away', { skip: browserSkip() }, () => {
  const web = webFixture();

  it('works like a chat app people already know', async () => {
    const alice = await join(web.browser, web.base, 'alice');
    const bob = await join(web.browser, web.base, 'bob');
    const nav = (p: typeof alice.page) => p.getByRole('navigation', { name: 'Conversations' });

    // Bob creates #dev from the sidebar; alice joins it with /join.
    await bob.page.getByLabel('Room name', { exact: true }).fill('dev');
    await button(bob.page, 'Join room').click();
    await bob.page.getByRole('heading', { level: 1, name: '#dev' }).waitFor();
    await say(alice.page, '/join #dev');
    await alice.page.getByRole('heading', { level: 1, name: '#dev' }).waitFor();
    await log(bob.page).getByText('alice joined #dev', { exact: true }).waitFor();
    await bob.page.getByRole('complementary', { name: 'Members of #dev' }).getByRole('button', { name: 'alice, online' }).waitFor();

    // A topic set with /topic shows in everyone's header.
    await say(bob.page, '/topic Deploys and CI');
    await alice.page.locator('.conv-header .topic').filter({ hasText: 'Deploys and CI' }).waitFor();

    // Alice looks at #lobby; bob's message in #dev mentioning her counts as unread and for her.
    await nav(alice.page).getByRole('button', { name: /lobby/ }).click();
    await alice.page.getByRole('heading', { level: 1, name: '#lobby' }).waitFor();
    await say(bob.page, 'ping @alice, the build is green');
    await say(bob.page, 'second line from bob');
    const devEntry = nav(alice.page).getByRole('button', { name: /dev/ });
    await devEntry.getByLabel('2 unread, 1 for you').waitFor();
    await shot(alice.page, '17-unread');

    // Alt+Down moves to the next conversation (#dev), which marks it read.
    await messageField(alice.page).focus();
    await alice.page.keyboard.press('Alt+ArrowDown');
    await alice.page.getByRole('heading', { level: 1, name: '#dev' }).waitFor();
    await devEntry.getByLabel(/unread/).waitFor({ state: 'detached' });
    // A "New" divider marks where the unread messages begin.
    await log(alice.page).getByRole('separator', { name: 'New messages' }).waitFor();
    const mention = log(alice.page).locator('.msg.mentioned');
    await mention.locator('mark.mention', { hasText: '@alice' }).waitFor();
    // Grouped under one header; own messages marked on bob's side.
    await messagesWithText(alice.page, 'second line from bob').waitFor();
    assert.equal(await log(alice.page).locator('.msg.grouped').filter({ hasText: 'second line from bob' }).count(), 1);
    assert.equal(await log(bob.page).locator('.msg.mine').filter({ hasText: 'ping @alice' }).count(), 1);
    // Typing indicator.
    await messageField(bob.page).fill('typing something');
    await alice.page.getByText('bob is typing…').waitFor();
    await shot(alice.page, '18-mention-typing');

    // Away status with a message, seen by bob in the member list and in Users.
    await say(alice.page, '/away lunch');
    await bob.page.getByRole('complementary', { name: 'Members of #dev' }).getByRole('button', { name: 'alice, away' }).waitFor();
    await button(bob.page, 'Users').click();
    await bob.page.getByRole('dialog', { name: 'Users' }).getByText('Away: lunch').waitFor();
    await shot(bob.page, '19-away');
    await bob.page.keyboard.press('Escape');
    await button(alice.page, 'Set online').click();
    await bob.page.getByRole('complementary', { name: 'Members of #dev' }).getByRole('button', { name: 'alice, online' }).waitFor();

    // /help lists the commands; an unknown command explains itself; //text sends "/text".
    await say(alice.page, '/help');
    await log(alice.page).getByText(/\/join #room/).waitFor();
    await say(alice.page, '/frobnicate');
    await log(alice.page).getByText(/Unknown command \/frobnicate/).waitFor();
    await say(alice.page, '//shrug');
    await messagesWithText(bob.page, '/shrug').waitFor();

    // Leaving a room removes it from the sidebar.
    await button(alice.page, 'Leave').click();
    await alice.page.getByRole('heading', { level: 1, name: '#lobby' }).waitFor();
    await log(bob.page).getByText('alice left #dev', { exact: true }).waitFor();
    assert.equal(await nav(alice.page).getByRole('button', { name: /dev/ }).count(), 0);

    // A reload keeps the tab signed in under the same name; Sign out returns to the entry screen.
    await alice.page.reload();
    await messageField(alice.page).waitFor();
    await alice.page.locator('.me-name').filter({ hasText: 'alice' }).waitFor();
    await button(alice.page, 'Sign out').click();
    await alice.page.getByLabel('Name', { exact: true }).waitFor();
    assert.equal(await alice.page.getByLabel('Name', { exact: true }).inputValue(), 'alice');
    await nav(bob.page).getByRole('button', { name: /lobby/ }).click();
    await log(bob.page).getByText('alice left', { exact: true }).nth(1).waitFor();
    assert.deepEqual([...alice.problems, ...bob.problems], []);
  });
});
