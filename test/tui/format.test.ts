/* eslint-disable no-control-regex -- these tests look for control characters on purpose */
/** The pure parts of the terminal client: line format, sanitising, completion, arguments. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseServer, parseChatArgs } from '../../src/tui/args.ts';
import { commandWords } from '../../src/tui/commands.ts';
import { complete } from '../../src/tui/complete.ts';
import { formatItem, sanitize, type FormatContext } from '../../src/tui/format.ts';
import type { Item } from '../../src/tui/items.ts';
import { colourWanted, makeStyle } from '../../src/tui/style.ts';

const at = new Date(2026, 0, 2, 3, 4, 5).getTime();
const plain: FormatContext = { me: 'alice', style: makeStyle(false), multiline: false, now: () => at };
const msg = (to: string, from: string, text: string): Item => ({ type: 'message', msg: { id: 'x', seq: 1, to, from, text, ts: at } });

describe('line format', () => {
  const cases: [Item, string | undefined][] = [
    [msg('#lobby', 'bob', 'hello'), '03:04:05 #lobby <bob> hello'],
    [msg('alice', 'bob', 'psst'), '03:04:05 @bob <bob> psst'],
    [msg('bob', 'alice', 'psst'), '03:04:05 @bob <alice> psst'],
    [msg('#lobby', 'bob', 'two\nlines'), '03:04:05 #lobby <bob> two↵lines'],
    [{ type: 'user_joined', user: { name: 'bob', presence: 'online', rooms: 1 } }, '03:04:05 * bob joined'],
    [{ type: 'user_left', name: 'bob', reason: 'quit' }, '03:04:05 * bob left (quit)'],
    [{ type: 'user_presence', name: 'bob', presence: 'away', away: 'lunch' }, '03:04:05 * bob is away: lunch'],
    [{ type: 'user_presence', name: 'bob', presence: 'online' }, '03:04:05 * bob is back'],
    [{ type: 'room_joined', room: '#dev', name: 'bob' }, '03:04:05 #dev * bob joined'],
    [{ type: 'room_left', room: '#dev', name: 'bob', reason: 'left' }, '03:04:05 #dev * bob left'],
    [{ type: 'room_topic', room: '#dev', topic: 'ship it', by: 'bob' }, '03:04:05 #dev * bob set the topic: ship it'],
    [{ type: 'typing', from: 'bob', to: '#dev' }, undefined],
    [{ type: 'calc', expr: '2^10+1', result: '1025' }, '03:04:05 calc 2^10+1 = 1025'],
    [{ type: 'users', users: [{ name: 'alice', presence: 'online', rooms: 1 }, { name: 'bob', presence: 'away', away: 'lunch', rooms: 2 }] }, '03:04:05 users 2: alice, bob (away: lunch)'],
    [{ type: 'rooms', rooms: [{ name: '#dev', members: 2, topic: 'x' }, { name: '#lobby', members: 3, topic: '' }] }, '03:04:05 rooms 2: #dev (2, topic: x), #lobby (3)'],
    [{ type: 'members', room: '#dev', members: [{ name: 'bob', presence: 'away' }] }, '03:04:05 members #dev 1: bob (away)'],
    [{ type: 'error', code: 'NAME_TAKEN', message: 'the name "x" is taken' }, '03:04:05 error NAME_TAKEN: the name "x" is taken'],
    [{ type: 'status', status: 'reconnected', text: 'reconnected as alice' }, '03:04:05 status reconnected as alice'],
    [{ type: 'message', msg: { id: 'x', seq: 1, to: '#lobby', from: 'bob', text: 'waves', ts: at, kind: 'action' } }, '03:04:05 #lobby * bob waves'],
    [{ type: 'message', msg: { id: 'x', seq: 1, to: '#lobby', from: 'Calc', text: 'hi', ts: at, kind: 'notice' } }, '03:04:05 #lobby -Calc- hi'],
    [{ type: 'history', msg: { id: 'x', seq: 17, to: '#dev', from: 'bob', text: 'hi', ts: at } }, '03:04:05 history #dev 17 <bob> hi'],
    [{ type: 'history', msg: { id: 'x', seq: 3, to: 'alice', from: 'bob', text: 'psst', ts: at } }, '03:04:05 history @bob 3 <bob> psst'],
    [{ type: 'search', msg: { id: 'x', seq: 9, to: '#dev', from: 'bob', text: 'deploy', ts: at - 86_400_000 } }, '03:04:05 search 2026-01-01 #dev 9 <bob> deploy'],
    [{ type: 'gap', to: '#dev', before: 40 }, '03:04:05 gap #dev more messages were missed than the server resends; /history #dev shows the older ones (before 40)'],
    [{ type: 'unread', from: 'bob', count: 3 }, '03:04:05 unread 3 from bob — /switch bob (or /msg bob TEXT) marks them read'],
  ];
  for (const [item, want] of cases) {
    it(`${item.type} → ${want ?? '(not shown)'}`, () => assert.equal(formatItem(item, plain), want));
  }

  it('never lets escape sequences or control characters through', () => {
    const evil = msg('#lobby', 'bob', 'clear\u001b[2J\u0007\u009b31m\rdone');
    const line = formatItem(evil, plain)!;
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f]/);
    assert.equal(sanitize('a\u001bb\nc'), 'a\uFFFDb↵c');
    assert.equal(sanitize('a\nb', true), 'a\nb');
  });

  it('shows bidi controls and invisible characters as <U+XXXX> markers, so they cannot reorder the line', () => {
    // U+202E would otherwise display the rest of the line right to left ("exe.gnp" for "png.exe").
    assert.equal(formatItem(msg('#lobby', 'bob', 'see \u202Egnp.exe now'), plain), '03:04:05 #lobby <bob> see <U+202E>gnp.exe now');
    assert.equal(sanitize('a\u2066b\u2069c\u200Bd\uFEFFe\u200Ef\u{E0041}'), 'a<U+2066>b<U+2069>c<U+200B>d<U+FEFF>e<U+200E>f<U+E0041>');
    const topic: Item = { type: 'room_topic', room: '#dev', topic: '\u202Bevil', by: 'bob' };
    assert.equal(formatItem(topic, plain), '03:04:05 #dev * bob set the topic: <U+202B>evil');
    const away: Item = { type: 'user_presence', name: 'bob', presence: 'away', away: 'x\u2067y' };
    assert.equal(formatItem(away, plain), '03:04:05 * bob is away: x<U+2067>y');
    // Joiners that scripts and emoji need stay as they are.
    assert.equal(sanitize('\u{1F468}\u200D\u{1F469}\u200D\u{1F467} \u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645'), '\u{1F468}\u200D\u{1F469}\u200D\u{1F467} \u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645');
    const tty: FormatContext = { ...plain, multiline: true };
    assert.equal(formatItem(msg('#lobby', 'bob', 'one\u202E\ntwo'), tty), '03:04:05 #lobby <bob> one<U+202E>\n         two');
  });

  it('indents continuation lines in TTY mode and colours only when enabled', () => {
    const tty: FormatContext = { ...plain, multiline: true, style: makeStyle(true) };
    const line = formatItem(msg('#lobby', 'bob', 'one\ntwo'), tty)!;
    assert.match(line, /\u001b\[/);
    assert.match(line, /one\n {9}two$/);
    assert.doesNotMatch(formatItem(msg('#lobby', 'bob', 'x'), plain)!, /\u001b/);
  });

  it('wants colour only on a terminal without NO_COLOR', () => {
    assert.equal(colourWanted(true, {}), true);
    assert.equal(colourWanted(false, {}), false);
    assert.equal(colourWanted(true, { NO_COLOR: '1' }), false);
    assert.equal(colourWanted(true, { NO_COLOR: '' }), true);
    assert.equal(colourWanted(true, { TERM: 'dumb' }), false);
  });
});

describe('completion', () => {
  const src = { commands: commandWords, rooms: () => ['#dev', '#design', '#lobby'], users: () => ['alice', 'Bob', 'bea'] };
  it('completes commands, rooms and users by prefix, case-insensitively', () => {
    assert.deepEqual(complete('/ca', src), [['/calc '], '/ca']);
    assert.deepEqual(complete('/msg b', src), [['bea', 'Bob'], 'b']);
    assert.deepEqual(complete('/msg bo', src), [['Bob '], 'bo']);
    assert.deepEqual(complete('/join #de', src), [['#design', '#dev'], '#de']);
    assert.deepEqual(complete('hi AL', src), [['alice '], 'AL']);
    assert.deepEqual(complete('/zz', src), [[], '/zz']);
  });
});

describe('arguments', () => {
  it('normalises server addresses', () => {
    assert.equal(normaliseServer('localhost:9000'), 'http://localhost:9000');
    assert.equal(normaliseServer('ws://h:1/ws'), 'http://h:1');
    assert.equal(normaliseServer('wss://h'), 'https://h');
    assert.equal(normaliseServer('https://chat.example.org/'), 'https://chat.example.org');
    assert.equal(normaliseServer('ftp://h'), undefined);
    assert.equal(normaliseServer('http://'), undefined);
  });
  it('parses options and reports errors', () => {
    assert.deepEqual(parseChatArgs(['-n', 'al', '--json']), { ok: true, options: { name: 'al', server: 'http://localhost:8080', json: true, passwordFile: undefined, bell: false } });
    assert.equal((parseChatArgs(['--password-file', '/tmp/pw']) as { options: { passwordFile: string } }).options.passwordFile, '/tmp/pw');
    assert.deepEqual(parseChatArgs(['-h']), { ok: false, help: true });
    const bad = parseChatArgs(['stray']);
    assert.equal(bad.ok, false);
  });
});
