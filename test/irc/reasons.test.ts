/**
 * Free text a client chooses and other users see on one line (quit and close reasons, part
 * and kick reasons, real names, away messages, topics) goes through one sanitiser
 * (sanitizeLine in src/protocol/text.ts): no control, bidi or invisible characters reach
 * anyone, line breaks become spaces, and a client's quit reason always reads "Quit: …", so
 * it cannot pass for the server's "Ping timeout" or "Excess flood". Over both transports.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { clientQuitReason, sanitizeLine, type ServerEvent } from '../../src/protocol/index.ts';
import type { App } from '../../src/server/app.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';

const S = `:${SERVER}`;
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\u2028\u2029]/;
/** Nasty decorations: a right-to-left override, a bell, a line break, a BOM. */
const NASTY = '\u202e\u0007\r\n\ufeff';
/** The same for an IRC line (which cannot hold a line break), with an IRC colour code. */
const IRC_NASTY = '\u202e\u0007\u000304\ufeff';

let app: App;
before(async () => { app = await startTestServer({ 'irc.autoJoinLobby': true }); });
after(async () => { await app.close(); });

describe('sanitizeLine', () => {
  it('strips controls, bidi and invisible characters, collapses whitespace, trims and caps', () => {
    assert.equal(sanitizeLine('  a\r\nb\t\tc\u2028d  ', 100), 'a b c d');
    assert.equal(sanitizeLine('\u202eevil\u202c \u2066x\u2069\u200f', 100), 'evil x');
    assert.equal(sanitizeLine('bell\u0007 \u0085next\u009b', 100), 'bell next');
    assert.equal(sanitizeLine('zero\u200bwidth\ufeff', 100), 'zerowidth');
    // Joiners stay: emoji sequences and several scripts need them.
    assert.equal(sanitizeLine('👩\u200d💻 \u0645\u200c\u06cc', 100), '👩\u200d💻 \u0645\u200c\u06cc');
    assert.equal(sanitizeLine('lone \ud800 half', 100), 'lone half');
    // The cap never splits a surrogate pair.
    assert.equal(sanitizeLine('ab😀', 3), 'ab');
    assert.equal(sanitizeLine('\u0007\u202e', 10), '');
  });

  it('never leaves an unsafe character, a lone surrogate or more than max characters', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 1, max: 250 }), (raw, max) => {
      const out = sanitizeLine(raw, max);
      assert.ok(!UNSAFE.test(out), JSON.stringify(out));
      assert.ok(out.isWellFormed());
      assert.ok(out.length <= max);
      assert.equal(out, out.trim());
      assert.ok(!out.includes('  '));
      assert.equal(sanitizeLine(out, max), out, 'idempotent');
    }), { numRuns: 2000 });
  });

  it('a client quit reason always reads "Quit: …"', () => {
    assert.equal(clientQuitReason('Ping timeout: 120 seconds'), 'Quit: Ping timeout: 120 seconds');
    assert.equal(clientQuitReason(`Excess${NASTY}flood`), 'Quit: Excess flood');
    assert.equal(clientQuitReason(' \u0007 '), 'Quit');
    assert.equal(clientQuitReason('x'.repeat(500)).length, 'Quit: '.length + 200);
  });
});

describe('client-chosen text seen by others', () => {
  it('a WebSocket close reason reaches IRC and web users as "Quit: <reason>", cleaned', async () => {
    const irc = await IrcClient.register(app, 'CloseWatch');
    const watcher = await TestClient.login(app, 'CloseWatchWeb');
    const web = await TestClient.login(app, 'Closer');
    await irc.waitLine(/^:Closer\S* JOIN /);
    web.ws.close(4000, `Ping timeout${NASTY}: 120 seconds`);
    assert.equal(await irc.waitLine(/^:Closer\S* QUIT /), ':Closer!~Closer@banter QUIT :Quit: Ping timeout : 120 seconds');
    const left = await watcher.waitFor((e) => e.type === 'user_left' && e.name === 'Closer');
    assert.equal((left as Extract<ServerEvent, { type: 'user_left' }>).reason, 'Quit: Ping timeout : 120 seconds');
    irc.close(); watcher.close();
  });

  it('an IRC QUIT reason is cleaned and prefixed; the web client\'s own "quit" stays a plain "quit"', async () => {
    const watcher = await TestClient.login(app, 'QuitWatchWeb');
    const irc = await IrcClient.register(app, 'Leaver');
    irc.send(`QUIT :\u202eKilled ${IRC_NASTY}(by admin)`);
    assert.equal(await irc.waitLine(/^ERROR /), 'ERROR :Closing Link: 127.0.0.1 (Quit: Killed (by admin))');
    const left = await watcher.waitFor((e) => e.type === 'user_left' && e.name === 'Leaver');
    assert.equal((left as Extract<ServerEvent, { type: 'user_left' }>).reason, 'Quit: Killed (by admin)');
    const ircWatch = await IrcClient.register(app, 'QuitWatch');
    const web = await TestClient.login(app, 'WebQuitter');
    await ircWatch.waitLine(/^:WebQuitter\S* JOIN /);
    web.ws.close(1000, 'quit');
    assert.equal(await ircWatch.waitLine(/^:WebQuitter\S* QUIT /), ':WebQuitter!~WebQuitter@banter QUIT :quit');
    watcher.close(); ircWatch.close();
  });

  it('an IRC real name is cleaned before anyone sees it (WHOIS, WHO, extended-join)', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    c.send('NICK Namer');
    c.send(`USER namer 0 * :\u202eReal\u0002${IRC_NASTY} Name\u2066`);
    await c.waitLine(/ 376 /);
    const asker = await IrcClient.register(app, 'Asker', ['extended-join']);
    assert.ok((await asker.command('WHOIS Namer')).includes(`${S} 311 Asker Namer ~namer banter * :Real Name`));
    assert.ok((await asker.command('WHO Namer')).some((l) => l.startsWith(`${S} 352 Asker `) && l.endsWith(' Namer H :0 Real Name')));
    c.send('JOIN #names');
    await c.waitLine(/ 366 /);
    await asker.command('JOIN #names');
    c.send('PART #names');
    c.send('JOIN #names');
    assert.equal(await asker.waitLine(/^:Namer\S* JOIN #names /), ':Namer!~namer@banter JOIN #names * :Real Name');
    c.close(); asker.close();
  });

  it('part and kick reasons from either transport are cleaned, not dropped', async () => {
    const web = await TestClient.login(app, 'ReasonWeb');
    const irc = await IrcClient.register(app, 'ReasonIrc');
    await web.request('join', { room: '#why' });
    await irc.command('JOIN #why');
    await web.request('part', { room: '#why', reason: `gone${NASTY}home` });
    assert.equal(await irc.waitLine(/^:ReasonWeb\S* PART /), ':ReasonWeb!~ReasonWeb@banter PART #why :gone home');
    await web.request('join', { room: '#why' });
    irc.send(`PART #why :\u202eback\u0007 later\u2069`);
    const left = await web.waitFor((e) => e.type === 'room_left' && e.name === 'ReasonIrc');
    assert.equal((left as Extract<ServerEvent, { type: 'room_left' }>).reason, 'back later');
    // The web user creates #kicks, so it may kick there.
    await web.request('join', { room: '#kicks' });
    await irc.command('JOIN #kicks');
    await web.request('kick', { room: '#kicks', name: 'ReasonIrc', reason: `be\u202e${NASTY}nice` });
    assert.equal(await irc.waitLine(/ KICK #kicks /), ':ReasonWeb!~ReasonWeb@banter KICK #kicks ReasonIrc :be nice');
    web.close(); irc.close();
  });

  it('away messages and topics are cleaned before anyone sees them', async () => {
    const web = await TestClient.login(app, 'AwayWeb');
    const irc = await IrcClient.register(app, 'AwayIrc', ['away-notify']);
    await web.request('away', { message: `out\u202e${NASTY}to lunch` });
    assert.equal(await irc.waitLine(/^:AwayWeb\S* AWAY /), ':AwayWeb!~AwayWeb@banter AWAY :out to lunch');
    await web.request('join', { room: '#topical' });
    await irc.command('JOIN #topical');
    const set = await web.request('topic', { room: '#topical', topic: `\u2067news${NASTY}\ttoday\u2069` });
    assert.equal(set.topic, 'news today');
    assert.equal(await irc.waitLine(/ TOPIC #topical /), ':AwayWeb!~AwayWeb@banter TOPIC #topical :news today');
    irc.send(`AWAY :\u202ebrb\u0085soon`);
    const away = await web.waitFor((e) => e.type === 'user_presence' && e.name === 'AwayIrc');
    assert.equal((away as Extract<ServerEvent, { type: 'user_presence' }>).away, 'brb soon');
    web.close(); irc.close();
  });
});
