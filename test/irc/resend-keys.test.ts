/**
 * Resend keys: a JSON client's request ids may come again after a reconnect, so its messages
 * are stored with a key that recognises the resend; an IRC client's ids are made by the
 * transport, fresh per line, so its messages are stored without one (no idempotency lookup
 * or record per line: about a fifth of a SQLite append's CPU, docs/benchmarks.md). Real SQLite
 * store, read from a second connection.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { it } from 'node:test';
import { IrcClient } from '../helpers/irc.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';

it('IRC messages are stored without a resend key; JSON messages keep theirs and a resend is recognised', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-keys-'));
  const app = await startTestServer({ store: 'sqlite', dataDir: dir, 'auth.scryptLog2N': 10 });
  try {
    const web = await TestClient.login(app, 'WebKeys');
    const irc = await IrcClient.register(app, 'IrcKeys');
    for (let i = 0; i < 5; i++) irc.send(`PRIVMSG #lobby :irc line ${i}`);
    await web.waitFor((e) => e.type === 'message' && e.msg.text === 'irc line 4');
    const first = await web.request('send', { to: '#lobby', text: 'from the web' }, 'web-1');
    // The same id again (as after a reconnect): the first message, not a second one.
    const again = await web.request('send', { to: '#lobby', text: 'from the web' }, 'web-1');
    assert.equal((again as { msg: { id: string } }).msg.id, (first as { msg: { id: string } }).msg.id);
    const db = new DatabaseSync(join(dir, 'banter.db'), { readOnly: true });
    try {
      const stored = db.prepare("SELECT from_name AS f, count(*) AS n FROM messages WHERE conv = '#lobby' GROUP BY from_name ORDER BY from_name").all();
      assert.deepEqual(stored.map((r) => ({ ...r })), [{ f: 'IrcKeys', n: 5 }, { f: 'WebKeys', n: 1 }]);
      const keys = db.prepare('SELECT k.key AS key, m.from_name AS f FROM client_keys k JOIN messages m ON m.id = k.msg_id').all();
      assert.deepEqual(keys.map((r) => r.f), ['WebKeys'], 'only the JSON message has a resend key');
    } finally {
      db.close();
    }
    web.close(); irc.close();
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
