/**
 * The terminal client's token file on real files, under umask 022: a private directory (a
 * loose one is tightened), a private file, and a write that a symlink planted at a
 * predictable temporary name cannot redirect.
 */
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, it } from 'node:test';
import { TokenStore } from '../../src/tui/tokens.ts';

const root = mkdtempSync(join(tmpdir(), 'banter-tokens-'));
let umask: number;
before(() => { umask = process.umask(0o022); });
after(() => {
  process.umask(umask);
  rmSync(root, { recursive: true, force: true });
});
const mode = (p: string): number => statSync(p).mode & 0o777;

it('creates the directory 0700 and the file 0600, and tightens a loose directory', () => {
  const file = join(root, 'a', 'banter', 'tokens.json');
  const store = new TokenStore(file);
  assert.equal(store.save('ws://h', 'Alice', 'secret-1'), undefined);
  assert.equal(mode(dirname(file)), 0o700);
  assert.equal(mode(file), 0o600);
  assert.equal(store.get('ws://h', 'alice'), 'secret-1');

  const loose = join(root, 'b', 'banter');
  mkdirSync(loose, { recursive: true });
  chmodSync(loose, 0o755);
  const other = new TokenStore(join(loose, 'tokens.json'));
  assert.equal(other.save('ws://h', 'Bob', 'secret-2'), undefined);
  assert.equal(mode(loose), 0o700, 'an existing group/world-readable directory is tightened');
  assert.equal(mode(join(loose, 'tokens.json')), 0o600);
  assert.deepEqual(readdirSync(loose), ['tokens.json'], 'no temporary file is left behind');
});

it('does not follow a symlink planted at the temporary file name', () => {
  const dir = join(root, 'c', 'banter');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'tokens.json');
  const victim = join(root, 'victim.txt');
  writeFileSync(victim, 'do not touch\n', { mode: 0o644 });
  // The name the store used to write to, and a few others an attacker might guess.
  for (const name of [`tokens.json.${process.pid}.tmp`, 'tokens.json.tmp', 'tokens.json~']) symlinkSync(victim, join(dir, name));
  const store = new TokenStore(file);
  assert.equal(store.save('ws://h', 'Carol', 'secret-3'), undefined);
  assert.equal(readFileSync(victim, 'utf8'), 'do not touch\n', 'the symlink target was not written');
  assert.equal(mode(victim), 0o644, 'nor chmod-ed');
  assert.ok(!lstatSync(file).isSymbolicLink(), 'tokens.json is a regular file');
  assert.equal(mode(file), 0o600);
  assert.equal(store.get('ws://h', 'carol'), 'secret-3');
  assert.ok(lstatSync(join(dir, `tokens.json.${process.pid}.tmp`)).isSymbolicLink(), 'the planted link is left alone');
});
