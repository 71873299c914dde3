/**
 * IRCv3 capabilities: server-time, message-tags (msgid = the core's message id),
 * echo-message, labeled-response with batch, extended-join, userhost-in-names, and
 * draft/chathistory backed by the same store as the web client's history.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import type { ChatMessage } from '../../src/protocol/index.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';

let app: App;
before(async () => { app = await startTestServer(); });
after(async () => { await app.close(); });

const S = `:${SERVER}`;
const ALL = ['server-time', 'message-tags', 'echo-message', 'labeled-response', 'batch', 'extended-join', 'userhost-in-names', 'multi-prefix', 'away-notify', 'account-tag', 'draft/chathistory'];

describe('tags and echo', () => {
  it('server-time and msgid carry the core message time and id; echo-message echoes', async () => {
    const irc = await IrcClient.register(app, 'Tagged', ALL);
    const web = await TestClient.login(app, 'TagWeb');
    const { msg } = await web.request('send', { to: '#lobby', text: 'tagged hello' });
    const line = await irc.waitLine(/tagged hello/);
    assert.equal(line, `@time=${new Date(msg.ts).toISOString()};msgid=${msg.id} :TagWeb!~TagWeb@banter PRIVMSG #lobby :tagged hello`);
    irc.skip();
    irc.send('PRIVMSG #lobby :my own');
    const echoed = await irc.waitLine(/my own/);
    const ev = await web.waitFor((e) => e.type === 'message' && e.msg.text === 'my own');
    const m = (ev as { msg: ChatMessage }).msg;
    assert.equal(echoed, `@time=${new Date(m.ts).toISOString()};msgid=${m.id} :Tagged!~tagged@banter PRIVMSG #lobby :my own`);
    irc.close(); web.close();
  });

  it('client-only tags travel with messages to message-tags clients and web users, and are bounded', async () => {
    const sender = await IrcClient.register(app, 'TagSender', ['message-tags']);
    const tagged = await IrcClient.register(app, 'TagReader', ['message-tags']);
    const plain = await IrcClient.register(app, 'PlainReader');
    const web = await TestClient.login(app, 'TagWebReader');
    sender.send('@+example.com/note=abc\\sdef;fizz=buzz PRIVMSG #lobby :with tags');
    const line = await tagged.waitLine(/with tags/);
    assert.match(line, /^@msgid=[^;]+;\+example\.com\/note=abc\\sdef :TagSender!~tagsende@banter PRIVMSG #lobby :with tags$/);
    assert.equal(await plain.waitLine(/with tags/), ':TagSender!~tagsende@banter PRIVMSG #lobby :with tags');
    const ev = await web.waitFor((e) => e.type === 'message' && e.msg.text === 'with tags');
    assert.deepEqual((ev as { msg: ChatMessage }).msg.tags, { '+example.com/note': 'abc def' });
    assert.deepEqual(await sender.command(`@+big=${'x'.repeat(4095)} PRIVMSG #lobby :too big`), [`${S} 417 TagSender :Input line was too long`]);
    sender.close(); tagged.close(); plain.close(); web.close();
  });

  it('one message to members of four tag variants, interleaved: each gets the line its caps ask for', async () => {
    // The fan-out serialises a line once per variant and keeps the first in front of the rest:
    // members in the order none, server-time, none, both, message-tags, server-time.
    const caps = [[], ['server-time'], [], ['server-time', 'message-tags'], ['message-tags'], ['server-time']];
    const members = [];
    for (const [i, c] of caps.entries()) members.push(await IrcClient.register(app, `Var${i}`, c));
    for (const m of members) { m.send('JOIN #variants'); await m.waitLine(/ 366 /); }
    const web = await TestClient.login(app, 'VarWeb');
    await web.request('join', { room: '#variants' });
    const { msg } = await web.request('send', { to: '#variants', text: 'one line, four variants' });
    const time = `time=${new Date(msg.ts).toISOString()}`, id = `msgid=${msg.id}`;
    const body = ':VarWeb!~VarWeb@banter PRIVMSG #variants :one line, four variants';
    const want = [body, `@${time} ${body}`, body, `@${time};${id} ${body}`, `@${id} ${body}`, `@${time} ${body}`];
    for (const [i, m] of members.entries()) assert.equal(await m.waitLine(/four variants/), want[i], `Var${i} (${caps[i]!.join(',') || 'no caps'})`);
    for (const m of members) m.close();
    web.close();
  });

  it('labeled-response: ACK for no output, a label on one line, a batch for several', async () => {
    const irc = await IrcClient.register(app, 'Labels', ALL);
    assert.deepEqual(await irc.command('@label=p1 PONG x'), [`@label=p1 ${S} ACK`]);
    assert.deepEqual(await irc.command('@label=p2 MODE Labels'), [`@label=p2 ${S} 221 Labels +`]);
    const lines = await irc.command('@label=p3 NAMES #lobby');
    assert.equal(lines[0], `@label=p3 ${S} BATCH +b1 labeled-response`);
    assert.match(lines[1]!, new RegExp(`^@batch=b1 ${S} 353 Labels = #lobby :`));
    assert.equal(lines[2], `@batch=b1 ${S} 366 Labels #lobby :End of /NAMES list`);
    assert.equal(lines[3], `${S} BATCH -b1`);
    const echo = await irc.command('@label=p4 PRIVMSG #lobby :labelled');
    assert.match(echo[0]!, /^@time=\S+;msgid=\S+;label=p4 :Labels!~labels@banter PRIVMSG #lobby :labelled$/);
    irc.close();
  });

  it('extended-join and userhost-in-names', async () => {
    const a = await IrcClient.register(app, 'ExtA', ALL);
    const b = await IrcClient.register(app, 'ExtB');
    await a.command('JOIN #ext');
    assert.deepEqual(await b.command('JOIN #ext'), [':ExtB!~extb@banter JOIN #ext', `${S} 353 ExtB = #ext :@ExtA ExtB`, `${S} 366 ExtB #ext :End of /NAMES list`]);
    assert.match(await a.waitLine(/ :ExtB\S* JOIN #ext/), /^@time=\S+ :ExtB!~extb@banter JOIN #ext \* :Real ExtB$/, 'server-time on event lines too');
    assert.deepEqual(await a.command('NAMES #ext'), [`${S} 353 ExtA = #ext :@ExtA!~exta@banter ExtB!~extb@banter`, `${S} 366 ExtA #ext :End of /NAMES list`]);
    a.close(); b.close();
  });
});

describe('draft/chathistory', () => {
  it('LATEST, BEFORE, AFTER, AROUND, BETWEEN over the shared store', async () => {
    const web = await TestClient.login(app, 'HistWeb');
    await web.request('join', { room: '#hist' });
    const sent: ChatMessage[] = [];
    for (let i = 1; i <= 10; i++) sent.push((await web.request('send', { to: '#hist', text: `m${i}` })).msg);
    const irc = await IrcClient.register(app, 'HistIrc', ALL);
    await irc.command('JOIN #hist');
    const texts = (lines: string[]) => lines.filter((l) => l.includes(' PRIVMSG ')).map((l) => l.slice(l.lastIndexOf(':') + 1));
    const latest = await irc.command('CHATHISTORY LATEST #hist * 3');
    assert.equal(latest[0], `${S} BATCH +b1 chathistory #hist`);
    assert.equal(latest[1], `@time=${new Date(sent[7]!.ts).toISOString()};msgid=${sent[7]!.id};batch=b1 :HistWeb!~HistWeb@banter PRIVMSG #hist :m8`);
    assert.equal(latest.at(-1), `${S} BATCH -b1`);
    assert.deepEqual(texts(latest), ['m8', 'm9', 'm10']);
    assert.deepEqual(texts(await irc.command(`CHATHISTORY BEFORE #hist msgid=${sent[4]!.id} 2`)), ['m3', 'm4']);
    assert.deepEqual(texts(await irc.command(`CHATHISTORY AFTER #hist msgid=${sent[4]!.id} 2`)), ['m6', 'm7']);
    assert.deepEqual(texts(await irc.command(`CHATHISTORY AROUND #hist msgid=${sent[4]!.id} 3`)), ['m4', 'm5', 'm6']);
    assert.deepEqual(texts(await irc.command(`CHATHISTORY BETWEEN #hist msgid=${sent[1]!.id} msgid=${sent[5]!.id} 10`)), ['m3', 'm4', 'm5']);
    assert.deepEqual(texts(await irc.command(`CHATHISTORY BETWEEN #hist msgid=${sent[5]!.id} msgid=${sent[1]!.id} 2`)), ['m4', 'm5']);
    assert.deepEqual(texts(await irc.command(`CHATHISTORY LATEST #hist msgid=${sent[7]!.id} 10`)), ['m9', 'm10']);
    assert.deepEqual(texts(await irc.command(`CHATHISTORY AFTER #hist timestamp=${new Date(0).toISOString()} 2`)), ['m1', 'm2']);
    assert.deepEqual(texts(await irc.command(`CHATHISTORY BEFORE #hist timestamp=${new Date(Date.now() + 60_000).toISOString()} 1`)), ['m10']);
    assert.deepEqual(await irc.command('CHATHISTORY LATEST #nothere * 5'), [`${S} FAIL CHATHISTORY INVALID_TARGET LATEST #nothere :Messages could not be retrieved`]);
    assert.deepEqual(await irc.command('CHATHISTORY BEFORE #hist * 5'), [`${S} FAIL CHATHISTORY INVALID_PARAMS BEFORE :Invalid parameters`]);
    assert.deepEqual(await irc.command('CHATHISTORY FOO #hist * 5'), [`${S} FAIL CHATHISTORY UNKNOWN_COMMAND FOO :Unknown subcommand`]);
    irc.close(); web.close();
  });

  it('private conversations are readable by both ends only', async () => {
    const web = await TestClient.login(app, 'DmWeb');
    const irc = await IrcClient.register(app, 'DmIrc', ALL);
    await web.request('send', { to: 'DmIrc', text: 'secret one' });
    irc.send('PRIVMSG DmWeb :secret two');
    await web.waitFor((e) => e.type === 'message' && e.msg.text === 'secret two');
    await irc.waitLine(/^@\S+ :DmIrc\S* PRIVMSG DmWeb :secret two$/);
    const lines = await irc.command('CHATHISTORY LATEST dmweb * 10');
    assert.deepEqual(lines.filter((l) => l.includes('PRIVMSG')).map((l) => l.replace(/^@\S+ /, '')), [
      ':DmWeb!~DmWeb@banter PRIVMSG DmIrc :secret one',
      ':DmIrc!~dmirc@banter PRIVMSG DmWeb :secret two',
    ]);
    const other = await IrcClient.register(app, 'Snoop', ALL);
    const snoop = await other.command('CHATHISTORY LATEST dmweb * 10');
    assert.equal(snoop.filter((l) => l.includes('secret')).length, 0);
    // The DM was the live guest session's: whoever takes the nick next reads none of it.
    irc.send('QUIT');
    await web.waitFor((e) => e.type === 'user_left' && e.name === 'DmIrc');
    const next = await IrcClient.register(app, 'DmIrc', ALL);
    const taken = await next.command('CHATHISTORY LATEST dmweb * 10');
    assert.equal(taken.filter((l) => l.includes('secret')).length, 0, taken.join('\n'));
    irc.close(); web.close(); other.close(); next.close();
  });
});
