/**
 * Message features beyond send-and-forget (docs/protocol.md, "Edits, deletions, reactions,
 * threads, mentions"): the shapes a message carries about its later changes, and the rules
 * every side shares so that a client highlights exactly what the server counts (mentions)
 * and refuses what the server refuses (reaction emoji, line counts).
 */
import * as z from 'zod';
import { LIMITS } from './limits.ts';
import { findHiddenChar } from './text.ts';
import { foldName } from './names.ts';

/** What a `message_update` event did to its message. */
export const UpdateAction = z.enum(['edit', 'delete', 'react', 'unreact']);
export type UpdateAction = z.infer<typeof UpdateAction>;

/**
 * One emoji on a message: how many reacted with it and who (display names at the time of
 * reacting, oldest first, at most LIMITS.reactionNamesMax of them: `count` is the truth).
 */
export const Reaction = z.object({ emoji: z.string(), count: z.number().int().min(1), by: z.array(z.string()) });
export type Reaction = z.infer<typeof Reaction>;

/** A previous text of an edited message (moderators only: `edits`). */
export const EditVersion = z.object({ text: z.string(), ts: z.number(), replacedAt: z.number() });
export type EditVersion = z.infer<typeof EditVersion>;

const SHORTCODE = /^:[a-z0-9_+-]{1,30}:$/;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Whether `s` is an acceptable reaction: one grapheme that is an emoji (a pictograph,
 * possibly a ZWJ sequence or with a skin tone, a flag, or a keycap), or a
 * `:shortcode:` of lower-case letters, digits, `_`, `+` and `-`; at most
 * LIMITS.emojiMaxLength UTF-16 code units; no control, bidi or invisible characters.
 */
export function isReactionEmoji(s: string): boolean {
  if (s.length === 0 || s.length > LIMITS.emojiMaxLength || !s.isWellFormed()) return false;
  if (SHORTCODE.test(s)) return true;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\s]/u.test(s) || findHiddenChar(s) !== undefined) return false;
  if ([...graphemes.segment(s)].length !== 1) return false;
  return /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u.test(s);
}

// A name as user names are spelled (names.ts NAME_RE), after an '@' that does not follow a
// word character or another '@' (so e-mail addresses are not mentions).
const MENTION = /(?<![\p{L}\p{N}_@])@([A-Za-z_[\]\\^{}|][A-Za-z0-9_[\]\\^{}|-]*)/gu;

/**
 * The mentions in a message text, as the server stores them and clients highlight them:
 * folded names of `@name` (distinct, in order, at most LIMITS.mentionsPerMessageMax, each at
 * most LIMITS.nameMaxLength long), and `room: true` for `@room` or its alias `@here` (Banter
 * rooms hold only connected users, so "everyone here" is everyone in the room). Whether
 * `room` counts is the server's decision (operators and owners only).
 */
export function parseMentions(text: string): { names: string[]; room: boolean } {
  const names: string[] = [];
  let room = false;
  // Most messages mention no one: no regular expression over them (it runs for every message).
  if (!text.includes('@')) return { names, room };
  for (const m of text.matchAll(MENTION)) {
    const name = m[1]!;
    const folded = foldName(name);
    if (folded === 'room' || folded === 'here') { room = true; continue; }
    if (name.length > LIMITS.nameMaxLength || names.includes(folded)) continue;
    if (names.length < LIMITS.mentionsPerMessageMax) names.push(folded);
  }
  return { names, room };
}
