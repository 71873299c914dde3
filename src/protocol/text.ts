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
