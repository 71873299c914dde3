/**
 * Inbound flow control shared by the IRC and WebSocket connections: what a client sent waits
 * here (in order) until the connection runs it, bounded by a read queue in bytes.
 *
 * - Items run in order, one at a time, except that an item the host says may `overlap` (IRC:
 *   a channel message; WebSocket: every request, as replies carry ids) is handed over as soon
 *   as the one before it was, without waiting for it to finish (its store commit). At most
 *   PIPELINE_WINDOW such items, and half the read queue in bytes, are in flight: the next
 *   waits for the oldest (a window, not a batch, so a steady sender is never held to one
 *   batch per commit). Their bytes count against the read queue until each is done.
 * - Items waiting for the server (in-flight work, a slow command) past half the read queue
 *   pause reading from the socket until they are under a quarter of it: that is not the
 *   client's doing, so TCP holds the client back and nothing is dropped
 *   (`banter_read_pauses_total`). Items waiting for the host's own flood gate are the client's
 *   doing: reading goes on, and past the read queue (plus what may still arrive as reading
 *   pauses, `slackBytes`) the host drops the client (`readQueueExceeded`).
 * - The pump yields to the event loop (setImmediate) after PUMP_SLICE_ITEMS items or
 *   PUMP_SLICE_MS: with a store that answers within the turn nothing else would make it
 *   yield, and one client's backlog fanned out to a large room held the loop for seconds.
 *
 * One pump per connection, made when the connection first receives something; `idle` says
 * when the host may drop it again (an idle connection keeps no state: docs/benchmarks.md,
 * "Idle connection memory").
 */

/** Something received: its size counts against the read queue until it has run. */
export interface InboundItem {
  readonly bytes: number;
}

/** The connection a pump runs for. */
export interface InboundHost<T extends InboundItem> {
  /** Whether the connection is closed for input (the pump stops). */
  readonly inputClosed: boolean;
  /** Whether `item` may overlap the overlapping items before it (see the module comment). */
  overlaps(item: T): boolean;
  /** Runs one item; a rejection is passed to `failed`, the next item still runs. */
  run(item: T): Promise<void>;
  failed(err: unknown): void;
  /** How long (ms) the host's own flood gate holds the next item (0: not at all). Optional. */
  floodWait?(): number;
  /** Bytes the host holds that are not items yet (an unterminated line); they count too. Optional. */
  pendingBytes?(): number;
  pauseReading(): void;
  resumeReading(): void;
  /** The client overflowed its read queue while its items waited for its own flood gate: drop it. */
  readQueueExceeded(): void;
}

/** The host's read queue (one object per listener). */
export interface InboundLimits {
  /** Received bytes allowed to wait (the IRC/WebSocket `readQueueBytes` key). */
  readonly readQueueBytes: number;
}

/** Overlapping items of one connection in flight at once. */
export const PIPELINE_WINDOW = 256;

/** The most items, and the most time (ms), one pump runs before it yields to the event loop. */
export const PUMP_SLICE_ITEMS = 64;
export const PUMP_SLICE_MS = 4;

/** The most one socket read delivers (libuv reads into 64 KiB buffers): what may still arrive as reading pauses. */
export const READ_CHUNK_MAX = 64 * 1024;

const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class InboundPump<T extends InboundItem> {
  private readonly host: InboundHost<T>;
  private readonly limits: InboundLimits;
  /** What may still arrive after reading paused (a socket read, and what the host had buffered). */
  private readonly slackBytes: number;
  private inbox: T[] = [];
  /** Bytes of the items not yet done: waiting and in flight. */
  private bytes = 0;
  private readonly inflight = new Set<Promise<void>>();
  /** Bytes of the items in `inflight` (they count in `bytes` too). */
  private inflightBytes = 0;
  private pumping = false;
  /** Whether the pump waits for the host's flood gate. */
  private floodWaiting = false;
  private paused = false;

  constructor(host: InboundHost<T>, limits: InboundLimits, slackBytes = READ_CHUNK_MAX) {
    this.host = host;
    this.limits = limits;
    this.slackBytes = slackBytes;
  }

  /** Nothing waiting, running or in flight, and reading not paused: the host may drop the pump. */
  get idle(): boolean {
    return !this.pumping && !this.paused && this.inbox.length === 0 && this.inflight.size === 0;
  }

  /** Whether reading is paused because the items wait for the server. */
  get readPaused(): boolean {
    return this.paused;
  }

  /** Bytes received and not yet done. */
  get queuedBytes(): number {
    return this.bytes;
  }

  /** Queues one item; call `received` after the items of one read. */
  push(item: T): void {
    this.inbox.push(item);
    this.bytes += item.bytes;
  }

  /**
   * After a read: runs what can run at once (the pump's synchronous pass hands over what it
   * can), then pauses reading or drops the client as the module comment says.
   */
  received(): void {
    void this.pump();
    if (this.host.inputClosed) return;
    const limit = this.limits.readQueueBytes;
    // A pause takes effect at once (no more reads until resumed), so at most `slackBytes`
    // come on top of the mark.
    if (!this.paused && !this.floodWaiting && this.bytes > limit / 2) this.pause();
    if (this.bytes + (this.host.pendingBytes?.() ?? 0) > limit + (this.paused ? this.slackBytes : 0)) this.exceeded();
  }

  /** The client overflowed: forget what it sent and let the host drop it. */
  private exceeded(): void {
    this.inbox = [];
    this.bytes = 0;
    this.host.readQueueExceeded();
  }

  private pause(): void {
    this.paused = true;
    this.host.pauseReading();
  }

  /**
   * Reads again once the items not yet done are under a quarter of the read queue (`force`:
   * at once, when they wait for the flood gate instead). Called as items are handed over and
   * as items in flight are done, so a paused connection always wakes: it paused with items
   * waiting, and each of them ends in one of these.
   */
  private resume(force = false): void {
    if (!this.paused || this.host.inputClosed || (!force && this.bytes > this.limits.readQueueBytes / 4)) return;
    this.paused = false;
    this.host.resumeReading();
  }

  private async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all(this.inflight);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const { host, inflight } = this;
    try {
      let inbox: T[];
      let sliceStart = performance.now();
      let sliceItems = 0;
      while (!host.inputClosed && (inbox = this.inbox).length > 0) {
        if (++sliceItems > PUMP_SLICE_ITEMS || performance.now() - sliceStart >= PUMP_SLICE_MS) {
          // Let the rest of the server run (writes, reads, timers); items arriving meanwhile
          // queue behind these, and reading pauses if they wait long (received).
          await yieldTurn();
          if (host.inputClosed) break;
          sliceStart = performance.now();
          sliceItems = 1;
        }
        const wait = host.floodWait?.() ?? 0;
        if (wait > 0) {
          // Now the items wait for the flood gate, which is the client's doing: read again,
          // so that a client flooding on fills its read queue and is dropped (received).
          this.resume(true);
          if (this.bytes + (host.pendingBytes?.() ?? 0) > this.limits.readQueueBytes) {
            this.exceeded();
            break;
          }
          this.floodWaiting = true;
          await new Promise((resolve) => setTimeout(resolve, wait));
          this.floodWaiting = false;
          sliceStart = performance.now();
          sliceItems = 1;
          if (host.inputClosed) break;
        }
        const item = inbox[0]!;
        const overlap = host.overlaps(item);
        // (No new slice after these waits: with a store that answers at once they end within
        // this turn, so only the slice's own bound makes the pump yield.)
        if (!overlap) await this.drain();
        else {
          while (inflight.size >= PIPELINE_WINDOW || (inflight.size > 0 && this.inflightBytes + item.bytes > this.limits.readQueueBytes / 2)) {
            await inflight.values().next().value!;
          }
        }
        if (host.inputClosed || this.inbox !== inbox) break;
        inbox.shift();
        // Nothing one item does may escape its handler: the next item still runs.
        if (!overlap) {
          const done = host.run(item).catch((err: unknown) => host.failed(err));
          this.bytes -= item.bytes;
          this.resume();
          await done;
          continue;
        }
        // An item in flight still counts against the read queue until it is done. Only its size
        // is kept meanwhile, not the item (an IRC line and what was parsed of it), and one
        // reaction serves both outcomes (`bench/irc-alloc.ts --held`).
        const { bytes } = item;
        this.inflightBytes += bytes;
        const settle = (): void => {
          inflight.delete(entry);
          this.bytes -= bytes;
          this.inflightBytes -= bytes;
          this.resume();
        };
        const entry: Promise<void> = host.run(item).then(settle, (err: unknown) => {
          host.failed(err);
          settle();
        });
        inflight.add(entry);
      }
      // No wait here for what is still in flight: an item arriving meanwhile starts a new pump,
      // which overlaps it or waits for it as above.
    } finally {
      this.pumping = false;
    }
  }
}
