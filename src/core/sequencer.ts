/**
 * Per-conversation delivery order for cluster mode. Messages of one conversation can reach a
 * node out of `seq` order (two nodes commit seq 4 and 5 at the same moment and their facts
 * race on the bus, or the node's own seq 5 is applied before another node's seq 4 arrives),
 * and the at-most-once bus can lose some (Redis down). The sequencer sits between the facts
 * and the delivery to local clients:
 *
 * - the next expected seq is delivered at once, with any held messages that follow it;
 * - a message ahead of a hole is held; if the hole is not filled within `reorderMs`, the
 *   missing seqs are read from the store (they are committed: PostgreSQL allocates seq under
 *   the conversation's row lock, so when seq n is committed every seq below it is too) and
 *   delivered in order, then the held ones;
 * - the first message a node sees of a conversation (other than seq 1) is held for one
 *   `reorderMs` too, as lower seqs may still be in flight; delivery starts at the lowest
 *   seq seen by then;
 * - a seq already delivered is dropped (no duplicate); a lower seq never delivered (one that
 *   took longer than that first wait) is delivered late rather than lost;
 * - `catchUp()` (after a bus gap) reads, for each conversation it tracks, everything after
 *   the last delivered seq.
 *
 * Bounded: at most `maxConversations` conversations are tracked (least recently active
 * dropped), at most `maxHeld` messages held per conversation (more forces the repair at
 * once), and the last `RECENT` delivered seqs remembered per conversation.
 */
import type { Logger } from './ports.ts';

/**
 * What the sequencer orders: anything with a conversation seq (a message, or a change to one
 * that took its own seq: edits, deletions, reactions).
 */
export interface Sequenced {
  seq: number;
}

export interface SequencerOptions<T extends Sequenced> {
  deliver(msg: T): void;
  /** Entries of `conv` with afterSeq < seq (< beforeSeq when given), ascending, at most `limit`. */
  fetch(conv: string, afterSeq: number, beforeSeq: number | undefined, limit: number): Promise<T[]>;
  reorderMs: number;
  log: Logger;
  maxConversations?: number;
  maxHeld?: number;
  /** Most messages one catch-up or repair reads per conversation. */
  fetchMax?: number;
}

const RECENT = 512;

interface ConvState<T> {
  /** The next seq to deliver. */
  next: number;
  held: Map<number, T>;
  /** Recently delivered seqs (insertion order = delivery order). */
  recent: Set<number>;
  timer: NodeJS.Timeout | undefined;
  repairing: boolean;
}

export class ConversationSequencer<T extends Sequenced> {
  private readonly opts: Required<SequencerOptions<T>>;
  private readonly convs = new Map<string, ConvState<T>>();
  private closed = false;

  constructor(opts: SequencerOptions<T>) {
    this.opts = { maxConversations: 10_000, maxHeld: 1000, fetchMax: 500, ...opts };
  }

  /** Number of conversations tracked and messages held (metrics, tests). */
  stats(): { conversations: number; held: number } {
    let held = 0;
    for (const s of this.convs.values()) held += s.held.size;
    return { conversations: this.convs.size, held };
  }

  push(conv: string, msg: T): void {
    if (this.closed) return;
    let st = this.convs.get(conv);
    if (!st) {
      // First sight: seq 1 starts the conversation; any other seq may have lower ones still
      // in flight, so hold it for one reorder period and start from the lowest seen by then.
      const anchored = msg.seq === 1;
      st = { next: anchored ? 1 : Number.NaN, held: new Map(), recent: new Set(), timer: undefined, repairing: false };
      this.convs.set(conv, st);
      this.evict();
      if (!anchored) {
        const first = st;
        first.held.set(msg.seq, msg);
        first.timer = setTimeout(() => { first.timer = undefined; this.anchor(conv, first); }, this.opts.reorderMs);
        return;
      }
    } else {
      // Most recently active last: eviction drops the quietest conversation.
      this.convs.delete(conv);
      this.convs.set(conv, st);
    }
    if (Number.isNaN(st.next)) { // not anchored yet
      st.held.set(msg.seq, msg);
      return;
    }
    if (msg.seq < st.next) {
      if (!st.recent.has(msg.seq)) this.deliver(st, msg);
      return;
    }
    if (msg.seq === st.next) {
      this.deliver(st, msg);
      st.next++;
      this.drain(st);
      return;
    }
    if (st.held.has(msg.seq)) return;
    st.held.set(msg.seq, msg);
    if (st.held.size >= this.opts.maxHeld) void this.repair(conv, st);
    else st.timer ??= setTimeout(() => { st.timer = undefined; void this.repair(conv, st); }, this.opts.reorderMs);
  }

  /** After a gap on the bus: delivers, from the store, what came after each conversation's last delivered seq. */
  async catchUp(): Promise<void> {
    for (const [conv, st] of [...this.convs]) {
      if (this.closed) return;
      if (Number.isNaN(st.next)) continue; // first sight still pending: nothing delivered yet
      try {
        const missed = await this.opts.fetch(conv, st.next - 1, undefined, this.opts.fetchMax);
        for (const m of missed) this.push(conv, m);
      } catch (err) {
        this.opts.log.warn({ err, conv }, 'catch-up from the store failed');
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const st of this.convs.values()) if (st.timer) clearTimeout(st.timer);
    this.convs.clear();
  }

  /** Ends a first-sight wait: delivery starts at the lowest seq that arrived meanwhile. */
  private anchor(conv: string, st: ConvState<T>): void {
    if (this.closed || st.held.size === 0) return;
    st.next = Math.min(...st.held.keys());
    this.drain(st);
    if (st.held.size > 0) st.timer ??= setTimeout(() => { st.timer = undefined; void this.repair(conv, st); }, this.opts.reorderMs);
  }

  private deliver(st: ConvState<T>, msg: T): void {
    st.recent.add(msg.seq);
    if (st.recent.size > RECENT) st.recent.delete(st.recent.values().next().value!);
    this.opts.deliver(msg);
  }

  /** Delivers held messages from `next` on while they are contiguous. */
  private drain(st: ConvState<T>): void {
    for (let m = st.held.get(st.next); m; m = st.held.get(st.next)) {
      st.held.delete(st.next);
      this.deliver(st, m);
      st.next++;
    }
    if (st.held.size === 0 && st.timer) {
      clearTimeout(st.timer);
      st.timer = undefined;
    }
  }

  /** Fills the hole before the lowest held message from the store, then delivers in order. */
  private async repair(conv: string, st: ConvState<T>): Promise<void> {
    if (st.repairing || st.held.size === 0 || this.closed) return;
    st.repairing = true;
    if (st.timer) { clearTimeout(st.timer); st.timer = undefined; }
    const lowest = Math.min(...st.held.keys());
    try {
      const missing = await this.opts.fetch(conv, st.next - 1, lowest, Math.min(this.opts.fetchMax, lowest - st.next));
      for (const m of missing) if (m.seq >= st.next && !st.held.has(m.seq)) st.held.set(m.seq, m);
    } catch (err) {
      this.opts.log.warn({ err, conv }, 'could not read missing messages from the store; delivering the later ones');
    } finally {
      st.repairing = false;
    }
    if (this.closed) return;
    this.drain(st);
    // Whatever is still missing (store unreachable, or more than fetchMax): skip it, never stall.
    if (st.held.size > 0 && !st.held.has(st.next)) {
      st.next = Math.min(...st.held.keys());
      this.drain(st);
    }
    if (st.held.size > 0) st.timer ??= setTimeout(() => { st.timer = undefined; void this.repair(conv, st); }, this.opts.reorderMs);
  }

  private evict(): void {
    while (this.convs.size > this.opts.maxConversations) {
      const [conv, st] = this.convs.entries().next().value!;
      if (st.timer) clearTimeout(st.timer);
      for (const m of [...st.held.values()].sort((a, b) => a.seq - b.seq)) this.opts.deliver(m);
      this.convs.delete(conv);
    }
  }
}
