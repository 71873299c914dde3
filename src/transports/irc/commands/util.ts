import { MAX_TARGETS } from '../isupport.ts';
import type { IrcMessage } from '../message.ts';

/** A client-only tag name as the core accepts it (protocol ClientTags). */
const CLIENT_TAG = /^\+[A-Za-z0-9][A-Za-z0-9./-]{0,99}$/;

/** The client-only (+) tags of a line; other tags a client sends are never relayed. */
export function clientTags(msg: Pick<IrcMessage, 'tags'>): Record<string, string> | undefined {
  if (!msg.tags) return undefined;
  const out = Object.fromEntries(Object.entries(msg.tags).filter(([k]) => CLIENT_TAG.test(k)));
  return Object.keys(out).length ? out : undefined;
}

/** Comma-separated targets, at most TARGMAX of them. */
export function targets(s: string): string[] {
  // One target, the common case: no split and filter per line.
  if (!s.includes(',')) return s === '' ? [] : [s];
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
 * Whether `s` matches the IRC mask `mask` (`*`, `?`): the core's linear glob
 * (src/core/moderation.ts), which also matches ban and mute masks, never a regular expression.
 */
export { globMatch } from '../../../core/moderation.ts';
