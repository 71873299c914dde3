/**
 * The terminal client end to end: real `banter chat` processes in pipe mode against a real
 * server on port 0. Two interactive clients (alice, bob) and a scripted third one (carol,
 * whose whole input is given up front and which quits at end of input).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { ChatProcess, killAll } from './helpers.ts';

const LINE = /^\d\d:\d\d:\d\d /;

let app: App;
let server: string;
before(async () => {
  app = await startTestServer();
  server = app.url;
});
after(async () => {
  killAll();
  await app.close();
});

function chat(name: string, extra: string[] = []): Promise<ChatProcess> {
  return ChatProcess.start(server, name, extra);
}

describe('banter chat (pipe mode)', () => {
  it('broadcasts, keeps calc and DMs private, lists users, announces joins and leaves', async () => {
    const alice = await chat('alice');
    const bob = await chat('bob');
    await alice.waitLine(/ \* bob joined$/);

    // A scripted third client: its whole input is known in advance; it quits at EOF.
    const carol = new ChatProcess(['--server', server, '--name', 'carol']);
    carol.child.stdin.end('hello from carol\n/users\n/calc 2^10+1\n');
    assert.equal(await carol.waitExit(30_000, false), 0, carol.stderr);
    assert.match(carol.lines[0]!, / status connected as carol; 3 in #lobby/);
    assert.match(await carol.waitLine(/ users /), /^\d\d:\d\d:\d\d users 3: alice, bob, carol$/);
    assert.match(await carol.waitLine(/ calc /), /^\d\d:\d\d:\d\d calc 2\^10\+1 = 1025$/);
    for (const p of [alice, bob]) {
      await p.waitLine(/ \* carol joined$/);
      assert.match(await p.waitLine(/carol> hello/), /^\d\d:\d\d:\d\d #lobby <carol> hello from carol$/);
      await p.waitLine(/ \* carol left \(quit\)$/);
    }

    // Broadcast from an interactive client reaches the other one and echoes to the sender.
    alice.send('hi everyone');
    for (const p of [alice, bob]) await p.waitLine(/^\d\d:\d\d:\d\d #lobby <alice> hi everyone$/);

    // calc: only the requester sees the result.
    bob.send('/calc 6*7');
    await bob.waitLine(/ calc 6\*7 = 42$/);
    // DM: only the target (and the sender's echo) sees it, named after the other party.
    alice.send('/msg bob psst, bob');
    assert.match(await bob.waitLine(/psst/), /^\d\d:\d\d:\d\d @alice <alice> psst, bob$/);
    assert.match(await alice.waitLine(/psst/), /^\d\d:\d\d:\d\d @bob <alice> psst, bob$/);
    bob.send('/r got it');
    assert.match(await alice.waitLine(/got it/), /^\d\d:\d\d:\d\d @bob <bob> got it$/);
    await alice.sync();
    assert.deepEqual(alice.matching(/6\*7|= 42/), [], 'calc result must not reach alice');
    assert.deepEqual(carol.matching(/psst|6\*7/), [], 'carol saw nothing private');
    for (const l of [...alice.lines, ...bob.lines, ...carol.lines]) assert.match(l, LINE, 'every line starts with the time');

    // /users with presence.
    bob.send('/away lunch');
    await alice.waitLine(/ \* bob is away: lunch$/);
    alice.send('/users');
    assert.match(await alice.waitLine(/ users /), / users 2: alice, bob \(away: lunch\)$/);
    bob.send('/back');
    await alice.waitLine(/ \* bob is back$/);
  });

  it('joins rooms, sends to the current conversation, and parts', async () => {
    const dana = await chat('dana');
    const erin = await chat('erin');
    const watcher = await TestClient.login(app, 'watcher');
    dana.send('/join dev');
    await dana.waitLine(/ info now talking in #dev — 1 here: dana$/);
    erin.send('/join #dev');
    await dana.waitLine(/ #dev \* erin joined$/);
    dana.send('only for dev');
    await erin.waitLine(/ #dev <dana> only for dev$/);
    erin.send('/switch dana');
    await erin.waitLine(/ info now talking to dana$/);
    erin.send('just you');
    await dana.waitLine(/ @erin <erin> just you$/);
    erin.send('/switch #lobby');
    erin.send('back in the lobby');
    await dana.waitLine(/ #lobby <erin> back in the lobby$/);
    dana.send('/part');
    await erin.waitLine(/ #dev \* dana left$/);
    await dana.waitLine(/ info now talking in #lobby$/);
    await watcher.sync();
    assert.equal(watcher.of('message').filter((e) => e.msg.text === 'only for dev' || e.msg.text === 'just you').length, 0);
    watcher.close();
  });

  it('prints errors clearly: unknown user, bad expression, unknown command, usage', async () => {
    const fred = await chat('fred');
    fred.send('/msg nobody hello?');
    assert.match(await fred.waitLine(/ error /), / error NO_SUCH_USER: no user named "nobody" is online$/);
    fred.send('/calc 2+');
    await fred.waitLine(/ error CALC_SYNTAX: /);
    fred.send('/frobnicate');
    await fred.waitLine(/ error UNKNOWN_COMMAND: unknown command \/frobnicate/);
    fred.send('/msg');
    await fred.waitLine(/ error USAGE: usage: \/msg NAME TEXT$/);
    fred.send('/part');
    await fred.waitLine(/ error CANNOT_LEAVE_LOBBY: /);
    // Over-long input is refused before it is sent: it must not poison the outbox or get
    // the connection closed for exceeding the server's frame limit.
    fred.send('x'.repeat(5000));
    await fred.waitLine(/ error TEXT_TOO_LONG: .*\(5000 > 4000\)$/);
    fred.send(`/topic ${'y'.repeat(70_000)}`);
    await fred.waitLine(/ error TOO_BIG: .*65536 bytes$/);
    fred.send('still connected');
    await fred.waitLine(/ #lobby <fred> still connected$/);
    assert.deepEqual(fred.matching(/ status disconnected/), []);
  });

  it('exits with code 2 when the name is taken (and 2 for an invalid name)', async () => {
    await chat('gina');
    const dup = new ChatProcess(['--server', server, '--name', 'GINA']);
    assert.equal(await dup.waitExit(), 2);
    assert.match(dup.stderr, /the name "GINA" is taken \(NAME_TAKEN\)/);
    const bad = new ChatProcess(['--server', server, '--name', '9lives']);
    assert.equal(await bad.waitExit(), 2);
    assert.match(bad.stderr, /invalid name "9lives"/);
  });

  it('sends everything written before end of input, then exits 0', async () => {
    const watcher = await TestClient.login(app, 'eofwatch');
    const p = new ChatProcess(['--server', server, '--name', 'hank']);
    p.child.stdin.end(`${Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n')}\n`);
    assert.equal(await p.waitExit(), 0, p.stderr);
    for (let i = 0; i < 20; i++) await watcher.waitFor((e) => e.type === 'message' && e.msg.from === 'hank' && e.msg.text === `line ${i}`);
    const texts = watcher.of('message').filter((e) => e.msg.from === 'hank').map((e) => e.msg.text);
    assert.deepEqual(texts, Array.from({ length: 20 }, (_, i) => `line ${i}`), 'in order, each once');
    watcher.close();
  });

  it('--json prints one JSON object per line', async () => {
    const p = await (async () => {
      const c = new ChatProcess(['--server', server, '--name', 'ivy', '--json']);
      await c.waitLine(/"status":"connected"/);
      return c;
    })();
    p.send('json hello');
    p.send('/calc 1+1');
    p.send('/msg nobody x');
    await p.waitLine(/"type":"error"/);
    assert.equal(await p.waitExit(), 0);
    const objs = p.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const msg = objs.find((o) => o.type === 'message') as { msg: { from: string; to: string; text: string; ts: number } };
    assert.deepEqual({ from: msg.msg.from, to: msg.msg.to, text: msg.msg.text }, { from: 'ivy', to: '#lobby', text: 'json hello' });
    assert.ok(objs.some((o) => o.type === 'calc' && o.expr === '1+1' && o.result === '2'));
    assert.ok(objs.some((o) => o.type === 'error' && o.code === 'NO_SUCH_USER'));
  });
});

describe('banter chat command line', () => {
  it('--help documents usage and exit codes', async () => {
    const p = new ChatProcess(['--help']);
    assert.equal(await p.waitExit(), 0);
    const text = p.lines.join('\n');
    assert.match(text, /Usage: banter chat/);
    assert.match(text, /Exit codes: 0 quit, 1 usage error, 2 name taken or invalid/);
  });

  it('exits 1 on usage errors', async () => {
    const unknown = new ChatProcess(['--bogus']);
    assert.equal(await unknown.waitExit(), 1);
    assert.match(unknown.stderr, /Unknown option '--bogus'/);
    const noName = new ChatProcess(['--server', 'http://127.0.0.1:1']);
    assert.equal(await noName.waitExit(), 1);
    assert.match(noName.stderr, /--name is required/);
    const badUrl = new ChatProcess(['--server', 'ftp://x', '--name', 'a']);
    assert.equal(await badUrl.waitExit(), 1);
  });

  it('exits 3 when the server cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as { port: number };
        s.close(() => resolve(p));
      });
    });
    const p = new ChatProcess(['--server', `http://127.0.0.1:${port}`, '--name', 'lonely']);
    assert.equal(await p.waitExit(), 3);
    assert.match(p.stderr, /cannot reach the server at http:\/\/127\.0\.0\.1:\d+/);
  });
});
