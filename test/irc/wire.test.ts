/**
 * The line rules: parsing is independent of how bytes are chunked, limits are enforced
 * with the right numerics and disconnect reasons, invalid UTF-8 never reaches anyone, and
 * CR/LF/NUL never appear inside an outgoing line.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { App } from '../../src/server/app.ts';
import { parse, serialize, splitText } from '../../src/transports/irc/message.ts';
import { LineReader } from '../../src/transports/irc/reader.ts';
import { isoTime } from '../../src/transports/irc/translate.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';

let app: App;
before(async () => { app = await startTestServer(); });
after(async () => { await app.close(); });

const S = `:${SERVER}`;

describe('codec', () => {
  it('parses tags, source, middle and trailing parameters', () => {
    assert.deepEqual(parse('@label=a\\sb;+typing=active;flag :nick!u@h privmsg  #c   :hello  world '), {
      tags: { label: 'a b', '+typing': 'active', flag: '' }, source: 'nick!u@h', command: 'PRIVMSG', params: ['#c', 'hello  world '],
    });
    assert.deepEqual(parse('NICK x'), { command: 'NICK', params: ['x'] });
    assert.deepEqual(parse('USER a 0 * :'), { command: 'USER', params: ['a', '0', '*', ''] });
    assert.equal(parse('   '), undefined);
    assert.equal(parse('@only-tags'), undefined);
  });

  it('serialize never emits CR, LF or NUL, keeps the body within 512 bytes, and round-trips', () => {
    fc.assert(fc.property(fc.string({ maxLength: 700 }), fc.string({ maxLength: 40 }), (text, tag) => {
      const line = serialize({ tags: { msgid: tag }, source: 'a!b@c', command: 'PRIVMSG', params: ['#x', text], trailing: true });
      const body = line.slice(line.indexOf(' :a!b@c') + 1);
      assert.ok(line.endsWith('\r\n'));
      assert.ok(!/[\r\n\0]/.test(line.slice(0, -2)));
      assert.ok(Buffer.byteLength(body) <= 512);
      const back = parse(line.slice(0, -2))!;
      assert.equal(back.tags!.msgid, tag.replace(/\0/g, ''));
    }));
  });

  it('splitText cuts on code points within the byte budget', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 2000 }), (text) => {
      for (const chunk of splitText(text, 100)) {
        assert.ok(Buffer.byteLength(chunk) <= 412);
        assert.ok(chunk.isWellFormed());
        assert.ok(!/[\r\n\0]/.test(chunk));
      }
    }));
  });

  it('the line reader yields the same lines however the bytes are chunked', () => {
    const input = Buffer.from('NICK a\r\nUSER a 0 * :é ü\nPING x\r\r\n\n@t=1 PRIVMSG #c :\u{1F600}\r\n');
    const whole = new LineReader().push(input);
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: input.length }), { maxLength: 20 }), (cuts) => {
      const r = new LineReader();
      const got = [];
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      let prev = 0;
      for (const p of [...points, input.length]) {
        got.push(...r.push(input.subarray(prev, p)));
        prev = p;
      }
      assert.deepEqual(got, whole);
    }));
    assert.deepEqual(whole.map((x) => ('line' in x ? x.line : x.error)), ['NICK a', 'USER a 0 * :é ü', 'PING x', '@t=1 PRIVMSG #c :\u{1F600}']);
  });
});

describe('wire rules over TCP', () => {
  it('byte-by-byte input registers and talks exactly like whole lines', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    for (const b of Buffer.from('NICK Dribble\r\nUSER d 0 * :D\r\n')) c.write(Buffer.from([b]));
    await c.waitLine(/ 366 Dribble #lobby /);
    c.skip();
    for (const b of Buffer.from('PING :slow é\r\n')) c.write(Buffer.from([b]));
    assert.equal(await c.waitLine(/ PONG /), `${S} PONG ${SERVER} :slow é`);
    c.close();
  });

  it('answers 417 to an over-long line and keeps the connection', async () => {
    const c = await IrcClient.register(app, 'Longline');
    assert.deepEqual(await c.command(`PRIVMSG #lobby :${'x'.repeat(600)}`), [`${S} 417 Longline :Input line was too long`]);
    const max = `PRIVMSG #lobby :${'y'.repeat(510 - 16)}`;
    assert.equal(Buffer.byteLength(max), 510);
    assert.deepEqual(await c.command(max), [], 'exactly 510 bytes + CRLF is accepted');
    assert.deepEqual(await c.command(`@${'a'.repeat(9000)} PING x`), [`${S} 417 Longline :Input line was too long`]);
    c.close();
  });

  it('rejects invalid UTF-8 and never relays it to web users', async () => {
    const web = await TestClient.login(app, 'Utf8Web');
    const c = await IrcClient.register(app, 'Utf8Irc');
    c.skip();
    c.write(Buffer.concat([Buffer.from('PRIVMSG #lobby :bad '), Buffer.from([0xff, 0xfe]), Buffer.from('\r\n')]));
    c.send('PRIVMSG #lobby :good after bad');
    assert.equal(await c.waitLine(/ FAIL /), `${S} FAIL PRIVMSG INVALID_UTF8 :Message rejected, your message contained invalid UTF-8`);
    await web.waitFor((e) => e.type === 'message' && e.msg.from === 'Utf8Irc');
    await web.sync();
    assert.deepEqual(web.of('message').filter((e) => e.msg.from === 'Utf8Irc').map((e) => e.msg.text), ['good after bad']);
    c.close(); web.close();
  });

  it("splits a web user's multi-line message into separate lines, never injecting commands", async () => {
    const c = await IrcClient.register(app, 'Victim1');
    const web = await TestClient.login(app, 'Injector');
    c.skip();
    await web.request('send', { to: 'Victim1', text: 'hi\r\nQUIT :owned\nJOIN #evil\n\nlast' });
    await web.request('send', { to: 'Victim1', text: 'z'.repeat(3000) });
    await c.waitLine(/PRIVMSG Victim1 :z+$/);
    await c.sync();
    const got = c.rest();
    assert.deepEqual(got.slice(0, 4), [
      ':Injector!~Injector@banter PRIVMSG Victim1 :hi',
      ':Injector!~Injector@banter PRIVMSG Victim1 :QUIT :owned',
      ':Injector!~Injector@banter PRIVMSG Victim1 :JOIN #evil',
      ':Injector!~Injector@banter PRIVMSG Victim1 :last',
    ]);
    const zs = got.slice(4).filter((l) => l.includes(' PRIVMSG '));
    assert.ok(zs.length >= 6);
    assert.equal(zs.map((l) => l.slice(l.indexOf(' :', 1) + 2)).join(''), 'z'.repeat(3000));
    for (const l of zs.filter((z) => z.includes(' PRIVMSG '))) assert.ok(Buffer.byteLength(`${l}\r\n`) <= 512);
    // A close reason is chosen by the web client too: it reaches IRC as a client's QUIT, on one line.
    web.ws.close(4000, 'bye\r\nJOIN #evil');
    assert.equal(await c.waitLine(/^:Injector\S* QUIT /), ':Injector!~Injector@banter QUIT :Quit: bye JOIN #evil');
    const raw = Buffer.concat(c.raw).toString('utf8');
    assert.ok(!/[^\r]\n|\r[^\n]/.test(raw), 'every CR is followed by LF and every LF preceded by CR');
    c.close();
  });

  it('disconnects a client that floods past the read queue with "ReadQ exceeded"', async () => {
    // The line flood gate holds the lines back (5 at once, then 1 a second): they wait for
    // the client's own flood budget, so past the read queue the client is disconnected.
    // (Lines that wait for the server instead pause reading: test/irc/backpressure.test.ts.)
    const small = await startTestServer({ 'irc.readQueueBytes': 2048, 'irc.floodBurst': 5, 'irc.floodRate': 1 });
    try {
      const c = await IrcClient.register(small, 'Flooder');
      c.write(`PRIVMSG #lobby :${'f'.repeat(100)}\r\n`.repeat(100));
      await c.waitLine(/^ERROR :Closing Link: \S+ \(ReadQ exceeded\)$/);
      await c.waitClosed();
    } finally {
      await small.close();
    }
  });

  it("answers a client's own command in full even when the reply is bigger than the SendQ", async () => {
    const small = await startTestServer({ 'irc.sendQueueBytes': 4096, 'irc.autoJoinLobby': false });
    const web: TestClient[] = [];
    try {
      for (let i = 0; i < 80; i++) {
        const w = await TestClient.login(small, `Member${String(i).padStart(2, '0')}${'x'.repeat(20)}`);
        await w.request('join', { room: '#big' });
        web.push(w);
      }
      const c = await IrcClient.register(small, 'Joiner');
      const joined = await c.command('JOIN #big');
      assert.equal(joined.at(-1), `${S} 366 Joiner #big :End of /NAMES list`);
      assert.equal(joined.filter((l) => l.includes(' 353 ')).join(' ').split(' ').filter((w) => w.includes('Member')).length, 80);
      const who = await c.command('WHO #big');
      assert.equal(who.length, 82);
      assert.ok(who.reduce((n, l) => n + l.length + 2, 0) > 4096);
      assert.equal(c.closed, false);
      c.close();
    } finally {
      for (const w of web) w.close();
      await small.close();
    }
  });

  it('flood control delays lines beyond the burst instead of dropping them', async () => {
    const gated = await startTestServer({ 'irc.floodBurst': 5, 'irc.floodRate': 20 });
    try {
      const c = await IrcClient.connect(gated.ircPort!);
      const start = Date.now();
      c.write(Array.from({ length: 25 }, (_, i) => `PING p${i}\r\n`).join(''));
      await c.waitLine(/ PONG \S+ :p24$/);
      const elapsed = Date.now() - start;
      assert.deepEqual(c.lines.map((l) => l.split(' ').at(-1)), Array.from({ length: 25 }, (_, i) => `:p${i}`), 'all answered, in order');
      // 20 lines beyond the burst at 20 lines/s take at least about a second.
      assert.ok(elapsed >= 900, `answered after ${elapsed} ms`);
      c.close();
    } finally {
      await gated.close();
    }
  });

  it("the core's flood control answers 400 RATE_LIMITED, then drops the client with Excess flood", async () => {
    const strict = await startTestServer({ 'flood.burst': 3, 'flood.ratePerSec': 0.01, 'flood.maxDelayMs': 0, 'flood.maxRefusals': 2, 'irc.autoJoinLobby': true });
    try {
      const c = await IrcClient.register(strict, 'Spammer');
      // Registration (login) used one request; two messages use the rest of the burst.
      assert.deepEqual(await c.command('PRIVMSG #lobby :one'), []);
      assert.deepEqual(await c.command('PRIVMSG #lobby :two'), []);
      assert.deepEqual(await c.command('PRIVMSG #lobby :three'), [`${S} 400 Spammer PRIVMSG :slow down: too many requests`]);
      c.send('PRIVMSG #lobby :four');
      await c.waitLine(/^ERROR :Closing Link: \S+ \(Excess flood\)$/);
      await c.waitClosed();
    } finally {
      await strict.close();
    }
  });

  it('disconnects a client that does not read with "SendQ exceeded"', async () => {
    const small = await startTestServer({ 'irc.sendQueueBytes': 8192 });
    try {
      const c = await IrcClient.register(small, 'Sleeper');
      c.socket.pause();
      const talker = await IrcClient.register(small, 'Talker');
      // Kernel socket buffers absorb the first few hundred KiB; keep talking until the queue overflows.
      const line = `PRIVMSG #lobby :${'x'.repeat(400)}\r\n`.repeat(100);
      const deadline = Date.now() + 20_000;
      while (!talker.lines.some((l) => l.includes(' QUIT ')) && Date.now() < deadline) {
        talker.write(line);
        await talker.sync();
      }
      assert.equal(await talker.waitLine(/ QUIT /), ':Sleeper!~sleeper@banter QUIT :SendQ exceeded');
      talker.close();
      c.close();
    } finally {
      await small.close();
    }
  });
});

describe('server-time', () => {
  it('stamps every instant as Date formats it, whichever instant came before (the last one is kept)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 4_102_444_800_000 }), { minLength: 1, maxLength: 20 }), (instants) => {
      for (const ms of [...instants, ...instants.reverse()]) assert.equal(isoTime(ms), new Date(ms).toISOString());
    }), { numRuns: 500 });
    assert.throws(() => isoTime(Number.NaN), RangeError);
  });
});
