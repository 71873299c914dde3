/**
 * The screen-reader announcer (no browser needed): batching, wording, the length limit, and
 * which messages are said at all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage } from '../../src/protocol/index.ts';
import { ANNOUNCE_BATCH_MS, ANNOUNCE_TEXT_MAX, Announcer } from '../../src/web/state/announce.ts';

let n = 0;
function msg(from: string, text: string, kind?: ChatMessage['kind']): ChatMessage {
  return { id: `m${++n}`, seq: n, from, to: '#lobby', text, ts: Date.now(), ...(kind ? { kind } : {}) } as ChatMessage;
}
// Read through functions: asserting a field undefined would narrow it for the rest of a test.
const polite = (a: Announcer): string | undefined => a.polite?.text;
const assertive = (a: Announcer): string | undefined => a.assertive?.text;

describe('web announcer', () => {
  it('says one message as "name: text", after the batch time, once', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let changes = 0;
    const a = new Announcer(() => changes++);
    a.message(msg('bob', 'hello\n  there'), '#lobby', false, true, false);
    assert.equal(polite(a), undefined, 'nothing before the batch time');
    t.mock.timers.tick(ANNOUNCE_BATCH_MS);
    assert.deepEqual(polite(a), 'bob: hello there');
    assert.equal(assertive(a), undefined);
    assert.equal(changes, 1);
    t.mock.timers.tick(ANNOUNCE_BATCH_MS * 5);
    assert.equal(changes, 1, 'no timer left running');
  });

  it('sums up a burst in one sentence with the latest message', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const a = new Announcer(() => undefined);
    for (let i = 1; i <= 500; i++) a.message(msg('bob', `line ${i}`), '#lobby', false, true, false);
    a.message(msg('carol', 'waves', 'action'), '#lobby', false, true, false);
    t.mock.timers.tick(ANNOUNCE_BATCH_MS);
    assert.equal(polite(a), '501 new messages in #lobby. Latest from carol: * carol waves');
    const seq = a.polite!.seq;
    // The same words again are a new announcement (a new node in the live region).
    a.message(msg('bob', 'x'), '#lobby', false, true, false);
    t.mock.timers.tick(ANNOUNCE_BATCH_MS);
    a.message(msg('bob', 'x'), '#lobby', false, true, false);
    t.mock.timers.tick(ANNOUNCE_BATCH_MS);
    assert.equal(polite(a), 'bob: x');
    assert.equal(a.polite!.seq, seq + 2);
  });

  it('says mentions and direct messages assertively, other conversations not at all', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const a = new Announcer(() => undefined);
    a.message(msg('bob', 'not for me'), '#ops', false, false, false);
    t.mock.timers.tick(ANNOUNCE_BATCH_MS);
    assert.equal(polite(a), undefined);
    assert.equal(assertive(a), undefined);
    a.message(msg('bob', 'alice, look'), '#ops', false, false, true);
    t.mock.timers.tick(ANNOUNCE_BATCH_MS);
    assert.equal(assertive(a), 'bob mentioned you in #ops: alice, look');
    a.message(msg('bob', 'psst'), 'bob', true, false, true);
    t.mock.timers.tick(ANNOUNCE_BATCH_MS);
    assert.equal(assertive(a), 'Direct message from bob: psst');
    a.message(msg('bob', 'one'), '#ops', false, false, true);
    a.message(msg('carol', 'two'), 'carol', true, false, true);
    t.mock.timers.tick(ANNOUNCE_BATCH_MS);
    assert.equal(assertive(a), '2 messages for you. Latest from carol (direct message): two');
    assert.equal(polite(a), undefined);
  });

  it(`cuts long text at ${ANNOUNCE_TEXT_MAX} characters and forgets everything on reset`, (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const a = new Announcer(() => undefined);
    a.message(msg('bob', 'y'.repeat(ANNOUNCE_TEXT_MAX * 10)), '#lobby', false, true, false);
    t.mock.timers.tick(ANNOUNCE_BATCH_MS);
    assert.equal(polite(a), `bob: ${'y'.repeat(ANNOUNCE_TEXT_MAX)}…`);
    a.message(msg('bob', 'pending'), '#lobby', false, true, false);
    a.reset();
    t.mock.timers.tick(ANNOUNCE_BATCH_MS);
    assert.equal(polite(a), undefined);
  });
});
