/* eslint-disable no-control-regex -- these tests look for escape sequences on purpose */
/**
 * Message features in the terminal client (pipe mode, real processes against a real server):
 * /edit, /delete, /react, /reply, /thread and /mentions, how edits, deletions, reactions and
 * replies show, the --bell option, and the Markdown rendering of multi-line text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { formatItem, type FormatContext } from '../../src/tui/format.ts';
import { makeStyle } from '../../src/tui/style.ts';
import { startTestServer, TestClient, wsUrl } from '../helpers/server.ts';
import { ChatProcess, killAll } from './helpers.ts';

let app: App;
let server: string;
before(async () => {
  app = await startTestServer();
  server = app.url;
});
after(async () => {
  killAll();
  await app.close();
});

describe('banter chat: message features', () => {
  it('edits, deletes, reacts, replies, lists a thread and mentions', async () => {
    const alice = await ChatProcess.start(server, 'alice');
    const bob = await ChatProcess.start(server, 'bob', ['--bell']);
    await alice.waitLine(/ \* bob joined$/);

    // bob is an account: what /thread shows is marked read for it (checked at the end).
    bob.send('/register a good password 1');
    await bob.waitLine(/registered/);
    alice.send('first from alice');
    await bob.waitLine(/#lobby <alice> first from alice$/);
    await alice.waitLine(/#lobby <alice> first from alice$/);

    // /help lists the commands with their syntax.
    bob.send('/help react');
    assert.match(await bob.waitLine(/ info \/react /), /\/react \[REF\] EMOJI — add your reaction/);

    // /react (default: the newest message here), shown to both with the reference and the counts.
    bob.send('/react 👍');
    assert.match(await alice.waitLine(/\* bob reacted 👍 to #\d+/), /#lobby \* bob reacted 👍 to #(\d+) \(alice's\) \[👍 1\]$/);
    await bob.waitLine(/\* bob reacted 👍 to #\d+/);
    // Again: taken back.
    bob.send('/react 👍');
    await alice.waitLine(/\* bob took back 👍 on #\d+ \(alice's\)$/);
    bob.send('/react not-an-emoji');
    await bob.waitLine(/ error REACTION_INVALID: "not-an-emoji" is not one emoji/);

    // /edit: your own newest message by default.
    alice.send('/edit first from alice, edited');
    assert.match(await bob.waitLine(/\* alice edited #\d+:/), /#lobby \* alice edited #\d+: first from alice, edited$/);
    // Not someone else's.
    bob.send('/edit ^ taking over');
    await bob.waitLine(/ error NO_SUCH_MESSAGE: no message of yours shown in #lobby/);

    // /reply REF TEXT: the quote shows who and what is answered; the mention rings bob's bell.
    bob.send('/reply ^ a reply from bob @alice');
    assert.match(await alice.waitLine(/<bob> \(re alice/), /#lobby <bob> \(re alice: first from alice, edited\) a reply from bob @alice$/);
    alice.send('/reply ^ thanks @bob');
    const rung = await bob.waitLine(/<alice> \(re bob/);
    assert.ok(rung.startsWith('\u0007'), JSON.stringify(rung));
    // Lines that do not mention bob do not ring.
    assert.ok(!bob.matching(/first from alice$/).some((l) => l.startsWith('\u0007')));

    // /thread: the root and its replies with their seqs.
    alice.send('/thread ^');
    await alice.waitLine(/ info 2 replies; \/reply #\d+ TEXT answers in the thread$/);
    const root = alice.matching(/ thread #lobby \d+ <alice> first from alice, edited/);
    assert.equal(root.length, 1, alice.lines.join('\n'));
    assert.match(root[0]!, /\[2 replies\]$/);
    assert.equal(alice.matching(/ thread #lobby \d+ └ <bob> \(re alice: first from alice, edited\) a reply from bob @alice$/).length, 1);
    assert.equal(alice.matching(/ thread #lobby \d+ └ <alice> \(re bob: a reply from bob @alice\) thanks @bob$/).length, 1);

    // /mentions: the messages that mention me, newest last.
    bob.send('/mentions');
    assert.match(await bob.waitLine(/ mention #lobby \d+ <alice>/), /mention #lobby \d+ <alice> \(re bob: a reply from bob @alice\) thanks @bob$/);
    await bob.waitLine(/ info 1 mention; /);

    // /delete by #SEQ (alice's reply) and by default (bob's own newest).
    const seq = /#lobby (\d+) └ <alice>/.exec(alice.matching(/└ <alice>/)[0]!)![1]!;
    alice.send(`/delete #${seq}`);
    await bob.waitLine(new RegExp(`\\* alice deleted #${seq}$`));
    bob.send('/delete');
    await alice.waitLine(/\* bob deleted #\d+$/);
    // A deleted message is a tombstone in the thread.
    const rootSeq = /thread #lobby (\d+) </.exec(root[0]!)![1]!;
    alice.send(`/thread #${rootSeq}`);
    await alice.waitLine(/ info 2 replies; /, 20_000, alice.lines.length);
    await alice.waitLine(/ thread #lobby \d+ └ <bob> \(re alice: first from alice, edited\) \(message deleted\)$/);
    bob.send('/delete #999999');
    await bob.waitLine(/ error NO_SUCH_MESSAGE: no message #999999 in #lobby/);

    // A plain /reply still answers the last direct message.
    alice.send('/msg bob psst');
    await bob.waitLine(/@alice <alice> psst$/);
    bob.send('/reply got it');
    await alice.waitLine(/@bob <bob> got it$/);
    // A thread bob takes part in gets a reply from alice; bob reads it with /thread, which
    // moves his (account's) read mark: the server has no unread thread reply for him after.
    alice.send('/switch #lobby');
    alice.send('new topic from alice');
    await bob.waitLine(/<alice> new topic from alice$/);
    bob.send('/reply ^ count me in');
    await alice.waitLine(/<bob> \(re alice: new topic from alice\) count me in$/);
    alice.send('/reply ^ welcome');
    await bob.waitLine(/<alice> \(re bob: count me in\) welcome$/);
    bob.send('/thread ^');
    await bob.waitLine(/ info 2 replies; /, 20_000, bob.lines.length - 1);
    alice.send('/quit');
    bob.send('/quit');
    assert.equal(await alice.waitExit(30_000, false), 0, alice.stderr);
    assert.equal(await bob.waitExit(30_000, false), 0, bob.stderr);
    const again = await TestClient.open(wsUrl(app));
    await again.request('login', { name: 'bob', password: 'a good password 1' });
    const unread = await again.request('unread', {});
    assert.deepEqual(unread.threads.filter((t) => t.to === '#lobby'), []);
    again.close();
  });
});

describe('terminal rendering of message features', () => {
  const at = new Date(2026, 0, 2, 3, 4, 5).getTime();
  const tty: FormatContext = { me: 'alice', style: makeStyle(false), multiline: true, now: () => at };
  const base = { id: 'm1', seq: 5, to: '#dev', from: 'bob', ts: at };

  it('shows Markdown sensibly: markers dropped, code blocks indented, quotes marked, link targets shown', () => {
    const text = '**bold** and *it* with `code`\n```\nconst x = 1;\n  y();\n```\n> quoted\nsee [docs](https://example.org/d)';
    assert.equal(formatItem({ type: 'message', msg: { ...base, text } }, tty),
      '03:04:05 #dev <bob> bold and it with code\n             const x = 1;\n               y();\n         │ quoted\n         see docs <https://example.org/d>');
    // Pipe mode keeps the raw text on one line (scripts see what was typed).
    assert.equal(formatItem({ type: 'message', msg: { ...base, text: '**a**\nb' } }, { ...tty, multiline: false }), '03:04:05 #dev <bob> **a**↵b');
    // Colours: bold is bold, a mention of me is highlighted; escape sequences from the text never pass.
    const colour = { ...tty, style: makeStyle(true) };
    assert.match(formatItem({ type: 'message', msg: { ...base, text: '**b**' } }, colour)!, /\u001b\[1mb\u001b\[22m/);
    assert.match(formatItem({ type: 'message', msg: { ...base, text: 'hi @alice', mentions: ['alice'] } }, colour)!, /\u001b\[33m/);
    assert.ok(!formatItem({ type: 'message', msg: { ...base, text: '`\u001b[31mred`' } }, colour)!.includes('\u001b[31m'));
  });

  it('shows edits, tombstones, reactions and reply counts on messages', () => {
    const plain = { ...tty, multiline: false };
    assert.equal(formatItem({ type: 'history', msg: { ...base, text: 'v2', editedAt: at, reactions: [{ emoji: '🚀', count: 2, by: ['a', 'b'] }], replies: 3 } }, plain),
      '03:04:05 history #dev 5 <bob> v2 (edited) [🚀 2] [3 replies]');
    assert.equal(formatItem({ type: 'history', msg: { ...base, text: '', deleted: true } }, plain), '03:04:05 history #dev 5 <bob> (message deleted)');
    assert.equal(formatItem({ type: 'updated', msg: { ...base, text: 'v3', editedAt: at } }, plain), '03:04:05 updated #dev 5 <bob> v3 (edited)');
    assert.equal(formatItem({ type: 'message_update', seq: 9, action: 'delete', by: 'carol', msg: { ...base, text: '', deleted: true } }, plain), '03:04:05 #dev * carol deleted #5 (bob\'s)');
  });
});
