/**
 * Hostile input on the IRC listener: an HTTP request line is refused with a plain ERROR,
 * IRC connections count against the same per-IP limits as WebSocket ones, a flood ends in
 * "Excess flood" while a bystander keeps chatting, and random bytes never hurt the server.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer, TestClient, wsUrl } from '../helpers/server.ts';

const S = `:${SERVER}`;
const HTTP_ERROR = 'ERROR :This is an IRC server, not an HTTP server; connect with an IRC client';

/**
 * Writes `data` to a raw socket in 64 KiB chunks, respecting back-pressure, until it is all
 * written or the server hangs up. Samples the heap and external memory after every chunk
 * and returns the highest value seen and whether the server closed the connection.
 */
async function writeAll(port: number, data: Buffer): Promise<{ peak: number; lines: string[]; written: number }> {
  const memory = (): number => { const m = process.memoryUsage(); return m.heapUsed + m.external; };
  let peak = memory();
  const lines: string[] = [];
  let written = 0;
  await new Promise<void>((resolve) => {
    let text = '';
    const s = connect(port, '127.0.0.1');
    s.on('data', (d: Buffer) => { text += d.toString('latin1'); });
    s.on('error', () => { /* the server may reset us while we write */ });
    s.on('close', () => { lines.push(...text.split('\r\n').filter((l) => l !== '')); resolve(); });
    const next = (): void => {
      while (written < data.length && !s.destroyed && s.writable) {
        const chunk = data.subarray(written, written + 65536);
        written += chunk.length;
        const more = s.write(chunk);
        peak = Math.max(peak, memory());
        if (!more) return void s.once('drain', next);
      }
      if (written >= data.length && !s.destroyed) s.end();
    };
    s.on('connect', next);
  });
  return { peak: Math.max(peak, memory()), lines, written };
}

describe('IRC hardening', () => {
  it('answers an HTTP request line with ERROR and closes, before any IRC reply', async () => {
    const app = await startTestServer();
    try {
      for (const first of ['GET / HTTP/1.1', 'POST /ws HTTP/1.0', 'HEAD /index.html HTTP/1.1', 'PRI * HTTP/2.0']) {
        const c = await IrcClient.connect(app.ircPort!);
        c.write(`${first}\r\nHost: localhost\r\nUser-Agent: curl/8\r\n\r\n`);
        await c.waitClosed();
        assert.deepEqual(c.lines, [HTTP_ERROR], first);
      }
      // Only the first line is checked: later, "GET" is just an unknown command.
      const irc = await IrcClient.register(app, 'Getter');
      assert.deepEqual(await irc.command('GET / HTTP/1.1'), [`${S} 421 Getter GET :Unknown command`]);
      irc.close();
    } finally {
      await app.close();
    }
  });

  it('IRC and WebSocket connections share the per-IP limit; a refused IRC client gets an ERROR line', async () => {
    const app = await startTestServer({ 'limits.exemptLoopback': false, 'limits.perIp': 2, 'limits.connectBurst': 100 });
    try {
      const web = await TestClient.open(wsUrl(app));
      const irc = await IrcClient.register(app, 'Counted');
      const refused = await IrcClient.connect(app.ircPort!);
      await refused.waitClosed();
      assert.deepEqual(refused.lines, ['ERROR :Closing Link: 127.0.0.1 (too many connections from 127.0.0.1 (limit 2))']);
      // The registered client is unaffected.
      assert.deepEqual(await irc.command('PRIVMSG #lobby :still here'), []);
      web.close(); irc.close();
    } finally {
      await app.close();
    }
  });

  it('throttles new IRC connections per IP', async () => {
    const app = await startTestServer({ 'limits.exemptLoopback': false, 'limits.perIp': 100, 'limits.connectBurst': 2, 'limits.connectRatePerSec': 0.01 });
    try {
      const a = await IrcClient.connect(app.ircPort!);
      const b = await IrcClient.connect(app.ircPort!);
      const c = await IrcClient.connect(app.ircPort!);
      await c.waitClosed();
      assert.deepEqual(c.lines, ['ERROR :Closing Link: 127.0.0.1 (connecting too fast from 127.0.0.1)']);
      assert.equal(a.closed || b.closed, false);
      a.close(); b.close();
    } finally {
      await app.close();
    }
  });

  it('a message flood ends in "Excess flood" while a bystander keeps getting messages', async () => {
    const app = await startTestServer({ 'flood.burst': 10, 'flood.ratePerSec': 2, 'flood.maxDelayMs': 200, 'flood.maxRefusals': 5, 'flood.refusalWindowMs': 10_000 });
    try {
      const bystander = await IrcClient.register(app, 'Bystander');
      const talker = await TestClient.login(app, 'Talker');
      const flooder = await IrcClient.register(app, 'Flooder');
      flooder.write(Array.from({ length: 200 }, (_, i) => `PRIVMSG #lobby :flood ${i}\r\n`).join(''));
      await talker.request('send', { to: '#lobby', text: 'during the flood' });
      assert.equal(await bystander.waitLine(/during the flood/), ':Talker!~Talker@banter PRIVMSG #lobby :during the flood');
      assert.equal(await flooder.waitLine(/^ERROR /, 10_000), 'ERROR :Closing Link: 127.0.0.1 (Excess flood)');
      assert.ok(flooder.lines.some((l) => l === `${S} 400 Flooder PRIVMSG :slow down: too many requests`), 'refused before being dropped');
      assert.equal(await bystander.waitLine(/^:Flooder\S* QUIT /), ':Flooder!~flooder@banter QUIT :Excess flood');
      const t0 = Date.now();
      await talker.request('send', { to: '#lobby', text: 'after the flood' });
      await bystander.waitLine(/after the flood/);
      assert.ok(Date.now() - t0 < 1000, 'delivery stays fast');
      // The flood was cut off: far fewer than 200 messages reached anyone.
      assert.ok(bystander.lines.filter((l) => l.includes(':flood ')).length < 30);
      bystander.close(); talker.close();
    } finally {
      await app.close();
    }
  });

  it('8 MiB of invalid UTF-8 lines before registration end in "ReadQ exceeded" with bounded memory', async (t) => {
    // The production flood gate (the test default turns it off): lines wait their turn in the read queue.
    const app = await startTestServer({ 'irc.floodBurst': 20, 'irc.floodRate': 5 });
    try {
      const bystander = await IrcClient.register(app, 'Calm');
      // Each 2-byte line is invalid UTF-8; they used to cost nothing against the read queue.
      const flood = Buffer.alloc(8 * 1024 * 1024, Buffer.from([0xff, 0x0a]));
      const before = process.memoryUsage();
      const { peak, lines, written } = await writeAll(app.ircPort!, flood);
      const growth = peak - (before.heapUsed + before.external);
      t.diagnostic(`wrote ${written} bytes; heap+external grew by ${(growth / 1024 / 1024).toFixed(1)} MiB`);
      assert.ok(lines.includes('ERROR :Closing Link: 127.0.0.1 (ReadQ exceeded)'), `last lines: ${JSON.stringify(lines.slice(-3))}`);
      // The read queue is 64 KiB: the server gives up long before the 8 MiB are through and
      // holds at most a few MiB for this connection (the old code grew by hundreds of MiB).
      assert.ok(written < flood.length, `the server read all ${written} bytes without hanging up`);
      assert.ok(growth < 48 * 1024 * 1024, `memory grew by ${Math.round(growth / 1024 / 1024)} MiB`);
      assert.deepEqual(await bystander.command('PING still'), [`${S} PONG ${SERVER} :still`]);
      bystander.close();
    } finally {
      await app.close();
    }
  });

  it('an unterminated line longer than the read queue ends in "ReadQ exceeded"', async () => {
    const app = await startTestServer();
    try {
      const { lines } = await writeAll(app.ircPort!, Buffer.alloc(1024 * 1024, 'a'));
      assert.deepEqual(lines, ['ERROR :Closing Link: 127.0.0.1 (ReadQ exceeded)']);
      // A registered client too, and a terminated over-long line under the limit is only refused.
      const c = await IrcClient.register(app, 'Longliner');
      assert.deepEqual(await c.command(`PRIVMSG #lobby :${'x'.repeat(2000)}`), [`${S} 417 Longliner :Input line was too long`]);
      c.write('PRIVMSG #lobby :');
      c.write(Buffer.alloc(256 * 1024, 'y'));
      assert.equal(await c.waitLine(/^ERROR /), 'ERROR :Closing Link: 127.0.0.1 (ReadQ exceeded)');
    } finally {
      await app.close();
    }
  });

  it('invalid UTF-8 and over-long lines cost the request budget: a flood of them ends in "Excess flood"', async () => {
    const app = await startTestServer({ 'flood.burst': 3, 'flood.ratePerSec': 0.01, 'flood.maxDelayMs': 0, 'flood.maxRefusals': 3 });
    try {
      const c = await IrcClient.register(app, 'Garbler');
      const bad = Buffer.concat([Buffer.from('PRIVMSG #lobby :caf'), Buffer.from([0xe9]), Buffer.from('\r\n')]);
      c.write(Buffer.concat([bad, bad, Buffer.from(`PRIVMSG #lobby :${'z'.repeat(600)}\r\n`), bad, bad, bad, bad]));
      assert.equal(await c.waitLine(/^ERROR /), 'ERROR :Closing Link: 127.0.0.1 (Excess flood)');
      assert.ok(c.lines.includes(`${S} FAIL PRIVMSG INVALID_UTF8 :Message rejected, your message contained invalid UTF-8`));
    } finally {
      await app.close();
    }
  });

  it('a WHO mask built to backtrack answers at once and never stalls the server', async () => {
    const app = await startTestServer();
    try {
      // A nick of 32 a's and a mask with many stars: as a regular expression this took
      // minutes of event-loop time for one user.
      const victim = await IrcClient.register(app, 'a'.repeat(32));
      const asker = await IrcClient.register(app, 'Masker');
      assert.deepEqual(await asker.command(`WHO ${'*a'.repeat(16)}*?b`), [`${S} 315 Masker ${'*a'.repeat(16)}*?b :End of WHO list`]);
      assert.equal((await asker.command(`WHO ${'*a'.repeat(16)}*`)).length, 2);
      assert.deepEqual(await victim.command('PING alive'), [`${S} PONG ${SERVER} :alive`]);
      victim.close(); asker.close();
    } finally {
      await app.close();
    }
  });

  it('random bytes from many clients never crash the server', async () => {
    const app = await startTestServer();
    try {
      const watcher = await IrcClient.register(app, 'Watcher');
      await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (bytes) => {
        await new Promise<void>((resolve) => {
          const s = connect(app.ircPort!, '127.0.0.1', () => {
            s.end(Buffer.from(bytes));
          });
          s.on('error', () => resolve());
          s.on('close', () => resolve());
          s.resume();
        });
      }), { numRuns: 500 });
      assert.deepEqual(await watcher.command('PING alive'), [`${S} PONG ${SERVER} :alive`]);
      watcher.close();
    } finally {
      await app.close();
    }
  });
});
