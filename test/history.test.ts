/**
 * Durable history over real WebSocket connections: history on join, paging, resume after a
 * reconnect (exactly the missed messages, or an explicit gap), offline DMs with unread
 * counts, read marks, search with filters and visibility, and calculator results never stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HistoryQuery, MessageStore } from '../src/core/ports.ts';
import { systemClock } from '../src/core/ports.ts';
import type { ChatMessage } from '../src/protocol/index.ts';
import type { App } from '../src/server/app.ts';
import { MemoryStore } from '../src/storage/memory.ts';
import { ReplyError, startTestServer, TestClient, wsUrl } from './helpers/server.ts';

let app: App;
before(async () => { app = await startTestServer({ 'history.onJoin': 3, 'history.resumeMax': 4, 'auth.scryptLog2N': 10 }); });
after(async () => { await app.close(); });

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof ReplyError && err.code === code);
}

const texts = (ms: ChatMessage[]): string[] => ms.map((m) => m.text);

async function registered(name: string): Promise<{ c: TestClient; token: string }> {
  const c = await TestClient.login(app, name);
  const { token } = await c.request('register', { password: 'password for ' + name });
  return { c, token };
}

describe('history', () => {
  it('a join returns the most recent messages; history pages back by seq', async () => {
    const a = await TestClient.login(app, 'Hist1');
    await a.request('join', { room: '#hist' });
    for (let i = 1; i <= 7; i++) await a.request('send', { to: '#hist', text: `h${i}` });
    await a.request('calc', { expr: '6*7' });
    const b = await TestClient.login(app, 'Hist2');
    const joined = await b.request('join', { room: '#hist' });
    assert.deepEqual(texts(joined.history), ['h5', 'h6', 'h7']);
    assert.equal(joined.gap, false);
    const page = await b.request('history', { to: '#hist', before: joined.history[0]!.seq, limit: 10 });
    assert.deepEqual(texts(page.messages), ['h1', 'h2', 'h3', 'h4']);
    const fwd = await b.request('history', { to: '#hist', after: 2, limit: 2 });
    assert.deepEqual(texts(fwd.messages), ['h3', 'h4']);
    await rejects(b.request('history', { to: '#elsewhere' }), 'NOT_IN_ROOM');
    // Calculator answers are private and never stored.
    assert.ok(!texts((await b.request('history', { to: '#hist', limit: 100 })).messages).some((t) => t.includes('42')));
    a.close(); b.close();
  });

  it('resumes exactly the missed messages in order after a reconnect', async () => {
    const sender = await TestClient.login(app, 'Resender');
    const first = await TestClient.login(app, 'Resumer');
    await first.request('join', { room: '#res' });
    await sender.request('join', { room: '#res' });
    await sender.request('send', { to: '#res', text: 'seen' });
    const seen = await first.waitFor<{ type: 'message'; msg: ChatMessage }>((e) => e.type === 'message' && e.msg.text === 'seen');
    first.close();
    await first.waitClosed();
    for (const t of ['m1', 'm2', 'm3']) await sender.request('send', { to: '#res', text: t });

    const again = await TestClient.login(app, 'Resumer');
    const joined = await again.request('join', { room: '#res', since: seen.msg.seq });
    assert.deepEqual(texts(joined.history), ['m1', 'm2', 'm3']);
    assert.equal(joined.gap, false);
    // More than history.resumeMax (4) missed: the newest 4 and an explicit gap.
    again.close();
    await again.waitClosed();
    for (const t of ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']) await sender.request('send', { to: '#res', text: t });
    const third = await TestClient.login(app, 'Resumer');
    const gap = await third.request('join', { room: '#res', since: joined.history.at(-1)!.seq });
    assert.deepEqual(texts(gap.history), ['n3', 'n4', 'n5', 'n6']);
    assert.equal(gap.gap, true);
    sender.close(); third.close();
  });

  it('resumes #lobby on login; live messages during the resume arrive once, in order, after the reply', async () => {
    // A store that answers reads slowly, as a network database would: messages keep being
    // committed and broadcast while the resume is being read.
    const slow: MessageStore = new MemoryStore({ clock: systemClock, maxPerConversation: 100_000, idempotencyWindowMs: 60_000 });
    const history = slow.history.bind(slow);
    slow.history = async (conv: string, q: HistoryQuery) => {
      await new Promise((r) => setTimeout(r, 50));
      return history(conv, q);
    };
    const node = await startTestServer({}, { store: slow });
    try {
      await resumeUnderLoad(node);
    } finally {
      await node.close();
    }
  });
});

async function resumeUnderLoad(node: App): Promise<void> {
    const writer = await TestClient.login(node, 'Busy');
    const reader = await TestClient.login(node, 'Catcher');
    await writer.request('send', { to: '#lobby', text: 'seen' });
    const mark = (await reader.waitFor<{ type: 'message'; msg: ChatMessage }>((e) => e.type === 'message' && e.msg.text === 'seen')).msg.seq;
    reader.close();
    await reader.waitClosed();
    await writer.request('send', { to: '#lobby', text: 'while away' });
    // Keep writing (10 in flight) while the reader logs in with resume.
    let writing = true;
    let n = 0;
    const flood = Promise.all(Array.from({ length: 10 }, async () => {
      while (writing && n < 20_000) await writer.request('send', { to: '#lobby', text: `live ${++n}` });
    }));
    await writer.waitFor((e) => e.type === 'message' && e.msg.text === 'live 20');
    const back = await TestClient.open(wsUrl(node));
    const reply = await back.request('login', { name: 'Catcher', resume: { '#lobby': mark } });
    await back.waitFor((e) => e.type === 'message' && e.msg.text.startsWith('live'));
    writing = false;
    await flood;
    await writer.request('send', { to: '#lobby', text: 'the end' });
    await back.waitFor((e) => e.type === 'message' && e.msg.text === 'the end');
    const lobby = reply.missed.find((m) => m.to === '#lobby');
    assert.ok(lobby, 'the reply resumes #lobby');
    assert.ok(lobby.messages.some((m) => m.text.startsWith('live')), 'messages were sent during the login');
    const replyIdx = back.events.findIndex((e) => e.type === 'reply' && e.data.name === 'Catcher');
    assert.deepEqual(back.events.slice(0, replyIdx).filter((e) => e.type === 'message'), [], 'no message event before the login reply');
    const seqs = [...lobby.messages, ...back.of('message').map((e) => e.msg)].map((m) => m.seq);
    assert.equal(lobby.gap, false);
    assert.equal(seqs[0], mark + 1);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => mark + 1 + i), 'consecutive, no gaps, no duplicates');
    writer.close(); back.close();
}

it('a pipelined request does not end the hold of a history read that is still running', async () => {
  const slow: MessageStore = new MemoryStore({ clock: systemClock, maxPerConversation: 100_000, idempotencyWindowMs: 60_000 });
  const history = slow.history.bind(slow);
  slow.history = async (conv: string, q: HistoryQuery) => {
    await new Promise((r) => setTimeout(r, 100));
    return history(conv, q);
  };
  const node = await startTestServer({}, { store: slow });
  try {
    const writer = await TestClient.login(node, 'Pipe');
    const reader = await TestClient.login(node, 'Piper');
    let writing = true;
    const flood = (async () => {
      for (let n = 0; writing && n < 20_000; n++) await writer.request('send', { to: '#lobby', text: `p${n}` });
    })();
    await reader.waitFor((e) => e.type === 'message' && e.msg.text === 'p5');
    // history (slow, holds events) and ping (fast) in one go.
    reader.sendRaw({ type: 'history', id: 'h', to: '#lobby', limit: 5 });
    reader.sendRaw({ type: 'ping', id: 'p' });
    const reply = await reader.waitFor<{ type: 'reply'; id: string; data: { messages: ChatMessage[] } }>((e) => e.type === 'reply' && e.id === 'h');
    await reader.waitFor((e) => e.type === 'message' && e.msg.seq > reply.data.messages.at(-1)!.seq);
    writing = false;
    await flood;
    const pingAt = reader.events.findIndex((e) => e.type === 'reply' && e.id === 'p');
    const histAt = reader.events.indexOf(reply);
    assert.ok(pingAt < histAt);
    assert.deepEqual(reader.events.slice(pingAt, histAt).filter((e) => e.type === 'message'), [], 'events stay held until the history reply');
    const covered = reply.data.messages.at(-1)!.seq;
    assert.ok(reader.events.slice(histAt).every((e) => e.type !== 'message' || e.msg.seq > covered), 'nothing in the reply arrives again');
    writer.close(); reader.close();
  } finally {
    await node.close();
  }
});

describe('login lastSeq', () => {
  it('is the newest seq in the store for each room, messages and changes included, at every login; what follows arrives live', async () => {
    // The core reads a room's seq from the store once, then follows the room's facts (ChatCore.roomLastSeq).
    const own = await startTestServer({});
    const open: TestClient[] = [];
    try {
      const stored = (): Promise<number> => own.core.deps.store.lastSeq('#lobby');
      const lastSeqOf = async (name: string): Promise<number> => {
        const c = await TestClient.open(wsUrl(own));
        open.push(c);
        return (await c.request('login', { name })).lastSeq['#lobby']!;
      };
      assert.equal(await lastSeqOf('LsFirst'), 0);
      const sender = open[0]!;
      for (let i = 0; i < 3; i++) await sender.request('send', { to: '#lobby', text: `m${i}` });
      assert.equal(await stored(), 3);
      assert.equal(await lastSeqOf('LsSecond'), 3);
      const { msg } = await sender.request('send', { to: '#lobby', text: 'teh' });
      await sender.request('edit', { to: '#lobby', msgid: msg.id, text: 'the' });
      await sender.request('react', { to: '#lobby', msgid: msg.id, emoji: '👍', on: true });
      const now = await stored();
      assert.ok(now > msg.seq, 'changes take seqs');
      assert.equal(await lastSeqOf('LsThird'), now);
      assert.equal(await lastSeqOf('LsFourth'), now, 'again, without anything new');
      const third = open[2]!;
      const after = await sender.request('send', { to: '#lobby', text: 'later' });
      const live = await third.waitFor((e) => e.type === 'message' && e.msg.seq === after.msg.seq);
      assert.ok(live.type === 'message' && live.msg.seq === now + 1);
    } finally {
      for (const c of open) c.close();
      await own.close();
    }
  });
});

describe('offline direct messages', () => {
  it('stores a DM to an offline registered user and delivers it, with unread counts, when they log in', async () => {
    const { c: bob, token } = await registered('OffBob');
    bob.close();
    await bob.waitClosed();
    const alice = await TestClient.login(app, 'OffAlice');
    await alice.request('send', { to: 'offbob', text: 'are you there?' });
    await alice.request('send', { to: 'OffBob', text: 'call me' });
    await rejects(alice.request('send', { to: 'NobodyAtAll', text: 'hello?' }), 'NO_SUCH_USER');

    const back = await TestClient.open(wsUrl(app));
    const reply = await back.request('login', { name: 'OffBob', token });
    assert.deepEqual(reply.unread, [{ to: 'OffAlice', count: 2, lastSeq: 2 }]);
    assert.deepEqual(reply.missed.map((m) => [m.to, texts(m.messages), m.gap]), [['OffAlice', ['are you there?', 'call me'], false]]);
    assert.equal(reply.missed[0]!.messages[0]!.to, 'OffBob', 'addressed with the registered spelling');
    await back.request('read', { to: 'OffAlice', seq: 1 });
    assert.deepEqual((await back.request('unread', {})).unread, [{ to: 'OffAlice', count: 1, lastSeq: 2 }]);
    await back.request('read', { to: 'OffAlice', seq: 2 });
    assert.deepEqual((await back.request('unread', {})).unread, []);
    const dm = await back.request('history', { to: 'OffAlice' });
    assert.deepEqual(texts(dm.messages), ['are you there?', 'call me']);
    alice.close(); back.close();
  });

  it('a guest reads only the DMs of its own live session (a guest name may be someone else tomorrow)', async () => {
    const g = await TestClient.login(app, 'GuestOnly');
    // OffAlice's earlier DMs with other people are not the guest's.
    assert.deepEqual((await g.request('history', { to: 'OffAlice' })).messages, []);
    assert.deepEqual((await g.request('unread', {})).unread, []);
    g.close();
  });
});

describe('search', () => {
  it('finds words in visible rooms and own DMs, with from: and in: filters', async () => {
    const { c: s1 } = await registered('Seeker');
    const s2 = await TestClient.login(app, 'Speaker');
    const s3 = await TestClient.login(app, 'Stranger');
    await s1.request('join', { room: '#srch' });
    await s2.request('join', { room: '#srch' });
    await s3.request('join', { room: '#secret' });
    await s2.request('send', { to: '#srch', text: 'the zebra crossing is closed' });
    await s1.request('send', { to: '#srch', text: 'a zebra? really' });
    await s3.request('send', { to: '#secret', text: 'zebra secrets' });
    await s2.request('send', { to: 'Seeker', text: 'psst zebra' });
    await s3.request('send', { to: 'Speaker', text: 'private zebra' });

    const all = await s1.request('search', { query: 'Zebra' });
    assert.deepEqual(texts(all.results), ['psst zebra', 'a zebra? really', 'the zebra crossing is closed']);
    assert.ok(all.results.every((m) => typeof m.id === 'string' && m.seq > 0));
    assert.deepEqual(texts((await s1.request('search', { query: 'zebra from:speaker' })).results), ['psst zebra', 'the zebra crossing is closed']);
    assert.deepEqual(texts((await s1.request('search', { query: 'zebra in:#srch' })).results), ['a zebra? really', 'the zebra crossing is closed']);
    assert.deepEqual(texts((await s1.request('search', { query: 'zebra in:Speaker' })).results), ['psst zebra']);
    assert.deepEqual(texts((await s1.request('search', { query: 'cross*' })).results), ['the zebra crossing is closed']);
    assert.deepEqual(texts((await s1.request('search', { query: 'zebra', limit: 1 })).results), ['psst zebra']);
    await rejects(s1.request('search', { query: 'zebra in:#secret' }), 'NOT_IN_ROOM');
    await rejects(s1.request('search', { query: 'from:speaker' }), 'SEARCH_INVALID');
    await rejects(s1.request('search', { query: '  ?!  ' }), 'SEARCH_INVALID');
    await rejects(s1.request('search', { query: 'x from:9' }), 'SEARCH_INVALID');
    // FTS syntax in the query is just text.
    assert.deepEqual((await s1.request('search', { query: 'zebra OR NEAR(" AND' })).results, []);
    s1.close(); s2.close(); s3.close();
  });

  it('refuses prefixes shorter than 3 characters and counts a repeated word once', async () => {
    const c = await TestClient.login(app, 'Prefixer');
    await c.request('join', { room: '#pfx' });
    await c.request('send', { to: '#pfx', text: 'quokka quorum' });
    for (const query of ['a*', 'qu*', 'quokka q*', 'a* a* a* a* a* a* a* a* a* a* a* a* a* a* a* a*', 'é*']) {
      await assert.rejects(c.request('search', { query }), (err: unknown) => err instanceof ReplyError && err.code === 'SEARCH_INVALID' && /at least 3 letters or digits/.test(err.message), query);
    }
    assert.deepEqual(texts((await c.request('search', { query: 'quo* in:#pfx' })).results), ['quokka quorum']);
    assert.deepEqual(texts((await c.request('search', { query: 'QUÓK*' })).results), ['quokka quorum'], 'three letters, one of them accented, are enough');
    // 40 copies of one word (and different spellings of it) are one word, not 40 > 16.
    const repeated = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'QUOKKA' : 'quokka')).join(' ');
    assert.deepEqual(texts((await c.request('search', { query: repeated })).results), ['quokka quorum']);
    const seventeen = Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ');
    await rejects(c.request('search', { query: seventeen }), 'SEARCH_INVALID');
    c.close();
  });
});
