/**
 * draft/chathistory against the specification (ircv3.net/specs/extensions/chathistory):
 * selectors that exclude themselves, TARGETS with its draft/chathistory-targets batch,
 * limits, the error replies, and clients without `batch`. test/irc/caps.test.ts has the
 * basic msgid paging.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import type { ChatMessage } from '../../src/protocol/index.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';

const S = `:${SERVER}`;
const CAPS = ['batch', 'server-time', 'message-tags', 'draft/chathistory'];
let app: App;
before(async () => { app = await startTestServer({ 'irc.autoJoinLobby': false }); });
after(async () => { await app.close(); });

const iso = (ts: number): string => new Date(ts).toISOString();
const texts = (lines: string[]): string[] => lines.filter((l) => / (PRIVMSG|NOTICE) /.test(l)).map((l) => l.slice(l.lastIndexOf(' :') + 2));

/** A web user who sends `n` messages to `room`; returns them as stored. */
async function seed(room: string, n: number, name: string): Promise<ChatMessage[]> {
  const web = await TestClient.login(app, name);
  await web.request('join', { room });
  const sent: ChatMessage[] = [];
  for (let i = 1; i <= n; i++) sent.push((await web.request('send', { to: room, text: `t${i}` })).msg);
  web.close();
  return sent;
}

describe('CHATHISTORY selectors', () => {
  it('a timestamp excludes every message of its millisecond: BEFORE, AFTER, LATEST, BETWEEN', async () => {
    const sent = await seed('#chts', 8, 'TsWeb');
    const irc = await IrcClient.register(app, 'TsIrc', CAPS);
    await irc.command('JOIN #chts');
    const t3 = sent[2]!.ts;
    const t6 = sent[5]!.ts;
    const want = (f: (m: ChatMessage) => boolean, limit: number, newest = false): string[] => {
      const all = sent.filter(f).map((m) => m.text);
      return newest ? all.slice(-limit) : all.slice(0, limit);
    };
    assert.deepEqual(texts(await irc.command(`CHATHISTORY AFTER #chts timestamp=${iso(t3)} 3`)), want((m) => m.ts > t3, 3));
    assert.deepEqual(texts(await irc.command(`CHATHISTORY BEFORE #chts timestamp=${iso(t6)} 2`)), want((m) => m.ts < t6, 2, true));
    assert.deepEqual(texts(await irc.command(`CHATHISTORY LATEST #chts timestamp=${iso(t3)} 100`)), want((m) => m.ts > t3, 100, true));
    assert.deepEqual(texts(await irc.command(`CHATHISTORY BETWEEN #chts timestamp=${iso(t3)} timestamp=${iso(t6)} 100`)), want((m) => m.ts > t3 && m.ts < t6, 100));
    // Backwards in time: the messages nearest the first selector.
    assert.deepEqual(texts(await irc.command(`CHATHISTORY BETWEEN #chts timestamp=${iso(t6)} timestamp=${iso(t3)} 100`)), want((m) => m.ts > t3 && m.ts < t6, 100, true));
    // A msgid and a timestamp mix; a timestamp without a zone is UTC.
    assert.deepEqual(texts(await irc.command(`CHATHISTORY BETWEEN #chts msgid=${sent[0]!.id} timestamp=${iso(t3).replace('Z', '')} 100`)), want((m) => m.seq > sent[0]!.seq && m.ts < t3, 100));
    irc.close();
  });

  it('AROUND centres on the message; the batch names the channel as it is spelled', async () => {
    const irc = await IrcClient.register(app, 'AroundIrc', CAPS);
    await irc.command('JOIN #ChAround');
    const sent = await seed('#CHAROUND', 7, 'AroundWeb');
    // The seeding web user's QUIT must not land inside the command's reply.
    await irc.waitLine(/AroundWeb!\S+ QUIT /);
    const lines = await irc.command(`CHATHISTORY AROUND #charound msgid=${sent[3]!.id} 3`);
    assert.equal(lines[0], `${S} BATCH +b1 chathistory #ChAround`);
    assert.deepEqual(texts(lines), ['t3', 't4', 't5']);
    assert.equal(lines.at(-1), `${S} BATCH -b1`);
    irc.close();
  });

  it('limits are cut to ISUPPORT CHATHISTORY (100)', async () => {
    await seed('#chmax', 105, 'MaxWeb');
    const irc = await IrcClient.register(app, 'MaxIrc', CAPS);
    await irc.command('JOIN #chmax');
    const lines = await irc.command('CHATHISTORY LATEST #chmax * 1000');
    assert.equal(texts(lines).length, 100);
    assert.equal(texts(lines)[0], 't6');
    irc.close();
  });

  it('without the batch cap the messages come alone, untagged by any batch', async () => {
    const sent = await seed('#chnobatch', 2, 'NoBatchWeb');
    const irc = await IrcClient.register(app, 'NoBatchIrc', ['draft/chathistory']);
    await irc.command('JOIN #chnobatch');
    assert.deepEqual(await irc.command('CHATHISTORY LATEST #chnobatch * 10'), sent.map((m) => `:NoBatchWeb!~NoBatchWeb@banter PRIVMSG #chnobatch :${m.text}`));
    irc.close();
  });
});

describe('CHATHISTORY TARGETS', () => {
  it('lists the channels and DMs whose newest message is between the timestamps, oldest first, in a draft/chathistory-targets batch', async () => {
    const web = await TestClient.login(app, 'TgWeb');
    const other = await TestClient.login(app, 'TgOther');
    const irc = await IrcClient.register(app, 'TgIrc', CAPS);
    await irc.command('JOIN #tga');
    await irc.command('JOIN #tgb');
    await web.request('join', { room: '#tga' });
    await web.request('join', { room: '#tgb' });
    await other.request('join', { room: '#tgsecret' });
    const start = Date.now() - 1;
    const a = (await web.request('send', { to: '#tga', text: 'in a' })).msg;
    const dm = (await web.request('send', { to: 'TgIrc', text: 'a dm' })).msg;
    const b = (await web.request('send', { to: '#tgb', text: 'in b' })).msg;
    // Not TgIrc's: a room it is not in, a DM between others.
    await other.request('send', { to: '#tgsecret', text: 'hidden' });
    const notYours = (await other.request('send', { to: 'TgWeb', text: 'not yours' })).msg;
    const end = Date.now() + 60_000;
    const lines = await irc.command(`CHATHISTORY TARGETS timestamp=${iso(start)} timestamp=${iso(end)} 10`);
    const expected = [{ to: '#tga', ts: a.ts }, { to: 'TgWeb', ts: dm.ts }, { to: '#tgb', ts: b.ts }].sort((x, y) => x.ts - y.ts || (x.to < y.to ? -1 : 1));
    assert.deepEqual(lines, [
      `${S} BATCH +b1 draft/chathistory-targets`,
      ...expected.map((t) => `@batch=b1 ${S} CHATHISTORY TARGETS ${t.to} ${iso(t.ts)}`),
      `${S} BATCH -b1`,
    ]);
    // The timestamps in either order; a limit keeps the most recently active.
    const two = await irc.command(`CHATHISTORY TARGETS timestamp=${iso(end)} timestamp=${iso(start)} 2`);
    assert.deepEqual(two.slice(1, -1), expected.slice(1).map((t) => `@batch=b2 ${S} CHATHISTORY TARGETS ${t.to} ${iso(t.ts)}`));
    // A window before everything is an empty batch.
    assert.deepEqual(await irc.command(`CHATHISTORY TARGETS timestamp=${iso(0)} timestamp=${iso(start - 60_000)} 10`), [`${S} BATCH +b3 draft/chathistory-targets`, `${S} BATCH -b3`]);
    // The same core request over the WebSocket protocol: newest first, only the web user's own.
    const { targets } = await web.request('targets', { after: start });
    const mine = [{ to: '#tga', ts: a.ts }, { to: 'TgIrc', ts: dm.ts }, { to: '#tgb', ts: b.ts }, { to: 'TgOther', ts: notYours.ts }];
    assert.deepEqual(targets, mine.sort((x, y) => y.ts - x.ts || (x.to < y.to ? 1 : -1)));
    web.close(); other.close(); irc.close();
  });
});

describe('CHATHISTORY errors', () => {
  it('answers with the specified standard replies', async () => {
    const irc = await IrcClient.register(app, 'ErrIrc', CAPS);
    await irc.command('JOIN #cherr');
    assert.deepEqual(await irc.command('CHATHISTORY LATEST #cherr *'), [`${S} FAIL CHATHISTORY NEED_MORE_PARAMS LATEST :Missing parameters`]);
    assert.deepEqual(await irc.command('CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00.000Z 10'), [`${S} FAIL CHATHISTORY NEED_MORE_PARAMS TARGETS :Missing parameters`]);
    assert.deepEqual(await irc.command('CHATHISTORY LATEST #cherr * 10abc'), [`${S} FAIL CHATHISTORY INVALID_PARAMS LATEST :Invalid parameters`]);
    assert.deepEqual(await irc.command('CHATHISTORY LATEST #cherr * 0'), [`${S} FAIL CHATHISTORY INVALID_PARAMS LATEST :Invalid parameters`]);
    assert.deepEqual(await irc.command('CHATHISTORY AFTER #cherr timestamp=yesterday 10'), [`${S} FAIL CHATHISTORY INVALID_PARAMS AFTER :Invalid parameters`]);
    assert.deepEqual(await irc.command('CHATHISTORY AFTER #cherr timestamp=2020-01-01 10'), [`${S} FAIL CHATHISTORY INVALID_PARAMS AFTER :Invalid parameters`]);
    assert.deepEqual(await irc.command('CHATHISTORY TARGETS msgid=abc timestamp=2020-01-01T00:00:00.000Z 10'), [`${S} FAIL CHATHISTORY INVALID_PARAMS TARGETS :Invalid parameters`]);
    assert.deepEqual(await irc.command('CHATHISTORY BEFORE #notmine timestamp=2020-01-01T00:00:00.000Z 10'), [`${S} FAIL CHATHISTORY INVALID_TARGET BEFORE #notmine :Messages could not be retrieved`]);
    assert.deepEqual(await irc.command('CHATHISTORY SIDEWAYS #cherr * 10'), [`${S} FAIL CHATHISTORY UNKNOWN_COMMAND SIDEWAYS :Unknown subcommand`]);
    // An unknown msgid is an empty batch, not an error.
    assert.deepEqual(await irc.command('CHATHISTORY AFTER #cherr msgid=nosuchid 10'), [`${S} BATCH +b1 chathistory #cherr`, `${S} BATCH -b1`]);
    irc.close();
  });
});
