/**
 * Splits message text into plain runs, links and mentions of the reader's name. The result
 * is rendered as text nodes and <a>/<mark> elements, never as HTML, so markup in a message
 * shows exactly as typed.
 *
 * A hand-written scanner rather than regular expressions, so that the work is linear in the
 * text whatever it contains (a regex over `[.,;:!?]+$` or a bracket-balancing loop with
 * `split` are quadratic on a URL followed by thousands of dots or brackets). Each character
 * is looked at a bounded number of times: once by the URL scan, at most twice more while
 * trimming a link's end and once by `new URL` for a candidate, and at most
 * (name length + 1) times by the mention scan. Callers may pass a `Meter` to count the work
 * (test/web/richtext.test.ts checks that it grows linearly).
 */
import { foldName } from '../../protocol/names.ts';

export type Token =
  | { t: 'text'; s: string }
  | { t: 'link'; s: string; href: string }
  | { t: 'mention'; s: string };

/** Counts character visits, so that tests can check the work done without timing it. */
export interface Meter { steps: number }

/** Characters a link never contains: whitespace (as JS `\s`) and < > " ' `. */
function endsUrl(c: number): boolean {
  if (c === 0x3c || c === 0x3e || c === 0x22 || c === 0x27 || c === 0x60) return true;
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029
    || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** ASCII word characters (what `\b` looks at). */
function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/** Characters that may appear in a user name (src/protocol/names.ts): A-Z a-z 0-9 _ - [ ] \ ^ { } |. */
function isNameChar(c: number): boolean {
  return isWordChar(c) || c === 0x2d || c === 0x5b || c === 0x5d || c === 0x5c || c === 0x5e || c === 0x7b || c === 0x7d || c === 0x7c;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** Does `word` (lower-case ASCII) occur at `i`, compared case-insensitively? */
function startsWithAt(text: string, i: number, word: string, meter: Meter): boolean {
  if (i + word.length > text.length) return false;
  for (let k = 0; k < word.length; k++) {
    meter.steps++;
    if (lower(text.charCodeAt(i + k)) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** End of the URL candidate starting at `i` (`\bhttps?://` then at least one URL character), or -1. */
function urlAt(text: string, i: number, meter: Meter): number {
  if (lower(text.charCodeAt(i)) !== 0x68 /* h */ || (i > 0 && isWordChar(text.charCodeAt(i - 1)))) return -1;
  let j: number;
  if (startsWithAt(text, i, 'http://', meter)) j = i + 7;
  else if (startsWithAt(text, i, 'https://', meter)) j = i + 8;
  else return -1;
  const start = j;
  while (j < text.length && !endsUrl(text.charCodeAt(j))) {
    meter.steps++;
    j++;
  }
  return j > start ? j : -1;
}

const TRAILING_PUNCTUATION = '.,;:!?';
const OPENER: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** The link in text[start, end): trailing punctuation and unbalanced closing brackets dropped; http(s) only. */
function linkAt(text: string, start: number, end: number, meter: Meter): { s: string; href: string } | undefined {
  let e = end;
  while (e > start && TRAILING_PUNCTUATION.includes(text[e - 1]!)) {
    meter.steps++;
    e--;
  }
  // A closing bracket belongs to the URL only when the URL also opened one.
  const count: Record<string, number> = { '(': 0, ')': 0, '[': 0, ']': 0, '{': 0, '}': 0 };
  for (let k = start; k < e; k++) {
    meter.steps++;
    const ch = text[k]!;
    if (ch in count) count[ch]!++;
  }
  while (e > start) {
    const close = text[e - 1]!;
    const open = OPENER[close];
    if (open === undefined || count[open]! >= count[close]!) break;
    meter.steps++;
    count[close]!--;
    e--;
  }
  const s = text.slice(start, e);
  meter.steps += s.length; // URL parsing is linear in its input
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return { s, href: u.href };
  } catch {
    return undefined;
  }
}

/**
 * The mentions of `name` in `text`, as [start, end) ranges: the name as a whole word
 * (no name character on either side), optionally prefixed with @, ASCII case-insensitively.
 */
function findMentions(text: string, name: string, meter: Meter): [number, number][] {
  const found: [number, number][] = [];
  if (!name) return found;
  const word = foldName(name);
  const wholeAt = (i: number): boolean => startsWithAt(text, i, word, meter)
    && (i + word.length >= text.length || !isNameChar(text.charCodeAt(i + word.length)));
  let i = 0;
  while (i < text.length) {
    meter.steps++;
    const before = i > 0 ? text.charCodeAt(i - 1) : -1;
    if (before === -1 || (!isNameChar(before) && before !== 0x40 /* @ */)) {
      const at = text.charCodeAt(i) === 0x40 ? 1 : 0;
      if (wholeAt(i + at)) {
        found.push([i, i + at + word.length]);
        i += at + word.length;
        continue;
      }
    }
    i++;
  }
  return found;
}

export function mentions(text: string, name: string): boolean {
  return findMentions(text, name, { steps: 0 }).length > 0;
}

function splitMentions(text: string, me: string, out: Token[], meter: Meter): void {
  let last = 0;
  for (const [a, b] of findMentions(text, me, meter)) {
    if (a > last) out.push({ t: 'text', s: text.slice(last, a) });
    out.push({ t: 'mention', s: text.slice(a, b) });
    last = b;
  }
  if (last < text.length) out.push({ t: 'text', s: text.slice(last) });
}

export function tokenize(text: string, me: string, meter: Meter = { steps: 0 }): Token[] {
  const out: Token[] = [];
  let last = 0;
  let i = 0;
  while (i < text.length) {
    meter.steps++;
    const end = urlAt(text, i, meter);
    if (end === -1) {
      i++;
      continue;
    }
    const link = linkAt(text, i, end, meter);
    if (link) {
      splitMentions(text.slice(last, i), me, out, meter);
      out.push({ t: 'link', ...link });
      last = i + link.s.length;
    }
    i = end;
  }
  splitMentions(text.slice(last), me, out, meter);
  return out;
}
