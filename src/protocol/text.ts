/**
 * Message text normalisation shared by every transport. Newlines are allowed (multi-line
 * messages, at most LIMITS.textMaxLines lines; the server carries raw text, clients render
 * the Markdown subset of docs/protocol.md); CR is dropped ("\r\n" -> "\n"); other C0/C1 control characters and lone
 * surrogates are refused so nothing invisible or line-breaking reaches other clients.
 */
import { LIMITS } from './limits.ts';

export type TextProblem = 'empty' | 'too_long' | 'too_many_lines' | 'control_chars';

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** The stable error code of a text problem (every transport and command answers the same). */
export function textProblemCode(p: TextProblem): 'TEXT_EMPTY' | 'TEXT_TOO_LONG' | 'TEXT_TOO_MANY_LINES' | 'TEXT_INVALID' {
  return p === 'empty' ? 'TEXT_EMPTY' : p === 'too_long' ? 'TEXT_TOO_LONG' : p === 'too_many_lines' ? 'TEXT_TOO_MANY_LINES' : 'TEXT_INVALID';
}

/** Lines of a normalised text (1 + its newlines). */
export function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

export function normalizeText(raw: string, max: number = LIMITS.textMaxLength, maxLines: number = LIMITS.textMaxLines): { text: string } | { problem: TextProblem } {
  const text = raw.replace(/\r\n?/g, '\n');
  if (text.trim().length === 0) return { problem: 'empty' };
  if (text.length > max) return { problem: 'too_long' };
  if (lineCount(text) > maxLines) return { problem: 'too_many_lines' };
  if (FORBIDDEN.test(text) || !text.isWellFormed()) return { problem: 'control_chars' };
  return { text };
}

/**
 * Characters that change the order of the text around them (bidi embeddings, overrides,
 * isolates and marks) or that take no visible space (zero-width space, word joiner,
 * invisible operators, byte order mark, soft hyphen, Hangul fillers, tag characters …).
 * They are refused in names (names.ts) and shown as visible markers by the terminal client;
 * the web client isolates user text instead (see docs/security.md).
 *
 * ZWNJ and ZWJ (U+200C, U+200D) are not listed: Persian, Indic scripts and emoji sequences
 * need them in text, and they reorder nothing. Names refuse them anyway (ASCII only).
 */
const BIDI_CONTROLS = '\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069';
const INVISIBLE = '\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\u{1d173}-\u{1d17a}\u{e0000}-\u{e007f}';
// The class lists single code points on purpose (U+034F is a combining mark, matched alone).
// eslint-disable-next-line no-misleading-character-class
const HIDDEN = new RegExp(`[${BIDI_CONTROLS}${INVISIBLE}]`, 'u');
// eslint-disable-next-line no-misleading-character-class
const HIDDEN_ALL = new RegExp(HIDDEN.source, 'gu');

/** The first bidi control or invisible character in `s`, if any. */
export function findHiddenChar(s: string): string | undefined {
  return HIDDEN.exec(s)?.[0];
}

/** "U+202E" for a character. */
export function codePointLabel(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Replaces every bidi control and invisible character with a visible marker such as `<U+202E>`. */
export function revealHiddenChars(s: string): string {
  return s.replace(HIDDEN_ALL, (ch) => `<${codePointLabel(ch)}>`);
}

// ---------------------------------------------------------------- one-line strings shown to others

/** Tab, line breaks (CR, LF, VT, FF, NEL, U+2028/9) and spaces: each run becomes one space. */
const LINE_SPACE = /[\t\n\v\f\r \u0085\u2028\u2029]+/g;

/**
 * Characters removed from a one-line string: the remaining C0 and C1 controls (IRC bold and
 * colour codes among them), bidi embeddings, overrides, isolates and marks (they can reorder
 * the text around the string, "RLO" tricks), and invisible format characters (zero-width
 * space, word joiner, invisible operators, BOM, interlinear annotation). Zero-width joiner
 * and non-joiner stay: scripts and emoji sequences need them.
 */
// The same hidden-character set as names and the terminal client use (BIDI_CONTROLS, INVISIBLE).
// eslint-disable-next-line no-misleading-character-class
const LINE_UNSAFE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${BIDI_CONTROLS}${INVISIBLE}]`, 'gu');

/** A UTF-16 surrogate without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Reasons (part, kick, quit, close) are cut to this many characters. */
export const REASON_MAX_LENGTH = LIMITS.awayMaxLength;

/**
 * The one sanitiser for free text a client chooses that other users see on one line: part,
 * kick and quit reasons, WebSocket close reasons, IRC real names, away messages, topics.
 * Line breaks and tabs become spaces and runs of spaces collapse to one; control, bidi and
 * invisible format characters and lone surrogates are removed; the result is trimmed and
 * cut to `max` UTF-16 code units without splitting a surrogate pair. It never fails: what is
 * left may be empty. Unlike `normalizeText` (message text, where a control character is
 * refused) this strips, because these strings are short labels rather than content.
 */
export function sanitizeLine(raw: string, max: number): string {
  let s = raw.replace(LINE_SPACE, ' ').replace(LINE_UNSAFE, '').replace(LONE_SURROGATE, '').replace(/ {2,}/g, ' ').trim();
  if (s.length > max) {
    const cut = /[\ud800-\udbff]/.test(s[max - 1] ?? '') ? max - 1 : max;
    s = s.slice(0, cut).trimEnd();
  }
  return s;
}

/**
 * A quit reason the client chose (IRC `QUIT`, a WebSocket close reason) as others see it:
 * `Quit: <reason>`, or `Quit` when nothing is left of it, as IRC servers do, so a client
 * can never pass its departure off as a server's ("Ping timeout", "Excess flood", "Killed").
 */
export function clientQuitReason(raw: string): string {
  const reason = sanitizeLine(raw, REASON_MAX_LENGTH);
  return reason === '' ? 'Quit' : `Quit: ${reason}`;
}
