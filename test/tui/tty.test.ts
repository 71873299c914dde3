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
const keys = (...k: string[]): void => void tmux('send-keys', '-t', 'chat', ...k);
const type = (text: string): void => void tmux('send-keys', '-t', 'chat', '-l', text);
const screen = (): string[] => tmux('capture-pane', '-p', '-t', 'chat').split('\n').map((l) => l.trimEnd());
const lastLine = (): string => screen().filter((l) => l !== '').at(-1) ?? '';

async function until(what: string, pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${screen().join('\n')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let app: App;
before(async () => { if (!skip) app = await startTestServer(); });
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
  type('/ca');
  await until('typed /ca', () => lastLine() === '#lobby> /ca');
  keys('Tab');
  await until('completed /calc', () => lastLine() === '#lobby> /calc');
  type('3*3');
  keys('Enter');
  await until('the calc result', () => screen().some((l) => /^\d\d:\d\d:\d\d calc 3\*3 = 9$/.test(l)));
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
