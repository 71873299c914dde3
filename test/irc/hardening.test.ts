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
