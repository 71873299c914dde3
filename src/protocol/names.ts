/**
 * User and room name rules, shared by every transport so that a name valid on the web is
 * valid on IRC too.
 *
 * Casemapping is ASCII (IRC ISUPPORT `CASEMAPPING=ascii`): only A–Z fold to a–z. The
 * rfc1459 mapping ([]\^ ≡ {}|~) surprises web users, and ascii is what modern servers use.
 */
import { LIMITS } from './limits.ts';
import { findHiddenChar } from './text.ts';

const NAME_RE = /^[A-Za-z_[\]\\^{}|][A-Za-z0-9_[\]\\^{}|-]*$/;
const ROOM_RE = /^#[A-Za-z0-9_\-.[\]^{}|]+$/;

/** Names held by the server itself (service users and words clients might be confused by). */
export const RESERVED_NAMES: readonly string[] = ['calc', 'server', 'system', 'nickserv', 'chanserv', 'admin', 'banter'];

const UPPER = /[A-Z]/g;
const lower = (c: string): string => c.toLowerCase();

/**
 * The ASCII casefold of a name. A name with no capital is returned as it is, without a regular
 * expression: it runs several times per message (targets, conversation keys, the fan-out's
 * checks) and was 2.3 % of the main thread at 12,800 messages/s.
 */
export function foldName(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) return name.replace(UPPER, lower);
  }
  return name;
}

export type NameProblem = 'empty' | 'too_long' | 'bad_first_char' | 'hidden_chars' | 'bad_chars' | 'reserved';

/** Returns why `name` is not a valid user name, or null when it is valid. */
export function checkUserName(name: string): NameProblem | null {
  if (name.length === 0) return 'empty';
  if (name.length > LIMITS.nameMaxLength) return 'too_long';
  if (/^[0-9-]/.test(name)) return 'bad_first_char';
  // Checked before the alphabet so that the reason names the real problem.
  if (findHiddenChar(name) !== undefined || /[\u200c\u200d]/.test(name)) return 'hidden_chars';
  if (!NAME_RE.test(name)) return 'bad_chars';
  if (RESERVED_NAMES.includes(foldName(name))) return 'reserved';
  return null;
}

export function describeNameProblem(p: NameProblem): string {
  switch (p) {
    case 'empty': return 'name must not be empty';
    case 'too_long': return `name must be at most ${LIMITS.nameMaxLength} characters`;
    case 'bad_first_char': return 'name must not start with a digit or "-"';
    case 'hidden_chars': return 'name must not contain invisible or text-direction characters (such as U+202E RIGHT-TO-LEFT OVERRIDE or U+200B ZERO WIDTH SPACE)';
    case 'bad_chars': return 'name may only contain letters A-Z, digits and - _ [ ] \\ ^ { } |';
    case 'reserved': return 'name is reserved by the server';
  }
}

export function isRoomName(s: string): boolean {
  return s.length >= 2 && s.length <= LIMITS.roomMaxLength && ROOM_RE.test(s);
}

export const LOBBY = '#lobby';

/**
 * A "skeleton" for spotting lookalike names (in the spirit of Unicode UTS #39). Names are
 * ASCII-only, so Cyrillic or Greek homoglyphs are already refused as invalid; what remains
 * are ASCII lookalikes: I/l/1/| (and i, since names compare case-insensitively and I is
 * i's capital), O/0, rn/m, vv/w. Two different names with the same skeleton would let one
 * user impersonate another.
 */
export function nameSkeleton(name: string): string {
  return name
    .toLowerCase()
    .replace(/[il1|]/g, 'l')
    .replace(/0/g, 'o')
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w');
}

/**
 * The mention of everyone in a room, as it appears in `ChatMessage.mentions` (no folded name
 * starts with '@'). Here, not in features.ts, so that the stores (the SQLite worker thread
 * included) use it without loading zod.
 */
export const ROOM_MENTION = '@room';
