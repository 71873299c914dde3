/**
 * TTY mode in a real terminal: the client runs inside a detached tmux session; keys are sent
 * with send-keys and the screen is read with capture-pane. Skipped when tmux is missing,
 * unless CI is set (then it fails: .ci/run installs tmux).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { CLI } from './helpers.ts';

function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const tmuxMissing = !hasTmux();
if (tmuxMissing && process.env.CI) throw new Error('tmux is required in CI (.ci/run installs it)');
const skip = tmuxMissing ? 'tmux is not installed (apt-get install tmux); skipping the TTY test' : false;

// A private tmux server (own socket in a temp dir): never touches the user's sessions.
const dir = mkdtempSync(join(tmpdir(), 'banter-tty-'));
const socket = join(dir, 'tmux.sock');
const tmux = (...args: string[]): string => execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
let target = 'chat';
const keys = (...k: string[]): void => void tmux('send-keys', '-t', target, ...k);
const type = (text: string): void => void tmux('send-keys', '-t', target, '-l', text);
const screen = (): string[] => tmux('capture-pane', '-p', '-t', target).split('\n').map((l) => l.trimEnd());
const nonEmpty = (): string[] => screen().filter((l) => l !== '');
const lastLine = (): string => nonEmpty().at(-1) ?? '';

async function until(what: string, pred: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${screen().join('\n')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let app: App;
// A cheap scrypt keeps the password test fast (production: 2^17).
before(async () => { if (!skip) app = await startTestServer({ 'auth.scryptLog2N': 10 }); });
after(async () => {
  if (!skip) {
    try { tmux('kill-server'); } catch { /* already gone */ }
    await app.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

it('keeps the input line intact, completes with Tab, recalls with Up, quits with /quit', { skip }, async () => {
  const cmd = `'${process.execPath}' '${CLI}' chat --name tina --server ${app.url}; echo "[exit $?]"; sleep 30`;
  tmux('new-session', '-d', '-s', 'chat', '-x', '100', '-y', '30', 'sh', '-c', cmd);
  await until('the prompt', () => lastLine() === '#lobby>');
  assert.ok(screen().some((l) => /^\d\d:\d\d:\d\d status connected as tina/.test(l)));
  const tom = await TestClient.login(app, 'tom');
  await until('tom joined', () => screen().some((l) => l.endsWith('* tom joined')));

  // Half a line typed, then a message arrives: it is printed above, the input stays.
  type('hel');
  await until('the typed text', () => lastLine() === '#lobby> hel');
  await tom.waitFor((e) => e.type === 'typing' && e.from === 'tina' && e.to === '#lobby');
  await tom.request('send', { to: '#lobby', text: 'incoming while typing' });
  await until('the incoming message', () => screen().some((l) => /^\d\d:\d\d:\d\d #lobby <tom> incoming while typing$/.test(l)));
  assert.equal(lastLine(), '#lobby> hel');
  type('lo');
  keys('Enter');
  await tom.waitFor((e) => e.type === 'message' && e.msg.from === 'tina' && e.msg.text === 'hello');
  await until('the echo', () => screen().some((l) => /^\d\d:\d\d:\d\d #lobby <tina> hello$/.test(l)));
  assert.ok(!screen().some((l) => l === '#lobby> hello'), 'the submitted line is replaced by the echo');

  // Tab completes commands and names.
  // Each key waits for the previous one to show: a Tab arriving in the same read as other
  // text counts as pasted, and readline inserts pasted tabs literally.
  type('/us');
  await until('typed /us', () => lastLine() === '#lobby> /us');
  keys('Tab');
  await until('completed /users', () => lastLine() === '#lobby> /users');
  keys('Enter');
  await until('the user list', () => screen().some((l) => /^\d\d:\d\d:\d\d users 2: tina, tom$/.test(l)));
  type('/msg to');
  await until('typed /msg to', () => lastLine() === '#lobby> /msg to');
  keys('Tab');
  await until('completed tom', () => lastLine() === '#lobby> /msg tom');
  type('psst');
  keys('Enter');
  await tom.waitFor((e) => e.type === 'message' && e.msg.to === 'tom' && e.msg.text === 'psst');

  // Up recalls earlier input.
  keys('Up');
  await until('history', () => lastLine() === '#lobby> /msg tom psst');
  keys('C-u');
  await until('cleared', () => lastLine() === '#lobby>');

  type('/quit');
  keys('Enter');
  await until('exit', () => screen().includes('[exit 0]'));
  await tom.waitFor((e) => e.type === 'user_left' && e.name === 'tina');
  tom.close();
});

it('keeps a wrapped input line intact in a narrow terminal, also when it ends at the margin', { skip }, async () => {
  target = 'narrow';
  const cmd = `'${process.execPath}' '${CLI}' chat --name wanda --server ${app.url}`;
  tmux('new-session', '-d', '-s', target, '-x', '40', '-y', '20', 'sh', '-c', cmd);
  await until('the prompt', () => lastLine() === '#lobby>');
  const wes = await TestClient.login(app, 'wes');
  const promptRows = (): number => nonEmpty().filter((l) => l.startsWith('#lobby>')).length;

  // Typed past the margin, then Home: the line is redrawn in place, not a row lower.
  type('abcdefghijklmnopqrstuvwxyz0123456789');
  await until('wrapped text', () => lastLine() === '6789');
  keys('Home');
  type('<');
  await until('inserted at the start', () => nonEmpty().slice(-2).join('|') === '#lobby> <abcdefghijklmnopqrstuvwxyz01234|56789');
  assert.equal(promptRows(), 1, 'no stale copy of the prompt');
  await wes.request('send', { to: '#lobby', text: 'one' });
  await until('message one', () => /<wes> one$/.test(nonEmpty().at(-3) ?? ''));
  assert.deepEqual(nonEmpty().slice(-2), ['#lobby> <abcdefghijklmnopqrstuvwxyz01234', '56789'], 'the input is redrawn whole below the message');
  keys('Enter');
  await wes.waitFor((e) => e.type === 'message' && e.msg.text === '<abcdefghijklmnopqrstuvwxyz0123456789');
  await until('the echo', () => lastLine() === '#lobby>' && nonEmpty().some((l) => /<wanda> <abcdef/.test(l)));
  assert.equal(promptRows(), 1, 'the submitted line was erased');

  // "#lobby> " is 8 columns: 32 characters end exactly at the right margin.
  type('abcdefghijklmnopqrstuvwxyz012345');
  await until('the typed text', () => lastLine() === '#lobby> abcdefghijklmnopqrstuvwxyz012345');
  await wes.request('send', { to: '#lobby', text: 'two' });
  await until('message two', () => /<wes> two$/.test(nonEmpty().at(-2) ?? ''));
  assert.equal(lastLine(), '#lobby> abcdefghijklmnopqrstuvwxyz012345');
  assert.equal(promptRows(), 1);
  assert.ok(nonEmpty().some((l) => /<wes> one$/.test(l)), 'earlier lines were not erased');
  assert.ok(nonEmpty().some((l) => /<wanda> <abcdef/.test(l)), 'earlier lines were not erased');
  keys('C-u');
  await until('cleared', () => lastLine() === '#lobby>');
  keys('C-d');
  await wes.waitFor((e) => e.type === 'user_left' && e.name === 'wanda');
  wes.close();
});

it('asks for the password of a registered name without echo, and keeps it out of the history', { skip }, async () => {
  target = 'secret';
  const owner = await TestClient.login(app, 'pia');
  await owner.request('register', { password: 'first password' });
  owner.close();
  await owner.waitClosed();
  const config = join(dir, 'config');
  const cmd = `XDG_CONFIG_HOME='${config}' BANTER_PASSWORD= '${process.execPath}' '${CLI}' chat --name pia --server ${app.url}; echo "[exit $?]"; sleep 30`;
  tmux('new-session', '-d', '-s', target, '-x', '100', '-y', '30', 'sh', '-c', cmd);
  await until('the password question', () => lastLine() === 'Password:');
  assert.ok(screen().some((l) => l.startsWith('"pia" is a registered name: type its password')));
  type('wrong guess!');
  keys('Enter');
  await until('wrong password', () => screen().some((l) => l === 'wrong password for "pia"') && lastLine() === 'Password:');
  type('first password');
  await until('typing done', () => lastLine() === 'Password:');
  keys('Enter');
  await until('the prompt', () => lastLine() === '#lobby>');
  assert.ok(screen().some((l) => /status connected as pia \(registered\)/.test(l)));

  // Changing it: three questions, nothing echoed.
  type('/password');
  keys('Enter');
  await until('current', () => lastLine() === 'Current password:');
  type('first password');
  keys('Enter');
  await until('new', () => lastLine() === 'New password:');
  type('second password');
  keys('Enter');
  await until('again', () => lastLine() === 'Again, to be sure:');
  type('second password');
  keys('Enter');
  await until('changed', () => screen().some((l) => / info password changed; /.test(l)) && lastLine() === '#lobby>');
  const all = screen().join('\n');
  for (const secret of ['wrong guess!', 'first password', 'second password']) assert.ok(!all.includes(secret), `"${secret}" is not on screen`);
  keys('Up');
  await until('history', () => lastLine() === '#lobby> /password');
  keys('C-u');
  type('/quit');
  keys('Enter');
  await until('exit', () => screen().includes('[exit 0]'));
});
