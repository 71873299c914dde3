/**
 * The terminal client over durable history: recent history on join (once, in order, marked
 * as history), paging with /history, /search with filters and /jump, /me and /nick, and a
 * gap reported after a reconnect that missed more than the server resends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { ChatProcess, killAll } from './helpers.ts';

let app: App;
before(async () => {
  app = await startTestServer({ 'history.onJoin': 5 });
});
after(async () => {
  killAll();
  await app.close();
});

/** Index of the first line matching `re` (at or after `from`), -1 if none. */
function indexOf(p: ChatProcess, re: RegExp, from = 0): number {
  const i = p.lines.slice(from).findIndex((l) => re.test(l));
  return i < 0 ? -1 : i + from;
}

describe('banter chat with history', () => {
  it('shows the recent history on join once, in order, before live messages, and pages back', async () => {
    const writer = await TestClient.login(app, 'writer');
    await writer.request('join', { room: '#old' });
    for (let i = 1; i <= 8; i++) await writer.request('send', { to: '#old', text: `old ${i}` });

    const alice = await ChatProcess.start(app.url, 'alice');
    alice.send('/join #old');
    await alice.waitLine(/ info now talking in #old/);
    const hist = alice.matching(/ history #old /);
    // history.onJoin is 5 here: seq 4–8, oldest first, each with its seq.
    assert.deepEqual(hist.map((l) => l.replace(/^\d\d:\d\d:\d\d /, '')), [4, 5, 6, 7, 8].map((n) => `history #old ${n} <writer> old ${n}`));
    assert.ok(indexOf(alice, / info #old: 5 earlier messages above; \/history #old for older ones$/) > indexOf(alice, / history #old 8 /));

    await writer.request('send', { to: '#old', text: 'live one' });
    await alice.waitLine(/ #old <writer> live one$/);
    assert.ok(indexOf(alice, / #old <writer> live one$/) > indexOf(alice, / history #old 8 /), 'live after history');

    // Paging back from the oldest shown.
    alice.send('/history 3');
    await alice.waitLine(/ info #old: 3 messages \(1–3\); \/history #old for older ones$/);
    assert.deepEqual(alice.matching(/ history #old [123] /).map((l) => l.replace(/^\S+ /, '')), ['history #old 1 <writer> old 1', 'history #old 2 <writer> old 2', 'history #old 3 <writer> old 3']);
    alice.send('/history');
    await alice.waitLine(/ info no older messages in #old$/);

    // Joining again (already in it) does not repeat the history.
    const before = alice.matching(/ history #old /).length;
    alice.send('/join #old');
    await alice.waitLine(/ info now talking in #old/, 20_000, indexOf(alice, / info no older messages/));
    await alice.sync();
    assert.equal(alice.matching(/ history #old /).length, before);
    assert.equal(alice.matching(/live one$/).length, 1, 'the live message once');
    writer.close();
  });

  it('searches with from: and in: filters and jumps to a result', async () => {
    const bob = await TestClient.login(app, 'bob');
    const carol = await TestClient.login(app, 'carol');
    for (const c of [bob, carol]) await c.request('join', { room: '#ops' });
    await bob.request('send', { to: '#ops', text: 'deploy failed again' });
    await carol.request('send', { to: '#ops', text: 'deploy failed for me too' });
    await bob.request('send', { to: '#lobby', text: 'deploy failed in the lobby' });
    const dana = await ChatProcess.start(app.url, 'dana');
    // At start: the lobby's recent history, after "connected".
    await dana.waitLine(/ info #lobby: 1 earlier message above; /);
    assert.ok(indexOf(dana, / history #lobby \d+ <bob> deploy failed in the lobby$/) > indexOf(dana, / status connected as dana/));
    dana.send('/join #ops');
    await dana.waitLine(/ info now talking in #ops/);

    dana.send('/search deploy from:bob in:#ops');
    const info = await dana.waitLine(/ info 1 result for /);
    const hits = dana.matching(/ search /);
    assert.equal(hits.length, 1, hits.join('\n'));
    const m = / search #ops (\d+) <bob> deploy failed again$/.exec(hits[0]!);
    assert.ok(m, hits[0]);
    assert.match(info, new RegExp(` info 1 result for "deploy from:bob in:#ops"; /jump #ops ${m[1]} shows one in context$`));

    const mark = dana.lines.length;
    dana.send(`/jump #ops ${m[1]}`);
    await dana.waitLine(new RegExp(` info #ops around ${m[1]}; `), 20_000, mark);
    assert.ok(dana.lines.slice(mark).some((l) => / history #ops \d+ <bob> deploy failed again$/.test(l)));
    assert.ok(dana.lines.slice(mark).some((l) => / history #ops \d+ <carol> deploy failed for me too$/.test(l)), 'the context around it');

    dana.send('/search nothinglikethis');
    await dana.waitLine(/ info no messages match "nothinglikethis"$/);
    dana.send('/search from:');
    await dana.waitLine(/ error SEARCH_INVALID: /);
    bob.close();
    carol.close();
  });

  it('/me and /nick are visible to another client', async () => {
    const erin = await ChatProcess.start(app.url, 'erin');
    const fay = await ChatProcess.start(app.url, 'fay');
    erin.send('/me waves');
    await fay.waitLine(/^\d\d:\d\d:\d\d #lobby \* erin waves$/);
    erin.send('/nick erina');
    await fay.waitLine(/ \* erin is now known as erina$/);
    await erin.waitLine(/ \* erin is now known as erina$/);
    erin.send('hello as erina');
    await fay.waitLine(/ #lobby <erina> hello as erina$/);
    fay.send('/msg erina got it');
    await erin.waitLine(/ @fay <fay> got it$/);
    erin.send('/nick 9bad');
    await erin.waitLine(/ error NAME_INVALID: /);
  });
});
