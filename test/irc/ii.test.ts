/**
 * A real IRC client from Debian, ii (suckless "irc it"), joins a channel and talks to a
 * WebSocket user, both ways, and asks the Calc service. ii has a file interface: commands
 * go into FIFOs named `in`, everything received is appended to files named `out`.
 * Skipped with a message when ii is missing locally; a failure in CI (CI is set).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';

const haveIi = spawnSync('sh', ['-c', 'command -v ii'], { encoding: 'utf8' }).status === 0;
if (!haveIi && process.env.CI) throw new Error('ii is required in CI (apt-get install ii; .ci/run installs it)');
const skip = haveIi ? false : 'ii is not installed (apt-get install ii); skipping the real-client test';

let app: App;
let dir: string;
let ii: ChildProcess | undefined;
before(async () => {
  app = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'banter-ii-'));
});
after(async () => {
  ii?.kill();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Polls until `f` returns a value, with a deadline (ii writes files asynchronously). */
async function until<T>(what: string, f: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');

/** Every `out` file under the server directory, concatenated. */
function allOut(root: string): string {
  if (!existsSync(root)) return '';
  let s = read(join(root, 'out'));
  for (const d of readdirSync(root, { withFileTypes: true })) if (d.isDirectory()) s += read(join(root, d.name, 'out'));
  return s;
}

it('ii joins a channel, talks with a WebSocket user, asks Calc, changes nick, parts and quits', { skip }, async () => {
  ii = spawn('ii', ['-s', '127.0.0.1', '-p', String(app.ircPort), '-n', 'iiuser', '-i', dir, '-f', 'ii user'], { stdio: 'ignore' });
  const srv = join(dir, '127.0.0.1');
  await until('ii registration', () => (read(join(srv, 'out')).includes('End of /NAMES list') ? true : undefined));

  const web = await TestClient.login(app, 'WebFriend');
  await web.request('join', { room: '#iitest' });
  writeFileSync(join(srv, 'in'), '/j #iitest\n');
  await web.waitFor((e) => e.type === 'room_joined' && e.room === '#iitest' && e.name === 'iiuser');

  const chan = join(srv, '#iitest');
  await until('the channel FIFO', () => (existsSync(join(chan, 'in')) ? true : undefined));
  writeFileSync(join(chan, 'in'), 'hello from ii\n');
  const got = await web.waitFor((e) => e.type === 'message' && e.msg.from === 'iiuser');
  assert.deepEqual((got as { msg: { to: string; text: string } }).msg.to, '#iitest');
  assert.equal((got as { msg: { text: string } }).msg.text, 'hello from ii');

  await web.request('send', { to: '#iitest', text: 'hello ii, from the web' });
  await until('the web message in ii', () => (read(join(chan, 'out')).includes('<WebFriend> hello ii, from the web') ? true : undefined));

  await web.request('send', { to: 'iiuser', text: 'just between us' });
  await until('the private message in ii', () => (allOut(srv).includes('<WebFriend> just between us') ? true : undefined));

  writeFileSync(join(srv, 'in'), '/j Calc 2^100\n');
  await until('the Calc answer in ii', () => (allOut(srv).includes('2^100 = 1267650600228229401496703205376') ? true : undefined));
  await web.sync();
  assert.equal(web.of('message').filter((e) => e.msg.text.includes('2^100')).length, 0, 'the web user does not see the calculation');

  writeFileSync(join(srv, 'in'), '/n iinew\n');
  await web.waitFor((e) => e.type === 'user_renamed' && e.old === 'iiuser' && e.name === 'iinew');
  await until('the nick change in ii', () => (allOut(srv).includes('iinew') ? true : undefined));

  writeFileSync(join(chan, 'in'), '/l\n');
  await web.waitFor((e) => e.type === 'room_left' && e.room === '#iitest' && e.name === 'iinew');

  writeFileSync(join(srv, 'in'), '/q\n');
  const left = await web.waitFor((e) => e.type === 'user_left' && e.name === 'iinew');
  assert.ok(left);
  web.close();
});
