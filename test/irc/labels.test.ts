/**
 * labeled-response while a labeled command waits. The store holds back the append of a
 * message whose text is "slow" until the test opens the gate, so the command is
 * deterministically in flight (as a cold calculator worker or a slow database would keep
 * it): other users' lines must reach the client at once, outside the label, the label's
 * own lines stream into its batch, and deliveries from others still count against the
 * SendQ.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HistoryQuery, MessageDraft } from '../../src/core/ports.ts';
import { systemClock } from '../../src/core/ports.ts';
import type { ChatMessage } from '../../src/protocol/index.ts';
import { MemoryStore } from '../../src/storage/memory.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer } from '../helpers/server.ts';

const S = `:${SERVER}`;
const CAPS = ['labeled-response', 'batch', 'echo-message'];

interface Gate {
  /** Resolves once a store call is waiting at the gate. */
  entered: Promise<void>;
  open: () => void;
  wait: () => Promise<void>;
}

function gate(): Gate {
  let open!: () => void;
  let enter!: () => void;
  const opened = new Promise<void>((r) => { open = r; });
  const entered = new Promise<void>((r) => { enter = r; });
  return { entered, open, wait: () => { enter(); return opened; } };
}

/**
 * A memory store whose append of the text "slow" waits for `open()` (`entered` resolves once
 * one is waiting), and whose history reads of the conversations in `historyGates` wait for theirs.
 */
function gatedStore(historyGates: Record<string, Gate> = {}): { store: MemoryStore; entered: Promise<void>; open: () => void } {
  const store = new MemoryStore({ clock: systemClock, maxPerConversation: 10_000, idempotencyWindowMs: 60_000 });
  const slow = gate();
  const append = store.append.bind(store);
  store.append = async (draft: MessageDraft): Promise<ChatMessage> => {
    if (draft.text === 'slow') await slow.wait();
    return append(draft);
  };
  const history = store.history.bind(store);
  store.history = async (conv: string, q: HistoryQuery): Promise<ChatMessage[]> => {
    await historyGates[conv]?.wait();
    return history(conv, q);
  };
  return { store, entered: slow.entered, open: slow.open };
}

describe('labeled-response with a slow command', () => {
  it("others' lines go out at once, outside the label; the label keeps only its own lines", async () => {
    const { store, entered, open } = gatedStore();
    const app = await startTestServer({}, { store });
    try {
      const a = await IrcClient.register(app, 'Waiter', CAPS);
      const b = await IrcClient.register(app, 'Chatter');
      await a.waitLine(/^:Chatter\S* JOIN /);
      a.skip();
      a.send('@label=one PRIVMSG #lobby :slow');
      await entered;
      b.send('PRIVMSG #lobby :meanwhile');
      // Arrives while the labeled command is still waiting, with no label or batch tag.
      assert.equal(await a.waitLine(/meanwhile/), ':Chatter!~chatter@banter PRIVMSG #lobby :meanwhile');
      assert.ok(!a.lines.some((l) => l.includes('label=') || l.includes('BATCH')), JSON.stringify(a.lines));
      open();
      // The echo of its own message is the label's one line.
      assert.equal(await a.waitLine(/label=one/), '@label=one :Waiter!~waiter@banter PRIVMSG #lobby :slow');
      await a.sync();
      assert.deepEqual(a.rest(), [':Chatter!~chatter@banter PRIVMSG #lobby :meanwhile', '@label=one :Waiter!~waiter@banter PRIVMSG #lobby :slow']);
      a.close(); b.close();
    } finally {
      await app.close();
    }
  });

  it('a labeled batch streams: lines made before the wait are out before it ends, lines from others stay outside', async () => {
    const { store, entered, open } = gatedStore();
    const app = await startTestServer({}, { store });
    try {
      const a = await IrcClient.register(app, 'Streamer', CAPS);
      const b = await IrcClient.register(app, 'Other');
      await a.waitLine(/^:Other\S* JOIN /);
      a.skip();
      // Two Calc answers come first, then the message to #lobby waits in the store.
      a.send('@label=two PRIVMSG Calc,Calc,#lobby :slow');
      await entered;
      await a.waitLine(/^@batch=b1 :Calc!calc@services NOTICE Streamer :error: .*$/);
      b.send('PRIVMSG #lobby :between');
      await a.waitLine(/between/);
      open();
      await a.waitLine(/^\S+ BATCH -b1$/);
      const got = a.rest();
      assert.equal(got[0], `@label=two ${S} BATCH +b1 labeled-response`);
      assert.match(got[1]!, /^@batch=b1 :Calc!calc@services NOTICE Streamer :error: /);
      assert.match(got[2]!, /^@batch=b1 :Calc!calc@services NOTICE Streamer :error: /);
      assert.equal(got[3], ':Other!~other@banter PRIVMSG #lobby :between');
      assert.equal(got[4], '@batch=b1 :Streamer!~streamer@banter PRIVMSG #lobby :slow');
      assert.equal(got[5], `${S} BATCH -b1`);
      assert.equal(got.length, 6);
      a.close(); b.close();
    } finally {
      await app.close();
    }
  });

  it("while a labeled command waits, others' lines still count against the SendQ", async () => {
    const { store, entered, open } = gatedStore();
    const app = await startTestServer({ 'irc.sendQueueBytes': 8192 }, { store });
    try {
      const a = await IrcClient.register(app, 'Hoarder', CAPS);
      a.send('@label=three PRIVMSG #lobby :slow');
      await entered;
      a.socket.pause();
      const talker = await IrcClient.register(app, 'Loud');
      // Kernel socket buffers absorb the first few hundred KiB; keep talking until the queue
      // overflows. Held inside the label, these lines used to pile up without limit.
      const line = `PRIVMSG #lobby :${'x'.repeat(400)}\r\n`.repeat(100);
      const deadline = Date.now() + 20_000;
      while (!talker.lines.some((l) => l.includes(' QUIT ')) && Date.now() < deadline) {
        talker.write(line);
        await talker.sync();
      }
      assert.equal(await talker.waitLine(/ QUIT /), ':Hoarder!~hoarder@banter QUIT :SendQ exceeded');
      open();
      talker.close(); a.close();
    } finally {
      await app.close();
    }
  });
});
