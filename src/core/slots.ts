/**
 * At most `size` jobs at once; more wait their turn, first come first served.
 *
 * A finishing job hands its slot straight to the next waiter (the count is not lowered and
 * raised again): lowering it first would let a caller that runs between the hand-over and
 * the waiter's resumption (a microtask already queued) take the freed slot too, so that one
 * more job than `size` ran at once. Used by image processing (sharp) and video poster frames
 * (ffmpeg), where one more job means one more busy core.
 */
export class Slots {
  private readonly size: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`slots: size must be a positive integer, got ${size}`);
    this.size = size;
  }

  /** Jobs running now (never more than `size`). */
  get busy(): number {
    return this.running;
  }

  /** Jobs waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
