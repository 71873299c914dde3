/** The terminal client's /upload, /download and /revoke against a real server: progress, name/size/URL shown, bytes intact, links revoked. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { startTestServer } from '../helpers/server.ts';
import { ChatProcess, killAll } from './helpers.ts';

let app: App;
let server: string;
const dir = mkdtempSync(join(tmpdir(), 'banter-tui-files-'));
before(async () => {
  app = await startTestServer();
  server = `http://127.0.0.1:${app.port}`;
});
after(async () => {
  killAll();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

it('/upload shares a file with progress; others see name, size and a URL and /download it', async () => {
  const src = join(dir, 'data log.txt');
  const content = Buffer.alloc(300_000, 'log line\n');
  writeFileSync(src, content);
  const alice = await ChatProcess.start(server, 'alice');
  const bob = await ChatProcess.start(server, 'bob');
  alice.send(`/upload "${src}" the nightly log`);
  await alice.waitLine(/ info upload data log\.txt: \d0% /);
  await alice.waitLine(/ info upload data log\.txt: 100% \(293 KiB\), sending to #lobby$/);
  const line = await bob.waitLine(/<alice> the nightly log \[file\]/);
  const id = /\/download (\S+)/.exec(line)![1]!;
  assert.match(line, /\[file\] data log\.txt \(293 KiB\) \/download /);
  const url = /file data log\.txt \(293 KiB, text\/plain\): (http:\/\/\S+)/.exec(await bob.waitLine(/ info file data log\.txt/))![1]!;
  assert.equal((await fetch(url)).status, 200);

  const dest = join(dir, 'copy.txt');
  bob.send(`/download ${id} ${dest}`);
  await bob.waitLine(/ info saved data log\.txt \(293 KiB\) to /);
  assert.deepEqual(readFileSync(dest), content);
  // Never overwrites an existing file.
  bob.send(`/download ${id} ${dest}`);
  await bob.waitLine(/ error DOWNLOAD_FAILED: cannot save to /);
  bob.send('/download AAAAAAAAAAAAAAAAAAAAAA');
  await bob.waitLine(/NO_SUCH_FILE/);
  alice.send(`/upload ${join(dir, 'missing.bin')}`);
  await alice.waitLine(/cannot read /);
});

it('/revoke stops the links handed out so far; /download fetches a fresh one; others may not revoke', async () => {
  const src = join(dir, 'oops.txt');
  writeFileSync(src, 'not for everyone\n');
  const carol = await ChatProcess.start(server, 'carol');
  const dave = await ChatProcess.start(server, 'dave');
  carol.send(`/upload ${src}`);
  const line = await dave.waitLine(/<carol> \[file\] oops\.txt/);
  const id = /\/download (\S+)/.exec(line)![1]!;
  const url = /file oops\.txt \(17 B, text\/plain\): (http:\/\/\S+)/.exec(await dave.waitLine(/ info file oops\.txt/))![1]!;
  dave.send(`/revoke ${id}`);
  await dave.waitLine(/FILE_REVOKE_DENIED/);
  assert.equal((await fetch(url)).status, 200);
  carol.send(`/revoke ${id} posted by mistake`);
  await carol.waitLine(new RegExp(` info revoked every link to ${id} `));
  assert.equal((await fetch(url)).status, 410);
  const dest = join(dir, 'oops-copy.txt');
  dave.send(`/download ${id} ${dest}`);
  await dave.waitLine(/ info saved oops\.txt/);
  assert.equal(readFileSync(dest, 'utf8'), 'not for everyone\n');
});
