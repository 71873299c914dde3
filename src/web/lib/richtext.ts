/**
 * Splits message text into plain runs, links and mentions of the reader's name. The result
 * is rendered as text nodes and <a>/<mark> elements, never as HTML, so markup in a message
 * shows exactly as typed.
 */

export type Token =
  | { t: 'text'; s: string }
  | { t: 'link'; s: string; href: string }
  | { t: 'mention'; s: string };

/** http(s) URLs only; other schemes (javascript:, data:) stay plain text. */
const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Characters that may appear in a user name (src/protocol/names.ts). */
const NAME_CHAR = 'A-Za-z0-9_\\-\\[\\]\\\\^{}|';

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

/** A matcher for `name` as a whole word, optionally prefixed with @ (case-insensitive). */
export function mentionRe(name: string): RegExp {
  return new RegExp(`(?<![${NAME_CHAR}@])@?${escapeRe(name)}(?![${NAME_CHAR}])`, 'gi');
}

export function mentions(text: string, name: string): boolean {
  if (!name) return false;
  return mentionRe(name).test(text);
}

/** Returns a safe href for an http(s) URL, or undefined. Trailing punctuation is not part of a link. */
function linkOf(raw: string): { s: string; href: string } | undefined {
  let s = raw.replace(/[.,;:!?]+$/, '');
  // A closing bracket belongs to the URL only when the URL also opened one.
  while (/[)\]}]$/.test(s)) {
    const close = s.at(-1)!;
    const open = close === ')' ? '(' : close === ']' ? '[' : '{';
    if (s.split(open).length >= s.split(close).length) break;
    s = s.slice(0, -1);
  }
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return { s, href: u.href };
  } catch {
    return undefined;
  }
}

function splitMentions(text: string, me: string, out: Token[]): void {
  if (!me || text === '') {
    if (text) out.push({ t: 'text', s: text });
    return;
  }
  const re = mentionRe(me);
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push({ t: 'text', s: text.slice(last, m.index) });
    out.push({ t: 'mention', s: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ t: 'text', s: text.slice(last) });
}

export function tokenize(text: string, me: string): Token[] {
  const out: Token[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const link = linkOf(m[0]);
    if (!link) continue;
    splitMentions(text.slice(last, m.index), me, out);
    out.push({ t: 'link', ...link });
    last = m.index + link.s.length;
  }
  splitMentions(text.slice(last), me, out);
  return out;
}
