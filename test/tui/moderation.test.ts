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
before(async () => { if (!skip) app = await startTestServer({ admins: 'boss', 'auth.scryptLog2N': 10 }); });
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

it('/mute, /unmute, /op, /deop, /devoice, /unban, /topic, /mode +R and the admins\' /serverban and /wallops in a terminal', { skip }, async () => {
  const reg = await TestClient.login(app, 'boss');
  await reg.request('register', { password: 'boss password 1' });
  reg.close();
  await reg.waitClosed().catch(() => undefined);
  const session = 'mod2';
  const at = (...k: string[]): void => void tmux('send-keys', '-t', session, ...k);
  const typed = (line: string): void => { tmux('send-keys', '-t', session, '-l', line); at('Enter'); };
  const screen2 = (): string[] => tmux('capture-pane', '-p', '-J', '-S', '-300', '-t', session).split('\n').map((l) => l.trimEnd());
  const seen = (re: RegExp): (() => boolean) => () => screen2().some((l) => re.test(l));
  const until = async (what: string, pred: () => boolean): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${screen2().join('\n')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const cmd = `XDG_CONFIG_HOME='${dir}' BANTER_PASSWORD='boss password 1' '${process.execPath}' '${CLI}' chat --name boss --server ${app.url}; echo "[exit $?]"; sleep 30`;
  tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '60', 'sh', '-c', cmd);
  await until('the prompt', seen(/^#lobby>/));
  typed('/join #tui2');
  await until('the room prompt', seen(/^#tui2>/));
  const web = await TestClient.login(app, 'webby2');
  await web.request('join', { room: '#tui2' });
  await until('webby2 joined', seen(/#tui2 \* webby2 joined$/));

  typed('/mute webby2');
  await until('the mute', seen(/#tui2 \* boss set mode \+q webby2!\*@\*$/));
  assert.equal(await errCode(web.request('send', { to: '#tui2', text: 'hello?' })), 'MUTED');
  assert.equal(await errCode(web.request('typing', { to: '#tui2' })), 'MUTED');
  typed('/unmute webby2!*@*');
  await until('the unmute', seen(/#tui2 \* boss set mode -q webby2!\*@\*$/));
  await web.request('send', { to: '#tui2', text: 'free again' });
  await until('the message', seen(/#tui2 <webby2> free again$/));

  typed('/op webby2');
  await until('op', seen(/#tui2 \* boss made webby2 an operator$/));
  typed('/deop webby2');
  await until('deop', seen(/#tui2 \* boss removed webby2 as operator$/));
  typed('/voice webby2');
  await until('voice', seen(/#tui2 \* boss set mode \+v webby2$/));
  typed('/devoice webby2');
  await until('devoice', seen(/#tui2 \* boss set mode -v webby2$/));
  typed('/ban spam*');
  await until('the ban', seen(/#tui2 \* boss set mode \+b spam\*!\*@\*$/));
  typed('/unban spam*!*@*');
  await until('the unban', seen(/#tui2 \* boss set mode -b spam\*!\*@\*$/));
  typed('/topic rules apply');
  await web.waitFor((e) => e.type === 'room_topic' && e.topic === 'rules apply' && e.by === 'boss');
  typed('/mode +R');
  await until('+R', seen(/#tui2 \* boss set mode \+R$/));
  const guest = await TestClient.login(app, 'guesty2');
  assert.equal(await errCode(guest.request('join', { room: '#tui2' })), 'ROOM_REGISTERED_ONLY');
  typed('/mode');
  await until('the settings', seen(/info #tui2: no outside messages \(\+n\), registered users only \(\+R\)$/));

  typed('/wallops maintenance at noon');
  await guest.waitFor((e) => e.type === 'notice' && e.text === 'Server notice from boss: maintenance at noon');
  typed('/serverban $a:nobody flooding');
  await until('the server ban', seen(/\$a:nobody/));
  typed('/audit');
  await until('the whole audit log', seen(/boss \(account boss\): server_ban \$a:nobody/));
  typed('/quit');
  await until('the exit', seen(/^\[exit 0\]$/));
  web.close(); guest.close();
});
