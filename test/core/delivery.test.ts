/**
 * Delivery's fan-out to a room walks a cached list of the room's local members (delivery.ts,
 * Recipients). The list must follow every change that matters: joins, leaves, logins,
 * logouts and renames after it was built.
 * Core only: fake sessions, no sockets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatEvent } from '../../src/protocol/index.ts';
import { Delivery, type Conn } from '../../src/core/delivery.ts';
import { noopMetrics } from '../../src/core/metrics.ts';
import { PagedSet } from '../../src/core/page.ts';
import type { RoomEntry } from '../../src/core/directory.ts';
import { FloodGuard } from '../../src/core/rate-limit.ts';
import type { Session } from '../../src/core/session.ts';

function connOf(name: string, got: Map<string, number>): Conn {
  const session: Session = {
    id: name, transport: 'ws', remote: '127.0.0.1', connectedAt: 0,
    deliver(ev: ChatEvent) { if (ev.type === 'notice') got.set(name, (got.get(name) ?? 0) + 1); },
    queuedBytes: () => 0,
    close() {},
  };
  return { session, user: name, loggingIn: false, flood: new FloodGuard({ requests: { burst: 10, ratePerSec: 10 }, calc: { burst: 10, ratePerSec: 10 }, maxDelayMs: 0, maxRefusals: 10, refusalWindowMs: 1000 }, 0) };
}

const notice: ChatEvent = { type: 'notice', text: 'hi' };

/** Who got the next event sent to the room (except `except`). */
function recipients(d: Delivery, room: RoomEntry, got: Map<string, number>, except?: string): string[] {
  const before = new Map(got);
  d.toRoom(room, notice, except);
  return [...got].filter(([n, c]) => c > (before.get(n) ?? 0)).map(([n]) => n).sort();
}

describe('Delivery.toRoom', () => {
  it('follows joins, leaves, logins, logouts and renames after its first fan-out', () => {
    const d = new Delivery(noopMetrics);
    const got = new Map<string, number>();
    const members = new PagedSet(['ann', 'bob', 'cy']);
    const room: RoomEntry = { name: '#r', folded: '#r', topic: '', members, creator: '' };
    d.local.set('ann', connOf('ann', got));
    d.local.set('bob', connOf('bob', got));
    assert.deepEqual(recipients(d, room, got), ['ann', 'bob'], 'cy is a member but not connected here');
    assert.deepEqual(recipients(d, room, got, 'ann'), ['bob'], 'the sender is left out');
    d.local.set('cy', connOf('cy', got));
    assert.deepEqual(recipients(d, room, got), ['ann', 'bob', 'cy'], 'a login after the list was built');
    members.delete('bob');
    assert.deepEqual(recipients(d, room, got), ['ann', 'cy'], 'a leave');
    members.add('bob');
    assert.deepEqual(recipients(d, room, got), ['ann', 'bob', 'cy'], 'a join of a user already connected');
    members.delete('bob');
    d.local.delete('ann');
    assert.deepEqual(recipients(d, room, got), ['cy'], 'a logout');
    members.add('dee');
    d.local.set('dee', connOf('dee', got));
    assert.deepEqual(recipients(d, room, got), ['cy', 'dee'], 'a join and a login');
    // A rename: the directory moves the member, the core moves the connection.
    members.delete('cy'); members.add('cyd');
    const cy = d.local.get('cy')!;
    d.local.delete('cy'); d.local.set('cyd', { ...cy, user: 'cyd', session: connOf('cyd', got).session });
    assert.deepEqual(recipients(d, room, got), ['cyd', 'dee'], 'a rename');
    // A connection replaced under the same name (a resumed session) gets the next message, the old one not.
    d.local.set('dee', connOf('dee2', got));
    assert.deepEqual(recipients(d, room, got), ['cyd', 'dee2']);
    members.clear();
    assert.deepEqual(recipients(d, room, got), [], 'an emptied room');
  });

  it('holds events for a connection whose command holds them, also from the cached list', () => {
    const d = new Delivery(noopMetrics);
    const got = new Map<string, number>();
    const room: RoomEntry = { name: '#r', folded: '#r', topic: '', members: new PagedSet(['ann', 'bob']), creator: '' };
    const ann = connOf('ann', got);
    d.local.set('ann', ann);
    d.local.set('bob', connOf('bob', got));
    assert.deepEqual(recipients(d, room, got), ['ann', 'bob']);
    const held = d.hold(ann);
    held.owners++;
    assert.deepEqual(recipients(d, room, got), ['bob'], 'held for ann');
    held.owners--;
    d.release(ann, true);
    assert.equal(got.get('ann'), 2, 'released after the hold');
  });
});
