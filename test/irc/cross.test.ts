/**
 * IRC and WebSocket users in the same chat: messages, private messages, joins and parts,
 * quits, away, renames, kicks and the calculator, in both directions.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import type { ChatMessage } from '../../src/protocol/index.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';

let app: App;
before(async () => { app = await startTestServer(); });
after(async () => { await app.close(); });

const msgFrom = (from: string, text: string) => (e: { type: string; msg?: ChatMessage }) => e.type === 'message' && e.msg?.from === from && e.msg.text === text;

it('broadcast and private messages cross both ways', async () => {
  const irc = await IrcClient.register(app, 'IrcBroad');
  const web = await TestClient.login(app, 'WebBroad');
  await irc.waitLine(/^:WebBroad!~WebBroad@banter JOIN #lobby$/);
  irc.send('PRIVMSG #lobby :hello from irc');
  const m = await web.waitFor(msgFrom('IrcBroad', 'hello from irc'));
  assert.equal((m as { msg: ChatMessage }).msg.to, '#lobby');
  await web.request('send', { to: '#lobby', text: 'hello from web' });
  assert.equal(await irc.waitLine(/hello from web/), ':WebBroad!~WebBroad@banter PRIVMSG #lobby :hello from web');
  irc.send('PRIVMSG webbroad :just you');
  const dm = await web.waitFor(msgFrom('IrcBroad', 'just you'));
  assert.equal((dm as { msg: ChatMessage }).msg.to, 'WebBroad');
  await web.request('send', { to: 'ircbroad', text: 'just you too' });
  assert.equal(await irc.waitLine(/just you too/), ':WebBroad!~WebBroad@banter PRIVMSG IrcBroad :just you too');
  irc.send('NOTICE #lobby :a notice');
  irc.send('PRIVMSG #lobby :\x01ACTION waves\x01');
  const n = await web.waitFor(msgFrom('IrcBroad', 'a notice'));
  assert.equal((n as { msg: ChatMessage }).msg.kind, 'notice');
  const a = await web.waitFor(msgFrom('IrcBroad', 'waves'));
  assert.equal((a as { msg: ChatMessage }).msg.kind, 'action');
  await web.request('send', { to: '#lobby', text: 'dances', kind: 'action' });
  assert.equal(await irc.waitLine(/dances/), ':WebBroad!~WebBroad@banter PRIVMSG #lobby :\x01ACTION dances\x01');
  irc.close(); web.close();
});

it('join, part, quit and disconnect notices cross both ways', async () => {
  const irc = await IrcClient.register(app, 'IrcRooms');
  const web = await TestClient.login(app, 'WebRooms');
  await irc.command('JOIN #mixed');
  await web.request('join', { room: '#mixed' });
  await irc.waitLine(/^:WebRooms!~WebRooms@banter JOIN #mixed$/);
  const names = await irc.command('NAMES #mixed');
  assert.deepEqual(names, [`:${SERVER} 353 IrcRooms = #mixed :@IrcRooms WebRooms`, `:${SERVER} 366 IrcRooms #mixed :End of /NAMES list`]);
  await web.request('part', { room: '#mixed' });
  await irc.waitLine(/^:WebRooms!~WebRooms@banter PART #mixed$/);
  await web.request('join', { room: '#mixed' });
  irc.send('PART #mixed :bye web');
  const left = await web.waitFor((e) => e.type === 'room_left' && e.name === 'IrcRooms');
  assert.deepEqual(left, { type: 'room_left', room: '#mixed', name: 'IrcRooms', reason: 'bye web' });
  irc.send('JOIN #mixed');
  await web.waitFor((e) => e.type === 'room_joined' && e.name === 'IrcRooms');
  web.close();
  assert.match(await irc.waitLine(/^:WebRooms!\S+ QUIT /), /^:WebRooms!~WebRooms@banter QUIT :\S/);
  const web2 = await TestClient.login(app, 'WebRooms2');
  irc.send('QUIT :off to lunch');
  const gone = await web2.waitFor((e) => e.type === 'user_left' && e.name === 'IrcRooms');
  assert.equal((gone as { reason: string }).reason, 'Quit: off to lunch');
  web2.close();
});

it('away status crosses both ways (away-notify, 301, WHOIS, user_presence)', async () => {
  const irc = await IrcClient.register(app, 'IrcAway', ['away-notify']);
  const web = await TestClient.login(app, 'WebAway');
  irc.send('AWAY :in a meeting');
  const p = await web.waitFor((e) => e.type === 'user_presence' && e.name === 'IrcAway');
  assert.deepEqual(p, { type: 'user_presence', name: 'IrcAway', presence: 'away', away: 'in a meeting' });
  await web.request('away', { message: 'coffee' });
  assert.equal(await irc.waitLine(/^:WebAway!\S+ AWAY /), ':WebAway!~WebAway@banter AWAY :coffee');
  assert.deepEqual(await irc.command('PRIVMSG WebAway :ping'), [`:${SERVER} 301 IrcAway WebAway :coffee`]);
  const whois = await irc.command('WHOIS webaway');
  assert.ok(whois.includes(`:${SERVER} 301 IrcAway WebAway :coffee`));
  await web.request('back', {});
  await irc.waitLine(/^:WebAway!~WebAway@banter AWAY$/);
  irc.close(); web.close();
});

it('renames and kicks reach web users', async () => {
  const irc = await IrcClient.register(app, 'IrcOp');
  const web = await TestClient.login(app, 'WebKicked');
  await irc.command('JOIN #ops');
  await web.request('join', { room: '#ops' });
  irc.send('NICK IrcOp2');
  assert.deepEqual(await web.waitFor((e) => e.type === 'user_renamed'), { type: 'user_renamed', old: 'IrcOp', name: 'IrcOp2' });
  irc.send('KICK #ops WebKicked :behave');
  assert.deepEqual(await web.waitFor((e) => e.type === 'room_kicked'), { type: 'room_kicked', room: '#ops', name: 'WebKicked', by: 'IrcOp2', reason: 'behave' });
  const users = await web.request('members', { room: '#ops' });
  assert.deepEqual(users.members.map((m) => m.name), ['IrcOp2']);
  await web.request('join', { room: '#ops' });
  await web.request('nick', { name: 'WebRenamed' });
  assert.equal(await irc.waitLine(/^:WebKicked!\S+ NICK /), ':WebKicked!~WebKicked@banter NICK :WebRenamed');
  await web.request('kick', { room: '#ops', name: 'IrcOp2' }).then(() => assert.fail('not an operator'), (err: { code: string }) => assert.equal(err.code, 'NOT_ROOM_OPERATOR'));
  irc.close(); web.close();
});

it('the calculator answers each asker privately, on either transport', async () => {
  const irc = await IrcClient.register(app, 'IrcCalc');
  const web = await TestClient.login(app, 'WebCalc');
  const webCalc = web.request('calc', { expr: '6*7' });
  assert.deepEqual(await irc.command('PRIVMSG Calc :5 km to mi'), [':Calc!calc@services NOTICE IrcCalc :5 km to mi = 3.10685596118667 mi']);
  assert.equal((await webCalc).result, '42');
  await web.sync();
  assert.equal(web.of('message').filter((e) => e.msg.from === 'IrcCalc').length, 0, 'nobody else sees a calculation');
  irc.close(); web.close();
});

it('typing notifications cross with message-tags', async () => {
  const irc = await IrcClient.register(app, 'IrcTyping', ['message-tags']);
  const web = await TestClient.login(app, 'WebTyping');
  irc.send('@+typing=active TAGMSG WebTyping');
  assert.deepEqual(await web.waitFor((e) => e.type === 'typing'), { type: 'typing', from: 'IrcTyping', to: 'WebTyping' });
  await web.request('typing', { to: '#lobby' });
  assert.equal(await irc.waitLine(/^\S+ :WebTyping!\S+ TAGMSG /), '@+typing=active :WebTyping!~WebTyping@banter TAGMSG #lobby');
  irc.close(); web.close();
});

it('a reconnecting IRC user is never mistaken for a resend of an earlier connection', async () => {
  const web = await TestClient.login(app, 'WebWitness');
  for (const text of ['first life', 'second life']) {
    const irc = await IrcClient.register(app, 'Reborn');
    irc.send(`PRIVMSG #lobby :${text}`);
    await web.waitFor(msgFrom('Reborn', text));
    irc.send('QUIT');
    await web.waitFor((e) => e.type === 'user_left' && e.name === 'Reborn' && web.of('user_left').filter((x) => x.name === 'Reborn').length === (text === 'first life' ? 1 : 2));
  }
  web.close();
});
