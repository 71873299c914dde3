/**
 * Message text normalisation shared by every transport. Newlines are allowed (multi-line
 * messages); CR is dropped ("\r\n" -> "\n"); other C0/C1 control characters and lone
 * surrogates are refused so nothing invisible or line-breaking reaches other clients.
 */
import { LIMITS } from './limits.ts';

export type TextProblem = 'empty' | 'too_long' | 'control_chars';

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

export function normalizeText(raw: string, max: number = LIMITS.textMaxLength): { text: string } | { problem: TextProblem } {
  const text = raw.replace(/\r\n?/g, '\n');
  if (text.trim().length === 0) return { problem: 'empty' };
  if (text.length > max) return { problem: 'too_long' };
  if (FORBIDDEN.test(text) || !text.isWellFormed()) return { problem: 'control_chars' };
  return { text };
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
// eslint-disable-next-line no-control-regex
const LINE_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/g;

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
