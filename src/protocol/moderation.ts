/**
 * Room settings, lists and roles on the wire (docs/protocol.md, "Moderation"). One table maps
 * each to its IRC channel mode letter (docs/irc.md, "Channel modes"), so both transports and
 * the docs read the same names.
 */
import * as z from 'zod';
import { LIMITS } from './limits.ts';

/** Settings that are on or off. */
export const FLAG_SETTINGS = ['invite_only', 'moderated', 'secret', 'topic_lock', 'no_outside', 'registered_only'] as const;
/** Settings with a value: the join key (text), the member limit and slow mode (seconds); 0 / '' is off. */
export const VALUE_SETTINGS = ['key', 'limit', 'slow'] as const;
/** Lists of masks ("nick!user@host" globs, or "$a:account"). */
export const LIST_SETTINGS = ['ban', 'except', 'invex', 'mute'] as const;
/** Roles a member is given (the owner is the room's creator and cannot be given). */
export const ROLE_SETTINGS = ['op', 'voice'] as const;

export const ModeName = z.enum([...FLAG_SETTINGS, ...VALUE_SETTINGS, ...LIST_SETTINGS, ...ROLE_SETTINGS]);
export type ModeName = z.infer<typeof ModeName>;
export type ListName = (typeof LIST_SETTINGS)[number];

/** IRC mode letter of each setting (docs/irc.md explains the choice of +q and +W). */
export const MODE_LETTERS: Readonly<Record<ModeName, string>> = {
  invite_only: 'i', moderated: 'm', secret: 's', topic_lock: 't', no_outside: 'n', registered_only: 'R',
  key: 'k', limit: 'l', slow: 'W',
  ban: 'b', except: 'e', invex: 'I', mute: 'q',
  op: 'o', voice: 'v',
};

/** One change: `on` sets or adds, off clears or removes. `arg`: the key, limit, seconds, mask or member name. */
export const ModeChange = z.object({ mode: ModeName, on: z.boolean(), arg: z.string().max(LIMITS.maskMaxLength).optional() });
export type ModeChange = z.infer<typeof ModeChange>;

/** Most changes one `mode` request may carry (IRC MODES=). */
export const MAX_MODE_CHANGES = 6;

export const RoomRole = z.enum(['owner', 'op', 'voice']);
export type RoomRole = z.infer<typeof RoomRole>;

export const ListEntry = z.object({ mask: z.string(), by: z.string(), at: z.number() });
export type ListEntry = z.infer<typeof ListEntry>;

/**
 * A room's settings as shown to a user. `key` is shown only to members (and admins); the
 * lists are shown to members and admins, empty otherwise.
 */
export const RoomSettings = z.object({
  invite_only: z.boolean(), moderated: z.boolean(), secret: z.boolean(), topic_lock: z.boolean(), no_outside: z.boolean(),
  /** +R: only users logged in to an account may join. */
  registered_only: z.boolean(),
  key: z.string(), limit: z.number().int(), slow: z.number().int(),
  ban: z.array(ListEntry), except: z.array(ListEntry), invex: z.array(ListEntry), mute: z.array(ListEntry),
});
export type RoomSettings = z.infer<typeof RoomSettings>;

/** One line of the audit log: who did what to whom, where and when, and why. */
export const AuditEntry = z.object({
  ts: z.number(), actor: z.string(), action: z.string(), room: z.string().optional(),
  target: z.string().optional(), reason: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Changes as an IRC-style mode string and its parameters: [+m, -b x!*@*] -> { modes: '+m-b', args: ['x!*@*'] }. */
export function modeString(changes: readonly ModeChange[]): { modes: string; args: string[] } {
  let modes = '';
  let sign = '';
  const args: string[] = [];
  for (const c of changes) {
    const s = c.on ? '+' : '-';
    if (s !== sign) { modes += s; sign = s; }
    modes += MODE_LETTERS[c.mode];
    // -k and -l/-W take no parameter, as on IRC servers (a -k parameter is ignored).
    if (c.arg !== undefined && (c.on || (c.mode !== 'key' && c.mode !== 'limit' && c.mode !== 'slow'))) args.push(c.arg);
  }
  return { modes, args };
}

/** Letters of the list modes (asked for without a parameter, they list instead of changing). */
export const LIST_LETTERS: Readonly<Record<string, ListName>> = { b: 'ban', e: 'except', I: 'invex', q: 'mute' };

export interface ParsedModes {
  changes: ModeChange[];
  /** List letters given without a mask: show these lists. */
  lists: string[];
  /** Letters that are not modes. */
  unknown: string[];
  /** Letters that needed a parameter and had none. */
  missing: string[];
}

const NAME_BY_LETTER = new Map<string, ModeName>(Object.entries(MODE_LETTERS).map(([n, l]) => [l, n as ModeName]));

/**
 * An IRC-style mode string and its parameters ("+kl-b", ["key", "5", "x!*@*"]) as changes.
 * Lists and prefixes always take a parameter, the key too (ignored on -k), the limit and
 * slow mode only when set. At most MAX_MODE_CHANGES changes are kept. The IRC transport and
 * the terminal client's /mode read mode strings with this one parser.
 */
export function parseModeString(modes: string, args: readonly string[]): ParsedModes {
  const out: ParsedModes = { changes: [], lists: [], unknown: [], missing: [] };
  let on = true;
  let next = 0;
  for (const m of modes) {
    if (m === '+' || m === '-') { on = m === '+'; continue; }
    const mode = NAME_BY_LETTER.get(m);
    if (mode === undefined) { out.unknown.push(m); continue; }
    const takes = m in LIST_LETTERS || m === 'o' || m === 'v' || m === 'k' || (on && (m === 'l' || m === 'W'));
    let arg: string | undefined;
    if (takes) {
      arg = args[next++];
      if (arg === undefined) {
        if (m in LIST_LETTERS) { if (!out.lists.includes(m)) out.lists.push(m); continue; }
        if (m !== 'k' || on) { out.missing.push(m); continue; }
      }
    }
    if (out.changes.length >= MAX_MODE_CHANGES) continue;
    out.changes.push(arg === undefined || (m === 'k' && !on) ? { mode, on } : { mode, on, arg });
  }
  return out;
}
