/**
 * A large room in the web client (docs/protocol.md, "Large rooms"): the member list shows the
 * first page and the room's size, "Show more members" pages on, and joins come as one
 * summary line. With rooms.announceMax = 3, a handful of users make #lobby large.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestClient } from '../helpers/server.ts';
import { browserSkip, webFixture, join, log, shot } from './browser.ts';

describe('web client: a large room', { skip: browserSkip() }, () => {
  const web = webFixture({ 'rooms.announceMax': 3, 'rooms.summaryMs': 50 });

  it('pages the member list and shows joins as a summary', async () => {
    const others: TestClient[] = [];
    for (const n of ['ann', 'ben', 'cat', 'dan', 'eve']) others.push(await TestClient.login(web.app, n));
    const abe = await join(web.browser, `http://127.0.0.1:${web.app.port}/`, 'abe');
    const members = abe.page.getByRole('complementary', { name: 'Members of #lobby' });
    await members.getByText('Showing 3 of 6.').waitFor();
    assert.equal(await members.getByRole('button', { name: /, online/ }).count(), 3);
    await members.getByRole('button', { name: 'Show more members' }).click();
    await members.getByRole('button', { name: 'eve, online' }).waitFor();
    assert.equal(await members.getByRole('button', { name: /, online/ }).count(), 6);
    assert.equal(await members.getByRole('button', { name: 'Show more members' }).count(), 0);

    // Two more logins: one summary line (or two, if they straddle a window), not one line each.
    others.push(await TestClient.login(web.app, 'fay'));
    others.push(await TestClient.login(web.app, 'gus'));
    await log(abe.page).getByText(/joined — 8 members$/).waitFor();
    assert.equal(await log(abe.page).getByText(/^(fay|gus) joined/).count(), 0);
    await abe.page.getByText('8 members', { exact: true }).or(members.getByText('Showing 6 of 8.')).first().waitFor();
    await shot(abe.page, '60-large-room');
    for (const c of others) c.close();
  });
});
