/**
 * The terminal client's moderation commands in a real terminal (tmux, like tty.test.ts): an
 * operator in `banter chat` sets modes, voices, bans, kicks and reads the audit log with
 * slash commands, and a web user on the other end is refused and notified as the server
 * rules say.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { ReplyError, startTestServer, TestClient } from '../helpers/server.ts';
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

const dir = mkdtempSync(join(tmpdir(), 'banter-tty-mod-'));
const socket = join(dir, 'tmux.sock');
const tmux = (...args: string[]): string => execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const target = 'mod';
const keys = (...k: string[]): void => void tmux('send-keys', '-t', target, ...k);
const type = (text: string): void => void tmux('send-keys', '-t', target, '-l', text);
const screen = (): string[] => tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', target).split('\n').map((l) => l.trimEnd());
const nonEmpty = (): string[] => screen().filter((l) => l !== '');
const lastLine = (): string => nonEmpty().at(-1) ?? '';
const command = (line: string): void => { type(line); keys('Enter'); };

async function until(what: string, pred: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${screen().join('\n')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const shows = (re: RegExp): (() => boolean) => () => screen().some((l) => re.test(l));

async function errCode(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(() => undefined, (e: unknown) => (e instanceof ReplyError ? e.code : String(e)));
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

it('/mode, /voice, /ban, /kick, /invite, /audit and /help in a terminal', { skip }, async () => {
  const cmd = `'${process.execPath}' '${CLI}' chat --name modder --server ${app.url}; echo "[exit $?]"; sleep 30`;
  tmux('new-session', '-d', '-s', target, '-x', '160', '-y', '50', 'sh', '-c', cmd);
  await until('the prompt', () => lastLine() === '#lobby>');
  command('/join #tui');
  await until('the room prompt', () => lastLine() === '#tui>');
  const web = await TestClient.login(app, 'webby');
  await web.request('join', { room: '#tui' });

  command('/help mode');
  await until('the mode help', shows(/^\d\d:\d\d:\d\d info \/mode \[#ROOM\] \[\+i\|-i \+k KEY/));

  command('/mode +mt');
  await until('the mode change', shows(/#tui \* modder set mode \+mt$/));
  assert.deepEqual((await web.waitFor((e) => e.type === 'room_mode')), { type: 'room_mode', room: '#tui', by: 'modder', changes: [{ mode: 'moderated', on: true }, { mode: 'topic_lock', on: true }] });
  assert.equal(await errCode(web.request('send', { to: '#tui', text: 'hello?' })), 'ROOM_MODERATED');

  command('/voice webby');
  await until('voice', shows(/#tui \* modder set mode \+v webby$/));
  await web.request('send', { to: '#tui', text: 'thanks' });
  await until('the voiced message', shows(/#tui <webby> thanks$/));

  command('/members');
  await until('role badges', shows(/members #tui 2: @modder, \+webby$/));

  command('/mode');
  await until('the settings', shows(/info #tui: moderated \(\+m\), no outside messages \(\+n\), topic lock \(\+t\)$/));

  command('/ban $a:nobody');
  await until('the ban', shows(/#tui \* modder set mode \+b \$a:nobody$/));
  command('/mode +l x');
  await until('a refusal', shows(/error MODE_INVALID: limit needs a whole number/));

  command('/kick webby enough');
  await web.waitFor((e) => e.type === 'room_kicked' && e.name === 'webby');
  command('/mode +i');
  await until('+i', shows(/set mode \+i$/));
  assert.equal(await errCode(web.request('join', { room: '#tui' })), 'ROOM_INVITE_ONLY');
  command('/invite webby');
  await until('the invitation', shows(/info invited webby to #tui$/));
  await web.request('join', { room: '#tui' });

  command('/audit #tui');
  await until('the audit log', shows(/info \S+ modder \(guest\): kick #tui webby \(enough\)$/));
  assert.ok(screen().some((l) => /info \S+ modder \(guest\): mode \+moderated #tui$/.test(l)));
  command('/kill webby');
  await until('NOT_ADMIN', shows(/error NOT_ADMIN: only a server administrator may do this$/));
  command('/quit');
  await until('the exit', shows(/^\[exit 0\]$/));
  web.close();
});
