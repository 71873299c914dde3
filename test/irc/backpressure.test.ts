/**
 * Read backpressure: lines that wait for the server (commits in flight) stop the reading of
 * their connection instead of filling its read queue, so a client sending faster than the
 * store commits is slowed by TCP and loses nothing; lines that wait for the flood gate, and
 * a line that never ends, still end in "ReadQ exceeded" (test/irc/hardening.test.ts).
 *
 * The store holds every append back until the test opens its gate (as a disk stalled in an
 * fsync would), so the sender's lines are deterministically waiting for the server.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PUMP_SLICE_ITEMS } from '../../src/transports/inbound-pump.ts';
import { IrcClient } from '../helpers/irc.ts';
import type { App } from '../../src/server/app.ts';
import { startTestServer } from '../helpers/server.ts';
import { stalledStore, until, yieldProbeStore } from '../helpers/stalled-store.ts';
import { get, sample } from '../ops/helpers.ts';

/** Writes `n` PRIVMSG lines to `channel` in one go; resolves once the server has paused reading (or closed the sender). */
async function burstUntilPaused(app: App, sender: IrcClient, channel: string, n: number): Promise<void> {
  let burst = '';
  for (let i = 0; i < n; i++) burst += `PRIVMSG ${channel} :line ${i}\r\n`;
  sender.write(burst);
  const pauses = async (): Promise<number> => sample((await get(`${app.url}/metrics`)).body, 'banter_read_pauses_total', { transport: 'irc' }) ?? 0;
  await until(async () => sender.closed || (await pauses()) >= 1, 'reading to pause');
}

it('a client sending faster than the store commits is paused, not disconnected, and every line arrives in order', async () => {
  const { store, appends, open } = stalledStore();
  // A small read queue: 2,000 lines of about 40 bytes are 20 times it.
  const app = await startTestServer({ 'irc.readQueueBytes': 4096 }, { store });
  try {
    const listener = await IrcClient.register(app, 'Listener');
    const sender = await IrcClient.register(app, 'Sender');
    listener.send('JOIN #flow');
    sender.send('JOIN #flow');
    await listener.waitLine(/^:Sender\S* JOIN #flow/);
    const N = 2000;
    // The server takes what fits and stops reading: the store holds the first lines back.
    await burstUntilPaused(app, sender, '#flow', N);
    assert.ok(appends() < N, `all ${appends()} lines were read while the store was stalled`);
    assert.ok(!sender.closed && !sender.lines.some((l) => l.startsWith('ERROR')), JSON.stringify(sender.lines.slice(-3)));
    open();
    await until(() => listener.lines.filter((l) => l.includes('PRIVMSG #flow')).length >= N || sender.closed, `${N} lines to arrive`);
    const got = listener.lines.filter((l) => l.includes('PRIVMSG #flow')).map((l) => l.slice(l.indexOf(' :line ') + 2));
    assert.equal(got.length, N);
    assert.deepEqual(got, Array.from({ length: N }, (_, i) => `line ${i}`));
    assert.ok(!sender.closed, 'the sender was disconnected');
    assert.deepEqual(await sender.command('PING alive'), [`:banter.local PONG banter.local :alive`]);
    listener.close(); sender.close();
  } finally {
    await app.close();
  }
});

it('a client whose reading the server paused is not disconnected for the PONG it could not have sent', async () => {
  const { store, open } = stalledStore();
  const app = await startTestServer({ 'irc.readQueueBytes': 4096, 'irc.pingIntervalMs': 200 }, { store });
  try {
    const sender = await IrcClient.register(app, 'Sender');
    sender.autoPong = true;
    sender.send('JOIN #pings');
    await sender.waitLine(/^:Sender\S* JOIN #pings/);
    await burstUntilPaused(app, sender, '#pings', 2000);
    // A witness that never answers PING and was last active after the sender: once the sweep
    // has closed it, it has pinged the paused sender and found its PONG missing as well.
    const mute = await IrcClient.register(app, 'Mute');
    await mute.waitClosed(30_000);
    assert.ok(mute.lines.some((l) => /^ERROR .*Ping timeout/.test(l)), JSON.stringify(mute.lines.slice(-3)));
    assert.ok(!sender.closed, `the paused sender was disconnected: ${JSON.stringify(sender.lines.slice(-3))}`);
    // The witness's QUIT reaches the sender (both are in #lobby) before the PING below is asked.
    await sender.waitLine(/^:Mute\S* QUIT /);
    open();
    // Answered after every line of the burst.
    assert.deepEqual(await sender.command('PING alive'), [`:banter.local PONG banter.local :alive`]);
    sender.close();
  } finally {
    await app.close();
  }
});

it("one client's burst does not hold the event loop while a store answers at once: the pump yields every few dozen lines", async () => {
  // A memory store answers within the same turn, so nothing but the pump's own bound makes it
  // yield. The first append schedules an immediate: it runs at the pump's first yield.
  const { store, appends, atFirstYield } = yieldProbeStore();
  const app = await startTestServer({ 'irc.readQueueBytes': 1 << 20 }, { store });
  try {
    const sender = await IrcClient.register(app, 'Burst');
    sender.send('JOIN #burst');
    await sender.waitLine(/ 366 Burst #burst /);
    const N = 3000;
    let burst = '';
    for (let i = 0; i < N; i++) burst += `PRIVMSG #burst :b ${i}\r\n`;
    sender.write(burst);
    await until(() => appends() >= N || sender.closed, `${N} appends`);
    assert.equal(appends(), N);
    // Before, a whole socket read of lines (about 2,000 here) ran in one turn.
    assert.ok((atFirstYield() ?? Infinity) <= 2 * PUMP_SLICE_ITEMS, `${atFirstYield()} lines were handed over before the pump first yielded`);
    assert.deepEqual(await sender.command('PING alive'), [`:banter.local PONG banter.local :alive`]);
    sender.close();
  } finally {
    await app.close();
  }
});
