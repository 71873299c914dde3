/**
 * Resume in the core, without sockets: what a login with `resume` hands over (the reply's
 * missed messages, then the held live events) is every message after the resume point once,
 * even when other sessions commit messages while the login is reading the store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Fake, HandClock, node, settle } from './fakes.ts';
import { LocalHub } from '../../src/bus/local.ts';
import { MemoryPresence } from '../../src/bus/memory-presence.ts';
import { MemoryAccounts } from '../../src/storage/memory-accounts.ts';
import { MemoryStore } from '../../src/storage/memory.ts';
import type { ChatEvent } from '../../src/protocol/index.ts';

const lobbySeqs = (events: ChatEvent[]): number[] =>
  events.flatMap((e) => (e.type === 'message' && e.msg.to === '#lobby' ? [e.msg.seq] : []));

describe('resume in the core', () => {
  it('a message committed while the resume reads the store is delivered, not covered and dropped', async () => {
    const clock = new HandClock();
    const store = new MemoryStore({ clock, maxPerConversation: 1000, idempotencyWindowMs: 600_000 });
    const core = node('n1', new LocalHub(), clock, { store, accounts: new MemoryAccounts(), presence: new MemoryPresence() });
    const writer = await Fake.as(core, 'writer');
    const first = await Fake.as(core, 'reader');
    await writer.run('send', { to: '#lobby', text: 'one' });
    await settle();
    assert.deepEqual(lobbySeqs(first.events), [1]);
    first.close('connection lost');

    // The resume's last store read (older messages changed since the resume point) lets
    // two writes commit before it answers: they land after the missed page was read.
    const changes = store.changes.bind(store);
    let raced = false;
    store.changes = async (...args: Parameters<MemoryStore['changes']>) => {
      if (!raced) {
        raced = true;
        await writer.run('send', { to: '#lobby', text: 'two' });
        await writer.run('send', { to: '#lobby', text: 'three' });
        await settle();
      }
      return changes(...args);
    };
    const back = new Fake(core);
    const reply = await back.run('login', { name: 'reader', resume: { '#lobby': 1 } });
    assert.ok(raced, 'the writes raced the resume');
    await settle();
    const inReply = reply.missed.flatMap((m) => (m.to === '#lobby' ? m.messages.map((x) => x.seq) : []));
    assert.deepEqual([...inReply, ...lobbySeqs(back.events)], [2, 3], 'every message after the resume point, once, in order');
    assert.ok((reply.lastSeq['#lobby'] ?? 0) <= Math.max(1, ...inReply), 'the reply does not claim messages it did not hand over');
  });
});
