/**
 * Accounts in the terminal client: /register saves a session token (a temporary
 * XDG_CONFIG_HOME) so the next start signs in without a password; /logout forgets it; a
 * registered name without a password, or with a wrong one, exits 5 in pipe mode; offline
 * direct messages arrive at the next login with an unread count.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { startTestServer, TestClient, wsUrl, type ReplyError } from '../helpers/server.ts';
import { ChatProcess, killAll } from './helpers.ts';

let app: App;
const dir = mkdtempSync(join(tmpdir(), 'banter-tui-accounts-'));
/** A private config dir, so the tests never read or write the user's own tokens. */
const env = { XDG_CONFIG_HOME: join(dir, 'config'), HOME: dir, BANTER_PASSWORD: '' };
const tokenFile = join(dir, 'config', 'banter', 'tokens.json');

before(async () => {
  // A cheap scrypt keeps registration fast in tests (production: 2^17).
  app = await startTestServer({ 'auth.scryptLog2N': 10 });
});
after(async () => {
  killAll();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

function chat(name: string, extra: string[] = [], more: NodeJS.ProcessEnv = {}): Promise<ChatProcess> {
  return ChatProcess.start(app.url, name, extra, { ...env, ...more });
}

describe('banter chat accounts', () => {
  it('registers, signs in with the saved token next time, and /logout forgets it', async () => {
    const first = await chat('reggie');
    first.send('/register hunter2hunter2');
    await first.waitLine(new RegExp(` info registered reggie; this computer stays signed in \\(token saved in ${tokenFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`));
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600, 'the token file is private');
    const saved = JSON.parse(readFileSync(tokenFile, 'utf8')) as Record<string, { token: string }>;
    assert.deepEqual(Object.keys(saved), [`${app.url} reggie`]);
    assert.ok(!first.lines.some((l) => l.includes(saved[`${app.url} reggie`]!.token)), 'the token is never printed');
    first.send('/quit');
    assert.equal(await first.waitExit(), 0);

    // No password given: the saved token signs in.
    const second = await chat('reggie');
    assert.match(second.lines[0]!, / status connected as reggie \(registered\);/);
    // Someone else (no saved token) cannot take the name.
    const guest = new ChatProcess(['--server', app.url, '--name', 'Reggie'], { ...env, XDG_CONFIG_HOME: join(dir, 'other') });
    assert.equal(await guest.waitExit(), 5);
    second.send('/logout');
    await second.waitLine(/ info signed out: 1 session token revoked and removed from .*tokens\.json; the next start needs the password$/);
    second.send('/quit');
    assert.equal(await second.waitExit(), 0);
    assert.deepEqual(JSON.parse(readFileSync(tokenFile, 'utf8')), {});

    // Now a password is needed: pipe mode says how to give it and exits 5.
    const third = new ChatProcess(['--server', app.url, '--name', 'reggie'], env);
    assert.equal(await third.waitExit(), 5);
    assert.match(third.stderr, /"reggie" is a registered name: give its password with --password-file FILE or the BANTER_PASSWORD environment variable \(AUTH_REQUIRED\)/);
  });

  it('exits 5 on a wrong password; signs in with --password-file or BANTER_PASSWORD', async () => {
    const owner = await TestClient.login(app, 'pat');
    await owner.request('register', { password: 'correct horse battery' });
    owner.close();
    await owner.waitClosed();
    const wrongFile = join(dir, 'wrong.txt');
    writeFileSync(wrongFile, 'not the password\n', { mode: 0o600 });
    const wrong = new ChatProcess(['--server', app.url, '--name', 'pat', '--password-file', wrongFile], env);
    assert.equal(await wrong.waitExit(), 5);
    assert.match(wrong.stderr, /wrong password for "pat" \(AUTH_FAILED\)/);
    const wrongEnv = new ChatProcess(['--server', app.url, '--name', 'pat'], { ...env, BANTER_PASSWORD: 'also wrong!' });
    assert.equal(await wrongEnv.waitExit(), 5);

    const missing = new ChatProcess(['--server', app.url, '--name', 'pat', '--password-file', join(dir, 'nope.txt')], env);
    assert.equal(await missing.waitExit(), 1);
    assert.match(missing.stderr, /cannot read --password-file/);

    const goodFile = join(dir, 'good.txt');
    writeFileSync(goodFile, 'correct horse battery\n', { mode: 0o600 });
    const good = await chat('pat', ['--password-file', goodFile]);
    assert.match(good.lines[0]!, / status connected as pat \(registered\)/);
    assert.match(good.stderr, /signed in as pat; the session is saved in /);
    good.send('/quit');
    assert.equal(await good.waitExit(), 0);
    // The saved token now suffices; an environment password is then not even needed.
    const again = await chat('pat');
    assert.match(again.lines[0]!, / status connected as pat \(registered\)/);
    again.kill();
  });

  it('says how long to wait after too many wrong passwords, and exits 5', async () => {
    const owner = await TestClient.login(app, 'tess');
    await owner.request('register', { password: 'right password' });
    owner.close();
    await owner.waitClosed();
    // Wrong passwords until the name is locked for a while (1 s × 2^(failures − 5)): eight
    // failures lock it for 8 s, long enough for a client process to start and be refused.
    const probe = await TestClient.open(wsUrl(app));
    let failures = 0;
    const deadline = Date.now() + 30_000;
    while (failures < 8) {
      assert.ok(Date.now() < deadline, 'could not get the name locked');
      try {
        await probe.request('login', { name: 'tess', password: 'wrong password' });
      } catch (err) {
        const code = (err as ReplyError).code;
        if (code === 'AUTH_FAILED') failures++;
        else if (code === 'AUTH_THROTTLED') await new Promise((r) => setTimeout(r, 200));
        else throw err;
      }
    }
    probe.close();
    const locked = new ChatProcess(['--server', app.url, '--name', 'tess'], { ...env, BANTER_PASSWORD: 'right password' });
    assert.equal(await locked.waitExit(), 5);
    assert.match(locked.stderr, /too many wrong passwords for "tess"; try again in \d+ s \(AUTH_THROTTLED\)/);
  });

  it('delivers direct messages sent while offline at the next login, with the unread count', async () => {
    const quinn = await chat('quinn');
    quinn.send('/register quinnpassword');
    await quinn.waitLine(/ info registered quinn;/);
    quinn.send('/quit');
    assert.equal(await quinn.waitExit(), 0);

    const rose = await TestClient.login(app, 'rose');
    await rose.request('send', { to: 'quinn', text: 'are you there?' });
    await rose.request('send', { to: 'quinn', text: 'call me' });

    const back = await chat('quinn');
    await back.waitLine(/ unread 2 from rose — \/switch rose \(or \/msg rose TEXT\) marks them read$/);
    const i = back.lines.findIndex((l) => / @rose <rose> are you there\?$/.test(l));
    const j = back.lines.findIndex((l) => / @rose <rose> call me$/.test(l));
    assert.ok(i > 0 && j > i, back.lines.join('\n'));
    back.send('/switch rose');
    await back.waitLine(/ info now talking to rose$/);
    back.send('/quit');
    assert.equal(await back.waitExit(), 0);

    // Read now: the next login has nothing unread; /switch shows the conversation as history.
    const later = await chat('quinn');
    later.send('/switch rose');
    await later.waitLine(/ info now talking to rose$/);
    assert.deepEqual(later.matching(/ unread /), []);
    assert.ok(later.lines.some((l) => / history @rose \d+ <rose> call me$/.test(l)), later.lines.join('\n'));
    later.kill();
    rose.close();
  });
});
