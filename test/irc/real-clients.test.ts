/**
 * Scripted sessions with real IRC clients from Debian, each against a WebSocket user:
 * join a channel, talk both ways, `/msg Calc 2+2`, change nick, part, quit; both sides are
 * checked at each step. irssi runs in a private tmux server (send-keys to type,
 * capture-pane to read the screen); weechat-headless is driven through its FIFO and read
 * through its logger files. (ii has its own file, ii.test.ts.) Skipped with a message when
 * a program is missing locally; a failure in CI, where .ci/run installs them.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import type { ServerEvent } from '../../src/protocol/index.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { toolSkip } from '../helpers/services.ts';

let app: App;
let dir: string;
before(async () => {
  app = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'banter-clients-'));
});
after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Polls `f` until it returns a value (the clients write screens and files on their own time). */
async function until<T>(what: string, f: () => T | undefined, timeoutMs = 30_000, detail: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');

const isMessage = (from: string, to: string, text: string) => (e: ServerEvent): boolean =>
  e.type === 'message' && e.msg.from === from && e.msg.to === to && e.msg.text === text;

/** What a real client must be able to do, step by step; `ui` reads and drives its side. */
interface ClientUi {
  /** Sends one line as typed into the client (a command or text for the current window). */
  type(line: string, window?: string): void;
  /** Whether the client shows `text` (on its screen or in its logs). */
  shows(text: string | RegExp): boolean;
  /** For error messages. */
  dump(): string;
}

/** The script run for each client: every step is checked on the web side and the client side. */
async function session(ui: ClientUi, nick: string, newNick: string, room: string, web: TestClient, webName: string): Promise<void> {
  const see = (what: string, text: string | RegExp): Promise<unknown> => until(`${nick}: ${what}`, () => ui.shows(text), 30_000, () => ui.dump());
  /** A web-side wait that says what the client showed when it times out. */
  const webSees = async (what: string, pred: (e: ServerEvent) => boolean): Promise<ServerEvent> => {
    try {
      return await web.waitFor(pred, 30_000);
    } catch (err) {
      throw new Error(`${nick}: the web user did not see ${what}: ${(err as Error).message}\n${ui.dump()}`, { cause: err });
    }
  };

  // Connected as the client sees it: Banter joins IRC users to #lobby right after the welcome.
  await see('its welcome (the join to #lobby)', /has joined #lobby/);
  ui.type(`/join ${room}`);
  await webSees('the join', (e) => e.type === 'room_joined' && e.room === room && e.name === nick);
  await see('its own join', new RegExp(`${nick}.*${room}|${room}.*${nick}`));

  ui.type(`hello from ${nick}`, room);
  await webSees('the message', isMessage(nick, room, `hello from ${nick}`));

  await web.request('send', { to: room, text: `hi ${nick}, from the web` });
  await see('the web user\'s message', new RegExp(`${webName}.*hi ${nick}, from the web`));

  await web.request('send', { to: nick, text: `a word in private, ${nick}` });
  await see('the web user\'s private message', `a word in private, ${nick}`);

  ui.type('/msg Calc 2+2');
  await see('the calculator\'s answer', '2+2 = 4');
  await web.sync();
  assert.equal(web.of('message').filter((e) => e.msg.text.includes('2+2')).length, 0, 'the calculation is private');

  ui.type(`/nick ${newNick}`);
  await webSees('the nick change', (e) => e.type === 'user_renamed' && e.old === nick && e.name === newNick);
  await see('the nick change', newNick);

  ui.type(`/part ${room}`);
  await webSees('the part', (e) => e.type === 'room_left' && e.room === room && e.name === newNick);

  ui.type('/quit bye now');
  const left = await webSees('the quit', (e) => e.type === 'user_left' && e.name === newNick);
  assert.equal((left as { reason: string }).reason, 'Quit: bye now');
}

describe('irssi', () => {
  const skip = toolSkip({ irssi: 'irssi', tmux: 'tmux' });
  it('joins, talks with a web user, asks Calc, changes nick, parts and quits', { skip: skip ?? false }, async () => {
    const home = join(dir, 'irssi');
    const logs = join(home, 'logs');
    const socket = join(dir, 'tmux.sock');
    const tmux = (...args: string[]): string => execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    execFileSync('mkdir', ['-p', home]);
    // Logs as well as the screen: a query opens in a window of its own.
    writeFileSync(join(home, 'config'), `settings = {
  core = { real_name = "Irssi User"; user_name = "irssiu"; nick = "irssiuser"; };
  "fe-common/core" = { autolog = "yes"; autolog_path = "${logs}/$0.log"; };
};
`);
    const web = await TestClient.login(app, 'IrssiFriend');
    await web.request('join', { room: '#irssi' });
    tmux('new-session', '-d', '-s', 'irssi', '-x', '200', '-y', '50', `irssi --home=${home} -c 127.0.0.1 -p ${app.ircPort} -n irssiuser`);
    const screen = (): string => tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', 'irssi');
    const logText = (): string => (existsSync(logs) ? readdirSync(logs).map((f) => read(join(logs, f))).join('\n') : '');
    const ui: ClientUi = {
      type(line) {
        tmux('send-keys', '-t', 'irssi', '-l', line);
        tmux('send-keys', '-t', 'irssi', 'Enter');
      },
      shows(text) {
        const all = `${screen()}\n${logText()}`;
        return typeof text === 'string' ? all.includes(text) : text.test(all);
      },
      dump: () => `screen:\n${screen()}\nlogs:\n${logText()}`,
    };
    try {
      await web.waitFor((e) => e.type === 'user_joined' && e.user.name === 'irssiuser', 30_000);
      await session(ui, 'irssiuser', 'irssinew', '#irssi', web, 'IrssiFriend');
      // irssi's own words for what happened.
      assert.match(logText(), /You're now known as irssinew/);
      assert.match(logText(), /-Calc\(calc@services\)- 2\+2 = 4/);
    } finally {
      try { tmux('kill-server'); } catch { /* already gone */ }
      web.close();
    }
  });
});

describe('weechat', () => {
  const skip = toolSkip({ 'weechat-headless': 'weechat-headless' });
  it('joins, talks with a web user, asks Calc, changes nick, parts and quits', { skip: skip ?? false }, async () => {
    const home = join(dir, 'weechat');
    const web = await TestClient.login(app, 'WeeFriend');
    await web.request('join', { room: '#weechat' });
    let wee: ChildProcess | undefined = spawn('weechat-headless', ['--dir', home, '-r', [
      '/set logger.file.flush_delay 0',
      `/server add banter 127.0.0.1/${app.ircPort}`,
      '/set irc.server.banter.nicks weeuser',
      '/set irc.server.banter.username weeuser',
      '/set irc.server.banter.realname Wee User',
      '/connect banter',
    ].join(';')], { stdio: 'ignore' });
    const logs = join(home, 'logs');
    const logText = (): string => (existsSync(logs) ? readdirSync(logs).map((f) => read(join(logs, f))).join('\n') : '');
    const fifo = (): string | undefined => (existsSync(home) ? readdirSync(home).find((f) => f.startsWith('weechat_fifo_')) : undefined);
    try {
      await web.waitFor((e) => e.type === 'user_joined' && e.user.name === 'weeuser', 30_000);
      const path = join(home, await until('the weechat FIFO', fifo));
      const ui: ClientUi = {
        // FIFO lines: `<buffer> *<text or /command>`.
        type(line, window) {
          writeFileSync(path, `${window ? `irc.banter.${window}` : 'irc.server.banter'} *${line}\n`);
        },
        shows(text) {
          const all = logText();
          return typeof text === 'string' ? all.includes(text) : text.test(all);
        },
        dump: () => `logs:\n${logText()}`,
      };
      await session(ui, 'weeuser', 'weenew', '#weechat', web, 'WeeFriend');
      assert.match(logText(), /client capability, enabled: .*invite-notify/, 'weechat uses the new caps');
      assert.match(logText(), /You are now known as weenew/);
      await new Promise<void>((resolve) => { wee!.once('exit', () => resolve()); if (wee!.exitCode !== null) resolve(); });
      wee = undefined;
    } finally {
      wee?.kill('SIGKILL');
      web.close();
    }
  });
});
