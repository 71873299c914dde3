/**
 * Idle connections hold little (docs/benchmarks.md, "Idle connection memory"): their socket
 * listeners are shared functions, an IRC connection's line reader, flood gate, inbox and
 * in-flight set are made when needed and dropped again by the listener's sweep, caps are a
 * set only once one is enabled, and a per-IP slot is released by one listener per limits
 * object. These tests drive connections through idle spells (each PING proves the sweep
 * has passed over the connection, and the sweep drops the spare state in that same pass) and
 * check that everything that state serves still works: a line split across the spell, caps,
 * flood control, pings, QUIT, per-IP slots, and WebSocket pongs, frames and closes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../src/server/app.ts';
import { IrcClient, SERVER } from './helpers/irc.ts';
import type { WebSocket as WsClient } from 'ws';
import { startTestServer, TestClient, wsUrl } from './helpers/server.ts';

/** Polls `f` until it holds (no fixed sleep; generous deadline for a loaded machine). */
async function until(f: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits for the server's next PING (the sweep has run over `c` since) and answers it. */
async function idleSpell(c: IrcClient): Promise<void> {
  c.skip();
  await c.take(/^PING /, 30_000);
  c.send(`PONG :${SERVER}`);
}

/** Registers a raw client from `localAddress` (its own per-IP count). */
async function registerFrom(app: App, nick: string, localAddress: string): Promise<IrcClient> {
  const c = await IrcClient.connect(app.ircPort!, localAddress);
  c.send(`NICK ${nick}`);
  c.send(`USER ${nick.toLowerCase()} 0 * :Real ${nick}`);
  await c.waitLine(/ (376|422) /);
  c.skip();
  return c;
}

describe('IRC connections after idle spells', () => {
  let app: App;
  before(async () => {
    app = await startTestServer({ 'irc.pingIntervalMs': 300, 'irc.autoJoinLobby': true, 'limits.exemptLoopback': false, 'limits.perIp': 1000, 'limits.connectBurst': 1000 });
  });
  after(async () => { await app.close(); });

  it('a line split across idle spells still arrives whole; caps stay enabled; QUIT still reaches others', async () => {
    const a = await IrcClient.register(app, 'Splitter', ['echo-message']);
    const b = await IrcClient.register(app, 'Listener');
    b.autoPong = true;
    // Half a line, then two sweeps (a PING each: any bytes answer it, a PONG would continue
    // the line): the reader holds the unfinished line through both.
    a.write('PRIVMSG #lobby :hel');
    a.skip();
    await a.take(/^PING /, 30_000);
    a.write('l');
    await a.take(/^PING /, 30_000);
    a.write('o\r\n');
    assert.match(await b.waitLine(/ PRIVMSG #lobby /), /^:Splitter!\S+ PRIVMSG #lobby :hello$/);
    // echo-message, enabled before the spells, still applies.
    assert.match(await a.waitLine(/ PRIVMSG #lobby /), /^(?:@\S+ )?:Splitter!\S+ PRIVMSG #lobby :hello$/);
    assert.deepEqual(await a.command('CAP LIST'), [`:${SERVER} CAP Splitter LIST :cap-notify echo-message`]);
    await idleSpell(a);
    a.send('QUIT :bye for now');
    assert.match(await b.waitLine(/ QUIT /), /^:Splitter!\S+ QUIT :Quit: bye for now$/);
    await a.waitLine(/^ERROR :Closing Link: /);
    await a.waitClosed();
    b.close();
  });

  it('pings keep answering clients and drop silent ones; a closed socket frees its per-IP slot', async () => {
    const c = await registerFrom(app, 'Ponger', '127.0.0.9');
    await until(() => app.ws.limits.openFrom('127.0.0.9') === 1, 'the socket holds a slot');
    for (let i = 0; i < 3; i++) await idleSpell(c);
    assert.equal(c.closed, false);
    // Stop answering: the next PING goes unanswered and the sweep drops the connection.
    c.skip();
    await c.waitLine(/^ERROR :Closing Link: \S+ \(Ping timeout: \d+ seconds\)$/, 30_000);
    await c.waitClosed();
    await until(() => app.ws.limits.openFrom('127.0.0.9') === 0, 'the closed socket released its slot');
  });
});

describe('IRC flood control after an idle spell', () => {
  it('a fresh gate lets the burst through and holds the line beyond it; nothing is dropped', async () => {
    // Two lines at once, then one every 2 s; a client is pinged after 7 s idle, when its gate
    // has refilled (6 s at most after registration), so the sweep drops the gate in that pass.
    const app = await startTestServer({ 'irc.pingIntervalMs': 7000, 'irc.floodBurst': 2, 'irc.floodRate': 0.5 });
    try {
      const a = await IrcClient.register(app, 'Gated');
      const web = await TestClient.login(app, 'web');
      await idleSpell(a);
      // The PONG took one token of a fresh gate; `first` takes the other, `second` and `third` wait 2 and 4 s.
      a.write('PING :first\r\nPING :second\r\nPING :third\r\n');
      await a.waitLine(/ PONG \S+ :first$/);
      // Another connection is answered meanwhile; Gated's last line still waits for its token.
      await web.request('join', { room: '#meanwhile' });
      assert.ok(!a.lines.some((l) => l.endsWith(':third')), 'the line beyond the burst waits');
      await a.waitLine(/ PONG \S+ :third$/, 60_000);
      assert.deepEqual(a.lines.filter((l) => / PONG /.test(l)).map((l) => l.split(' ').at(-1)), [':first', ':second', ':third'], 'all answered, in order');
      a.close();
      web.ws.close();
    } finally {
      await app.close();
    }
  });
});

describe('WebSocket connections with shared listeners', () => {
  it('pongs keep them open and frames are answered; closes and resets are forgotten by the listener, the core and the per-IP count', async () => {
    const app = await startTestServer({ 'ws.pingIntervalMs': 300, 'limits.exemptLoopback': false, 'limits.perIp': 1000, 'limits.connectBurst': 1000 });
    try {
      const from = '127.0.0.11';
      const open = async (name: string): Promise<TestClient> => {
        const c = await TestClient.open(wsUrl(app), { localAddress: from });
        await c.request('login', { name });
        await c.request('join', { room: '#idle' });
        return c;
      };
      const [watcher, one, two, three] = [await open('watcher'), await open('one'), await open('two'), await open('three')];
      assert.equal(app.ws.size, 4);
      assert.equal(app.ws.limits.openFrom(from), 4);
      // The `ws` client answers pings itself; three rounds pass and the connection stays.
      let pings = 0;
      (two.ws as unknown as WsClient).on('ping', () => { pings++; });
      await until(() => pings >= 3, 'three pings');
      for (const c of [watcher, one, two, three]) assert.equal(c.closed, undefined);
      await one.request('send', { to: '#idle', text: 'still here' });
      await two.waitFor((e) => e.type === 'message' && e.msg.text === 'still here');
      // A clean close and an abrupt reset: both leave the listener, the core and the per-IP count.
      one.ws.close(1000, 'quit');
      (three.ws as unknown as { _socket: { destroy(): void } })._socket.destroy();
      await watcher.waitFor((e) => e.type === 'user_left' && e.name === 'one');
      await watcher.waitFor((e) => e.type === 'user_left' && e.name === 'three');
      await until(() => app.ws.size === 2, 'the listener forgot both');
      await until(() => app.ws.limits.openFrom(from) === 2, 'both sockets released their slots');
      two.ws.close();
      watcher.ws.close();
      await until(() => app.ws.size === 0 && app.ws.limits.openFrom(from) === 0, 'every connection is forgotten');
    } finally {
      await app.close();
    }
  });
});
