/**
 * The IRC mapping of message features over real TCP and WebSocket (docs/irc.md, "Message
 * features"): reactions (+draft/react), replies (+draft/reply), edits (+draft/edit or a
 * NOTICE), deletion (draft/message-redaction), read marks (draft/read-marker), multi-line
 * messages (draft/multiline) and chathistory's current state, for IRC clients with the caps
 * and without them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import type { ChatMessage, MessageUpdateEvent, ServerEvent } from '../../src/protocol/index.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer, TestClient, wsUrl } from '../helpers/server.ts';

let app: App;
before(async () => { app = await startTestServer({ 'auth.scryptLog2N': 10 }); });
after(async () => { await app.close(); });

const S = `:${SERVER}`;
const PW = 'correct horse battery';
const TAGS = ['message-tags'];

const isUpdate = (action: string, id: string, by?: string) => (e: ServerEvent) => e.type === 'message_update' && e.action === action && e.msg.id === id && (by === undefined || e.by === by);
const isMessage = (from: string) => (e: ServerEvent) => e.type === 'message' && e.msg.from === from;
const ref = (id: string) => `ml-${id.replace(/[^A-Za-z0-9-]/g, '-')}`;

/** IRC clients (tagged: `caps`, plain: none) and a web user, all in `room`. */
async function setup(room: string, caps: string[], prefix: string): Promise<{ tagged: IrcClient; plain: IrcClient; web: TestClient; webName: string }> {
  const tagged = await IrcClient.register(app, `${prefix}Tag`, caps);
  const plain = await IrcClient.register(app, `${prefix}Plain`);
  const webName = `${prefix}Web`;
  const web = await TestClient.login(app, webName);
  await tagged.command(`JOIN ${room}`);
  await plain.command(`JOIN ${room}`);
  await web.request('join', { room });
  await tagged.waitLine(new RegExp(`JOIN ${room}$`));
  await plain.waitLine(new RegExp(`^:${webName}!\\S+ JOIN ${room}$`));
  tagged.skip(); plain.skip();
  return { tagged, plain, web, webName };
}

describe('reactions', () => {
  it("a web user's reaction is a TAGMSG +draft/react to message-tags clients and nothing to others; an IRC TAGMSG reacts for the web", async () => {
    const { tagged, plain, web, webName } = await setup('#react', TAGS, 'Re');
    const { msg } = await web.request('send', { to: '#react', text: 'react to me' });
    await tagged.take(/react to me/); await plain.take(/react to me/);
    await web.request('react', { to: '#react', msgid: msg.id, emoji: '👍', on: true });
    assert.equal((await tagged.take(/TAGMSG/)).at(-1), `@+draft/react=👍;+draft/reply=${msg.id} :${webName}!~${webName}@banter TAGMSG #react`);
    await web.request('react', { to: '#react', msgid: msg.id, emoji: '👍', on: false });
    assert.equal((await tagged.take(/TAGMSG/)).at(-1), `@+draft/unreact=👍;+draft/reply=${msg.id} :${webName}!~${webName}@banter TAGMSG #react`);
    await plain.sync();
    assert.deepEqual(plain.rest(), []);

    tagged.send(`@+draft/react=🎉;+draft/reply=${msg.id} TAGMSG #react`);
    const on = await web.waitFor<MessageUpdateEvent>(isUpdate('react', msg.id, 'ReTag'));
    assert.deepEqual(on.msg.reactions, [{ emoji: '🎉', count: 1, by: ['ReTag'] }]);
    assert.equal(on.by, 'ReTag');
    tagged.send(`@+draft/unreact=🎉;+draft/reply=${msg.id} TAGMSG #react`);
    const off = await web.waitFor<MessageUpdateEvent>(isUpdate('unreact', msg.id, 'ReTag'));
    assert.equal(off.msg.reactions, undefined);
    // Refusals are the core's: an unknown message, a non-emoji.
    assert.deepEqual(await tagged.command('@+draft/react=🎉;+draft/reply=nope TAGMSG #react'), [`${S} 400 ReTag TAGMSG :${'no message nope in #react'}`]);
    assert.match((await tagged.command(`@+draft/react=not\\san\\semoji;+draft/reply=${msg.id} TAGMSG #react`))[0]!, / 400 ReTag TAGMSG :/);
    tagged.close(); plain.close(); web.close();
  });
});

describe('direct messages', () => {
  it('changes in a DM name the other party as the target, as PRIVMSG does', async () => {
    const irc = await IrcClient.register(app, 'DmIrc', ['message-tags', 'draft/message-redaction']);
    const web = await TestClient.login(app, 'DmWeb');
    const { msg } = await web.request('send', { to: 'DmIrc', text: 'psst' });
    assert.equal(await irc.waitLine(/psst/), `@msgid=${msg.id} :DmWeb!~DmWeb@banter PRIVMSG DmIrc :psst`);
    irc.send(`@+draft/react=👍;+draft/reply=${msg.id} TAGMSG DmWeb`);
    const r = await web.waitFor<MessageUpdateEvent>(isUpdate('react', msg.id, 'DmIrc'));
    assert.deepEqual(r.msg.reactions, [{ emoji: '👍', count: 1, by: ['DmIrc'] }]);
    await web.request('react', { to: 'DmIrc', msgid: msg.id, emoji: '👀', on: true });
    assert.equal(await irc.waitLine(/ TAGMSG DmIrc$/), `@+draft/react=👀;+draft/reply=${msg.id} :DmWeb!~DmWeb@banter TAGMSG DmIrc`);
    await web.request('delete', { to: 'DmIrc', msgid: msg.id });
    assert.equal(await irc.waitLine(/ REDACT DmIrc /), `:DmWeb!~DmWeb@banter REDACT DmIrc ${msg.id}`);
    irc.close(); web.close();
  });
});

describe('replies', () => {
  it('+draft/reply on PRIVMSG is a reply for the web; a web reply carries +draft/reply to message-tags clients', async () => {
    const { tagged, plain, web, webName } = await setup('#reply', TAGS, 'Rp');
    const { msg: root } = await web.request('send', { to: '#reply', text: 'the question' });
    await tagged.take(/the question/);
    tagged.send(`@+draft/reply=${root.id} PRIVMSG #reply :the answer`);
    const ans = await web.waitFor<{ type: 'message'; msg: ChatMessage }>(isMessage('RpTag'));
    assert.equal(ans.msg.replyTo, root.id);
    assert.equal(ans.msg.text, 'the answer');
    assert.equal(await plain.waitLine(/the answer/), ':RpTag!~rptag@banter PRIVMSG #reply :the answer');
    // +draft/reply is a reply now, not an opaque tag: an unknown message is refused.
    assert.deepEqual(await tagged.command('@+draft/reply=nosuch PRIVMSG #reply :to nothing'), [`${S} 400 RpTag PRIVMSG :no message nosuch in this conversation`]);
    const { msg: again } = await web.request('send', { to: '#reply', text: 'thanks', replyTo: ans.msg.id });
    assert.equal(await tagged.waitLine(/thanks/), `@msgid=${again.id};+draft/reply=${ans.msg.id} :${webName}!~${webName}@banter PRIVMSG #reply :thanks`);
    tagged.close(); plain.close(); web.close();
  });
});

describe('edits', () => {
  it('a web edit is a +draft/edit PRIVMSG for message-tags clients and a NOTICE for others; +draft/edit from IRC edits', async () => {
    const { tagged, plain, web, webName } = await setup('#edit', TAGS, 'Ed');
    const { msg } = await web.request('send', { to: '#edit', text: 'teh typo' });
    await tagged.take(/teh typo/); await plain.take(/teh typo/);
    await web.request('edit', { to: '#edit', msgid: msg.id, text: 'the typo' });
    assert.equal((await tagged.take(/the typo/)).at(-1), `@+draft/edit=${msg.id} :${webName}!~${webName}@banter PRIVMSG #edit :the typo`);
    assert.equal((await plain.take(/the typo/)).at(-1), `:${webName}!~${webName}@banter NOTICE #edit :* edited: the typo`);

    tagged.send('PRIVMSG #edit :mine to fix');
    const mine = await web.waitFor<{ type: 'message'; msg: ChatMessage }>(isMessage('EdTag'));
    tagged.send(`@+draft/edit=${mine.msg.id} PRIVMSG #edit :mine, fixed`);
    const ed = await web.waitFor<MessageUpdateEvent>(isUpdate('edit', mine.msg.id));
    assert.equal(ed.msg.text, 'mine, fixed');
    assert.equal(typeof ed.msg.editedAt, 'number');
    // Someone else's words cannot be edited.
    assert.deepEqual(await tagged.command(`@+draft/edit=${msg.id} PRIVMSG #edit :hijack`), [`${S} 400 EdTag PRIVMSG :you can only edit your own messages`]);
    tagged.close(); plain.close(); web.close();
  });
});

describe('draft/message-redaction', () => {
  it("an IRC user's REDACT removes the message for the web user; REDACT goes to clients with the cap only; FAIL codes", async () => {
    const { tagged, plain, web, webName } = await setup('#redact', ['draft/message-redaction'], 'Rd');
    const sender = await IrcClient.register(app, 'RdSender', ['draft/message-redaction']);
    await sender.command('JOIN #redact');
    sender.send('PRIVMSG #redact :regrettable');
    const said = await web.waitFor<{ type: 'message'; msg: ChatMessage }>(isMessage('RdSender'));
    await tagged.take(/regrettable/); await plain.take(/regrettable/);
    assert.deepEqual(await sender.command(`REDACT #redact ${said.msg.id} :oops`), []);
    const del = await web.waitFor<MessageUpdateEvent>(isUpdate('delete', said.msg.id));
    assert.equal(del.msg.deleted, true);
    assert.equal(del.msg.text, '');
    assert.equal((await tagged.take(/REDACT/)).at(-1), `:RdSender!~rdsender@banter REDACT #redact ${said.msg.id}`);
    await plain.sync();
    assert.deepEqual(plain.rest(), []);
    const hist = await web.request('history', { to: '#redact', limit: 10 });
    assert.equal(hist.messages.find((m) => m.id === said.msg.id)?.deleted, true);

    const { msg: other } = await web.request('send', { to: '#redact', text: 'not yours' });
    await sender.waitLine(/not yours/);
    assert.deepEqual(await sender.command(`REDACT #redact ${other.id}`), [`${S} FAIL REDACT REDACT_FORBIDDEN #redact ${other.id} :You are not allowed to delete this message`]);
    assert.deepEqual(await sender.command('REDACT #redact nosuchid'), [`${S} FAIL REDACT UNKNOWN_MSGID #redact nosuchid :This message does not exist or you cannot see it`]);
    assert.deepEqual(await sender.command(`REDACT #elsewhere ${other.id}`), [`${S} FAIL REDACT INVALID_TARGET #elsewhere :You cannot delete messages in this conversation`]);
    assert.deepEqual(await sender.command('REDACT #redact'), [`${S} 461 RdSender REDACT :Not enough parameters`]);
    // The web user's own deletion reaches IRC as REDACT too.
    await web.request('delete', { to: '#redact', msgid: other.id });
    assert.equal(await sender.waitLine(new RegExp(`REDACT #redact ${other.id}$`)), `:${webName}!~${webName}@banter REDACT #redact ${other.id}`);
    tagged.close(); plain.close(); web.close(); sender.close();
  });
});

describe('draft/multiline', () => {
  it('a multiline batch from IRC is one message; it goes out as a batch to multiline clients and as lines to others', async () => {
    const { tagged: reader, plain, web } = await setup('#ml', ['batch', 'draft/multiline', 'message-tags'], 'Ml');
    const sender = await IrcClient.register(app, 'MlSender', ['batch', 'draft/multiline']);
    await sender.command('JOIN #ml');
    reader.skip(); plain.skip();
    sender.send('BATCH +x1 draft/multiline #ml');
    sender.send('@batch=x1 PRIVMSG #ml :first line');
    sender.send('@batch=x1 PRIVMSG #ml :second ');
    sender.send('@batch=x1;draft/multiline-concat PRIVMSG #ml :half');
    sender.send('BATCH -x1');
    const got = await web.waitFor<{ type: 'message'; msg: ChatMessage }>(isMessage('MlSender'));
    assert.equal(got.msg.text, 'first line\nsecond half');
    const id = got.msg.id;
    const batch = await reader.take(new RegExp(`BATCH -${ref(id)}$`));
    assert.deepEqual(batch.filter((l) => !/ JOIN /.test(l)), [
      `@msgid=${id} :MlSender!~mlsender@banter BATCH +${ref(id)} draft/multiline #ml`,
      `@batch=${ref(id)} :MlSender!~mlsender@banter PRIVMSG #ml :first line`,
      `@batch=${ref(id)} :MlSender!~mlsender@banter PRIVMSG #ml :second half`,
      `:MlSender!~mlsender@banter BATCH -${ref(id)}`,
    ]);
    assert.deepEqual((await plain.take(/second half/)).filter((l) => !/ JOIN /.test(l)), [
      ':MlSender!~mlsender@banter PRIVMSG #ml :first line',
      ':MlSender!~mlsender@banter PRIVMSG #ml :second half',
    ]);

    // A line longer than IRC allows continues with draft/multiline-concat; blank lines stay.
    const long = 'word '.repeat(150).trim();
    const { msg } = await web.request('send', { to: '#ml', text: `top\n\n${long}` });
    const lines = await reader.take(new RegExp(`BATCH -${ref(msg.id)}$`));
    const body = lines.filter((l) => l.startsWith(`@batch=${ref(msg.id)}`));
    assert.ok(body.length >= 4, lines.join('\n'));
    assert.match(body[1]!, / PRIVMSG #ml :$/);
    let text = '';
    for (const [i, l] of body.entries()) {
      const part = l.slice(l.indexOf(' PRIVMSG #ml :') + 14);
      text += i === 0 ? part : l.includes('draft/multiline-concat') ? part : `\n${part}`;
    }
    assert.equal(text, `top\n\n${long}`);
    sender.close(); reader.close(); plain.close(); web.close();
  });

  it('advertises its limits and refuses batches beyond them, a mixed target and stray ends', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    assert.match((await c.command('CAP LS 302'))[0]!, / draft\/multiline=max-bytes=4000,max-lines=100 /);
    c.close();
    const sender = await IrcClient.register(app, 'MlLimits', ['batch', 'draft/multiline']);
    await sender.command('JOIN #mllim');
    sender.send('BATCH +big draft/multiline #mllim');
    for (let i = 0; i < 101; i++) sender.send(`@batch=big PRIVMSG #mllim :line ${i}`);
    assert.deepEqual(await sender.command('BATCH -big'), [`${S} FAIL BATCH MULTILINE_MAX_LINES 100 :Multiline batch has too many lines`]);
    sender.send('BATCH +fat draft/multiline #mllim');
    for (let i = 0; i < 10; i++) sender.send(`@batch=fat PRIVMSG #mllim :${'y'.repeat(450)}`);
    assert.deepEqual(await sender.command('BATCH -fat'), [`${S} FAIL BATCH MULTILINE_MAX_BYTES 4000 :Multiline batch too long`]);
    sender.send('BATCH +t draft/multiline #mllim');
    assert.deepEqual(await sender.command('@batch=t PRIVMSG #other :x'), [`${S} FAIL BATCH MULTILINE_INVALID_TARGET #mllim #other :Batch and message targets differ`]);
    assert.deepEqual(await sender.command('BATCH -t'), []);
    assert.deepEqual(await sender.command('BATCH -never'), [`${S} FAIL BATCH MULTILINE_INVALID :No such batch open`]);
    // Nothing of the refused batches was sent: the channel's history is empty.
    const h = await sender.command('CHATHISTORY LATEST #mllim * 10');
    assert.equal(h.filter((l) => / PRIVMSG /.test(l)).length, 0);
    sender.close();
  });
});

describe('draft/read-marker', () => {
  it('MARKREAD is shared by the web and IRC sessions of one account: on join, get and set', async () => {
    const w0 = await TestClient.open(wsUrl(app));
    await w0.request('register', { name: 'Marker', password: PW });
    w0.close();
    await w0.waitClosed();
    const other = await TestClient.login(app, 'MarkTalker');
    await other.request('join', { room: '#marks' });
    const web = await TestClient.open(wsUrl(app));
    await web.request('login', { name: 'Marker', password: PW });
    await web.request('join', { room: '#marks' });
    const { msg: m1 } = await other.request('send', { to: '#marks', text: 'one' });
    const { msg: m2 } = await other.request('send', { to: '#marks', text: 'two' });
    await web.request('read', { to: '#marks', seq: m1.seq });
    web.close();
    await web.waitClosed();

    const irc = await IrcClient.connect(app.ircPort!);
    irc.send('CAP LS 302');
    irc.send('CAP REQ :draft/read-marker');
    irc.send(`PASS :${PW}`);
    irc.send('NICK Marker');
    irc.send('USER marker 0 * :Marker');
    await irc.waitLine(/ CAP \* ACK /);
    irc.send('CAP END');
    await irc.waitLine(/ (376|422) /);
    await irc.sync();
    irc.skip();
    const joined = await irc.command('JOIN #marks');
    const at = joined.findIndex((l) => l.includes(' MARKREAD '));
    assert.equal(joined[at], `${S} MARKREAD #marks timestamp=${new Date(m1.ts).toISOString()}`);
    assert.ok(at < joined.findIndex((l) => / 366 /.test(l)), joined.join('\n'));
    assert.deepEqual(await irc.command('MARKREAD #marks'), [`${S} MARKREAD #marks timestamp=${new Date(m1.ts).toISOString()}`]);
    const t2 = new Date(m2.ts).toISOString();
    assert.deepEqual(await irc.command(`MARKREAD #marks timestamp=${t2}`), [`${S} MARKREAD #marks timestamp=${t2}`]);
    // Marks never move back.
    assert.deepEqual(await irc.command(`MARKREAD #marks timestamp=${new Date(m1.ts - 1000).toISOString()}`), [`${S} MARKREAD #marks timestamp=${t2}`]);
    assert.deepEqual(await irc.command('MARKREAD #marks timestamp=yesterday'), [`${S} FAIL MARKREAD INVALID_PARAMS timestamp=yesterday :Invalid timestamp`]);
    assert.deepEqual(await irc.command('MARKREAD'), [`${S} FAIL MARKREAD NEED_MORE_PARAMS :Missing parameters`]);
    irc.send('QUIT');
    await irc.waitClosed();

    // The web session of the account sees the mark the IRC session set.
    const back = await TestClient.open(wsUrl(app));
    await back.request('login', { name: 'Marker', password: PW });
    await back.request('join', { room: '#marks' });
    assert.deepEqual(await back.request('read', { to: '#marks', seq: 0 }), { to: '#marks', seq: m2.seq });
    back.close(); other.close();
  });

  it('a guest has no stored marks: MARKREAD answers *', async () => {
    const g = await IrcClient.register(app, 'MarkGuest', ['draft/read-marker']);
    const joined = await g.command('JOIN #gmarks');
    assert.ok(joined.includes(`${S} MARKREAD #gmarks *`), joined.join('\n'));
    assert.deepEqual(await g.command('MARKREAD #gmarks timestamp=2026-01-01T00:00:00.000Z'), [`${S} MARKREAD #gmarks *`]);
    g.close();
  });
});

describe('chathistory', () => {
  it('returns the current state: edited text, deleted messages left out, reactions as TAGMSG', async () => {
    const web = await TestClient.login(app, 'HistWeb');
    await web.request('join', { room: '#hist' });
    const { msg: a } = await web.request('send', { to: '#hist', text: 'original' });
    const { msg: b } = await web.request('send', { to: '#hist', text: 'doomed' });
    const { msg: c } = await web.request('send', { to: '#hist', text: 'line one\nline two' });
    await web.request('edit', { to: '#hist', msgid: a.id, text: 'edited' });
    await web.request('delete', { to: '#hist', msgid: b.id });
    await web.request('react', { to: '#hist', msgid: c.id, emoji: '👀', on: true });
    const irc = await IrcClient.register(app, 'HistIrc', ['batch', 'message-tags', 'draft/multiline', 'draft/chathistory']);
    await irc.command('JOIN #hist');
    const lines = await irc.command('CHATHISTORY LATEST #hist * 10');
    const bid = lines[0]!.split(' ')[2]!.slice(1);
    assert.deepEqual(lines, [
      `${S} BATCH +${bid} chathistory #hist`,
      `@msgid=${a.id};batch=${bid} :HistWeb!~HistWeb@banter PRIVMSG #hist :edited`,
      `@msgid=${c.id};batch=${bid} :HistWeb!~HistWeb@banter BATCH +${ref(c.id)} draft/multiline #hist`,
      `@batch=${ref(c.id)} :HistWeb!~HistWeb@banter PRIVMSG #hist :line one`,
      `@batch=${ref(c.id)} :HistWeb!~HistWeb@banter PRIVMSG #hist :line two`,
      `@batch=${bid} :HistWeb!~HistWeb@banter BATCH -${ref(c.id)}`,
      `@+draft/react=👀;+draft/reply=${c.id};batch=${bid} :HistWeb!~HistWeb@banter TAGMSG #hist`,
      `${S} BATCH -${bid}`,
    ]);
    irc.close(); web.close();
  });
});
