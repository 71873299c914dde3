/**
 * Splits an inbound byte stream into lines. CR, LF or CRLF end a line (empty lines are
 * ignored), so input fed byte by byte yields exactly the same lines as input fed at once.
 *
 * Bounds: a line whose tag section exceeds MAX_TAG_BYTES or whose rest exceeds 510 bytes is
 * reported as `too_long` (ERR_INPUTTOOLONG) and dropped; bytes of an over-long line are
 * discarded as they arrive, so one line never holds more than MAX_TAG_BYTES + 512 bytes.
 * Lines that are not valid UTF-8 are reported as `bad_utf8` and never decoded lossily.
 *
 * Cost: every item, error or not, carries `bytes`, the bytes received for it (its line
 * ending included), and `pending` counts every byte received for the unfinished line,
 * discarded ones too. The connection charges both against its read queue, so neither
 * garbage lines nor an endless unterminated line are free to send.
 */
import { MAX_LINE_BYTES, MAX_TAG_BYTES } from './message.ts';

export type ReadItem = { line: string; bytes: number } | { error: 'too_long' | 'bad_utf8'; command: string; bytes: number };

const CR = 0x0d;
const LF = 0x0a;
const MAX_PARTIAL = MAX_TAG_BYTES + MAX_LINE_BYTES;
const decoder = new TextDecoder('utf-8', { fatal: true });

export class LineReader {
  private parts: Buffer[] = [];
  /** Bytes kept for the unfinished line (at most MAX_PARTIAL). */
  private partialBytes = 0;
  /** Bytes received for the unfinished line, discarded ones included. */
  private receivedBytes = 0;
  private discarding = false;

  /** Bytes received for the unfinished line so far, including those of an over-long line that were dropped. */
  get pending(): number {
    return this.receivedBytes;
  }

  /** Bytes held in memory for the unfinished line (never more than MAX_TAG_BYTES + 512). */
  get held(): number {
    return this.partialBytes;
  }

  /** Feeds bytes; returns the complete lines (or line errors) they finish. */
  push(chunk: Buffer): ReadItem[] {
    const out: ReadItem[] = [];
    let start = 0;
    // The OR of the line's bytes so far: below 0x80, the line is ASCII.
    let high = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b !== CR && b !== LF) {
        high |= b;
        continue;
      }
      if (high >= 0x80 || !this.ascii(chunk, start, i, out)) {
        this.take(chunk.subarray(start, i));
        this.finish(out);
      }
      start = i + 1;
      high = 0;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
    return out;
  }

  /**
   * The usual line: ASCII, within the bounds, and all in this chunk. It is read straight from
   * the chunk (ASCII is valid UTF-8 and reads the same as latin1): no view, no copy, no decoder.
   * False leaves the line to `take` and `finish` (a line begun in an earlier chunk, one with
   * a bound to report).
   */
  private ascii(chunk: Buffer, start: number, end: number, out: ReadItem[]): boolean {
    if (this.partialBytes !== 0 || this.discarding) return false;
    if (end === start) return true; // the LF of a CRLF, or an empty line: nothing
    let tagBytes = 0;
    if (chunk[start] === 0x40 /* @ */) {
      // Searched within the line only (indexOf would search the rest of the chunk for every
      // line: a chunk of space-less tagged lines would cost its length squared).
      let sp = start;
      while (sp < end && chunk[sp] !== 0x20) sp++;
      tagBytes = sp === end ? end - start : sp - start + 1;
    }
    if (tagBytes > MAX_TAG_BYTES || end - start - tagBytes > MAX_LINE_BYTES - 2) return false;
    out.push({ line: chunk.toString('latin1', start, end), bytes: end - start + 1 });
    return true;
  }

  private take(bytes: Buffer): void {
    this.receivedBytes += bytes.length;
    if (bytes.length === 0 || this.discarding) return;
    if (this.partialBytes + bytes.length > MAX_PARTIAL) {
      // Keep the start (for the command name in the error) and drop the rest as it comes.
      this.parts.push(bytes.subarray(0, Math.max(0, MAX_PARTIAL - this.partialBytes)));
      this.partialBytes = MAX_PARTIAL;
      this.discarding = true;
      return;
    }
    this.parts.push(Buffer.from(bytes));
    this.partialBytes += bytes.length;
  }

  private finish(out: ReadItem[]): void {
    if (this.partialBytes === 0 && !this.discarding) return;
    const buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    const discarded = this.discarding;
    // The line's cost: everything received for it, plus its line ending.
    const bytes = this.receivedBytes + 1;
    this.parts = [];
    this.partialBytes = 0;
    this.receivedBytes = 0;
    this.discarding = false;
    let tagBytes = 0;
    if (buf[0] === 0x40 /* @ */) {
      const sp = buf.indexOf(0x20);
      tagBytes = sp === -1 ? buf.length : sp + 1;
    }
    if (discarded || tagBytes > MAX_TAG_BYTES || buf.length - tagBytes > MAX_LINE_BYTES - 2) {
      out.push({ error: 'too_long', command: commandOf(buf, tagBytes), bytes });
      return;
    }
    let line: string;
    try {
      line = decoder.decode(buf);
    } catch {
      out.push({ error: 'bad_utf8', command: commandOf(buf, tagBytes), bytes });
      return;
    }
    out.push({ line, bytes });
  }
}

/** The command word of a raw line, for error replies (ASCII letters/digits only). */
function commandOf(buf: Buffer, tagBytes: number): string {
  let s = buf.subarray(tagBytes, tagBytes + 600).toString('latin1').replace(/^ +/, '');
  if (s.startsWith(':')) s = s.slice(s.indexOf(' ') + 1).replace(/^ +/, '');
  // Only a whole word counts: `PRIV\xffMSG` has no readable command (UTF8ONLY: `FAIL *`).
  const word = /^([A-Za-z0-9]{1,32})(?: |$)/.exec(s)?.[1];
  return word ? word.toUpperCase() : '*';
}
