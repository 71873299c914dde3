import { MAX_TARGETS } from '../isupport.ts';

/** Comma-separated targets, at most TARGMAX of them. */
export function targets(s: string): string[] {
  return s.split(',').filter((t) => t !== '').slice(0, MAX_TARGETS);
}

// eslint-disable-next-line no-control-regex
const FORMATTING = /\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?|[\x00-\x08\x0a-\x1f\x7f]/g;

/**
 * IRC formatting (bold, colours, reset, …) and other control characters removed: web users
 * would see them as garbage, and the core refuses control characters in text.
 */
export function stripFormatting(s: string): string {
  return s.replace(FORMATTING, '');
}

/** A CTCP payload (`\x01VERB args\x01`), or undefined for plain text. */
export function ctcp(text: string): { verb: string; args: string } | undefined {
  if (!text.startsWith('\x01')) return undefined;
  const body = text.endsWith('\x01') ? text.slice(1, -1) : text.slice(1);
  const sp = body.indexOf(' ');
  return sp === -1 ? { verb: body.toUpperCase(), args: '' } : { verb: body.slice(0, sp).toUpperCase(), args: body.slice(sp + 1) };
}

/**
 * Whether `s` matches the IRC mask `mask` (`*`: any run, `?`: one character, everything else
 * literal). Linear two-pointer matching that backtracks only to the last `*`, so at worst
 * O(|mask|·|s|): a mask is client input, and a regular expression built from `*a*a*a…` would
 * backtrack exponentially and stall the event loop for everyone.
 */
export function globMatch(mask: string, s: string): boolean {
  let p = 0;
  let i = 0;
  let star = -1;
  let mark = 0;
  while (i < s.length) {
    const m = mask[p];
    if (m === '*') {
      star = p++;
      mark = i;
    } else if (m !== undefined && (m === '?' || m === s[i])) {
      p++;
      i++;
    } else if (star !== -1) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (mask[p] === '*') p++;
  return p === mask.length;
}
