/**
 * Test doubles for flow-control tests (test/ws-flow.test.ts, test/irc/backpressure.test.ts): a
 * memory store whose appends wait behind a gate, as a disk stalled in an fsync would, so that a
 * sender's requests are deterministically waiting for the server; and a polling wait.
 */
import type { MessageDraft } from '../../src/core/ports.ts';
import { systemClock } from '../../src/core/ports.ts';
import type { ChatMessage } from '../../src/protocol/index.ts';
import { MemoryStore } from '../../src/storage/memory.ts';

/** A memory store whose appends wait, in call order, while the gate is shut. */
export function stalledStore(): { store: MemoryStore; appends: () => number; open: () => void } {
  const store = new MemoryStore({ clock: systemClock, maxPerConversation: 100_000, idempotencyWindowMs: 60_000 });
  let open!: () => void;
  const opened = new Promise<void>((r) => { open = r; });
  let calls = 0;
  const append = store.append.bind(store);
  store.append = async (draft: MessageDraft): Promise<ChatMessage> => {
    calls++;
    await opened;
    return append(draft);
  };
  return { store, appends: () => calls, open };
}

/** Polls `f` every 10 ms until it holds; throws after `timeoutMs` (generous: a loaded machine). */
export async function until(f: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A memory store that answers within the turn (nothing but the inbound pump's own bound makes
 * a burst yield) and records how many appends had started when the event loop first got a turn
 * after the first one: its first append schedules an immediate, which runs at the pump's first yield.
 */
export function yieldProbeStore(): { store: MemoryStore; appends: () => number; atFirstYield: () => number | undefined } {
  const store = new MemoryStore({ clock: systemClock, maxPerConversation: 100_000, idempotencyWindowMs: 60_000 });
  let calls = 0;
  let atFirstYield: number | undefined;
  const append = store.append.bind(store);
  store.append = async (draft: MessageDraft): Promise<ChatMessage> => {
    if (calls++ === 0) setImmediate(() => { atFirstYield = calls; });
    return append(draft);
  };
  return { store, appends: () => calls, atFirstYield: () => atFirstYield };
}
