/**
 * Moderation rules: one place, every transport (docs/security.md, "Moderation").
 *
 * - **Roles** belong to principals (owner.ts), never to bare names: the room's owner is its
 *   creator (`RoomEntry.creator`); operators and voiced members are principals an owner or
 *   operator named. A guest's role dies with its session; an account's persists.
 *   Rank: admin > owner > op > voice > member. Each acts only on roles below its own.
 * - **Settings** (invite-only, key, limit, moderated, secret, topic lock, no outside
 *   messages, registered users only, slow mode) and **lists** (ban, ban exception, invite exception, mute) are
 *   changed only by facts (`room_mode`), so every node converges.
 * - **Masks** are "nick!user@host" globs (`*`, `?`), matched case-insensitively without
 *   regular expressions (no backtracking blow-up), or `$a:account` for an account.
 */
import {
  checkUserName, foldName, LIMITS, type ListEntry, type ListName, type ModeChange, type RoomRole, type RoomSettings,
} from '../protocol/index.ts';
import type { RoomEntry, UserEntry } from './directory.ts';
import { ChatError } from './errors.ts';

/** The host part of every user mask: addresses are cloaked (the IRC transport shows the same). */
export const MASK_HOST = 'banter';
/** The user part of a mask is cut to this (IRC USERLEN). */
export const MASK_USERLEN = 10;
/** Default of rooms.maxListEntries: entries per ban/exception/invite/mute list, and pending invites per room. */
export const DEFAULT_MAX_LIST_ENTRIES = 100;
/** Longest slow-mode interval (one day). */
export const MAX_SLOW_SECONDS = 86_400;

export interface RoomMod {
  inviteOnly: boolean;
  moderated: boolean;
  secret: boolean;
  topicLock: boolean;
  noOutside: boolean;
  registeredOnly: boolean;
  key: string;
  limit: number;
  slow: number;
  lists: Record<ListName, ListEntry[]>;
  /** Principal -> role an owner or operator gave (the owner itself is `RoomEntry.creator`). */
  roles: Map<string, 'op' | 'voice'>;
  /**
   * Principals voiced on top of a higher role (an operator or the owner given +v): they keep
   * their voice when they lose operator status, and IRC multi-prefix shows both (`@+`).
   */
  alsoVoiced: Set<string>;
  /** Principals invited and not yet joined, oldest first (bounded by the list limit). */
  invited: Set<string>;
  /** Folded member name -> when they last spoke (ms), for slow mode; forgotten when they leave. */
  lastSpoke: Map<string, number>;
  /** When a setting, list or role last changed here (ms; 0: never): the newer state wins a cluster resync. */
  changedAt: number;
}

export function defaultMod(): RoomMod {
  return {
    inviteOnly: false, moderated: false, secret: false, topicLock: false, noOutside: true, registeredOnly: false,
    key: '', limit: 0, slow: 0, lists: { ban: [], except: [], invex: [], mute: [] },
    roles: new Map(), alsoVoiced: new Set(), invited: new Set(), lastSpoke: new Map(), changedAt: 0,
  };
}

const DEFAULTS = defaultMod();

/** The room's moderation state, created on first write. */
export function modOf(room: RoomEntry): RoomMod {
  return (room.mod ??= defaultMod());
}

/** The room's moderation state for reading (the defaults when nothing was ever set). */
export function readMod(room: RoomEntry): RoomMod {
  return room.mod ?? DEFAULTS;
}

// ------------------------------------------------------------------ roles

const RANK: Record<RoomRole | 'member' | 'admin', number> = { admin: 4, owner: 3, op: 2, voice: 1, member: 0 };

export function roleOf(room: RoomEntry, user: UserEntry | undefined): RoomRole | undefined {
  if (!user) return undefined;
  if (room.creator !== '' && room.creator === user.principal) return 'owner';
  return room.mod?.roles.get(user.principal);
}

/** Whether the user holds voice in the room, as their role or on top of a higher one. */
export function hasVoice(room: RoomEntry, user: UserEntry | undefined): boolean {
  if (!user) return false;
  const m = readMod(room);
  return m.roles.get(user.principal) === 'voice' || m.alsoVoiced.has(user.principal);
}

/** A user's rank in a room; server admins outrank every room role. */
export function rankOf(room: RoomEntry, user: UserEntry | undefined, admin: boolean): number {
  if (admin) return RANK.admin;
  return RANK[roleOf(room, user) ?? 'member'];
}

export const RANK_OP = RANK.op;
export const RANK_VOICE = RANK.voice;
export const RANK_OWNER = RANK.owner;

/** Whether `user` is a server administrator: logged in to an account listed in `admins` (folded). */
export function isAdmin(admins: readonly string[] | undefined, user: UserEntry | undefined): boolean {
  return user?.account !== undefined && (admins ?? []).includes(foldName(user.account));
}

// ------------------------------------------------------------------ masks

/** The mask a user is matched by: "nick!~user@banter" (user: the IRC username, or the name). */
export function userMask(name: string, ident?: string): string {
  return `${name}!~${(ident ?? name).slice(0, MASK_USERLEN)}@${MASK_HOST}`;
}

/** Who is being checked: the directory entry and the mask of the connection. */
export interface Who {
  user: UserEntry;
  mask: string;
  admin: boolean;
}

/**
 * A mask as stored: `$a:<account>` (the name checked and folded), or a nick!user@host glob
 * completed as IRC servers do ("bob" -> "bob!*@*", "x@y" -> "*!x@y"). Undefined when malformed.
 */
export function normalizeMask(raw: string): string | undefined {
  const s = raw.trim();
  if (s === '' || s.length > LIMITS.maskMaxLength) return undefined;
  if (s.startsWith('$a:')) {
    const acct = s.slice(3);
    return checkUserName(acct) === null ? `$a:${foldName(acct)}` : undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s,\x00-\x1f\x7f]/.test(s)) return undefined;
  let full = s;
  if (!s.includes('!') && !s.includes('@')) full = `${s}!*@*`;
  else if (!s.includes('!')) full = `*!${s}`;
  else if (!s.includes('@')) full = `${s}@*`;
  const m = /^([^!@]+)!([^!@]+)@([^!@]+)$/.exec(full);
  return m ? foldName(full) : undefined;
}

/** Glob match with `*` and `?`, linear in practice (the classic two-pointer algorithm, no regex). */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0, t = 0, star = -1, mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) { p++; t++; }
    else if (p < pattern.length && pattern[p] === '*') { star = p++; mark = t; }
    else if (star !== -1) { p = star + 1; t = ++mark; }
    else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

export function maskMatches(stored: string, who: Pick<Who, 'user' | 'mask'>): boolean {
  if (stored.startsWith('$a:')) return who.user.account !== undefined && foldName(who.user.account) === stored.slice(3);
  return globMatch(stored, foldName(who.mask));
}

function onList(room: RoomEntry, list: ListName, who: Pick<Who, 'user' | 'mask'>): boolean {
  return readMod(room).lists[list].some((e) => maskMatches(e.mask, who));
}

/** Banned (+b) with no matching exception (+e). */
export function isBanned(room: RoomEntry, who: Pick<Who, 'user' | 'mask'>): boolean {
  return onList(room, 'ban', who) && !onList(room, 'except', who);
}

/** Muted (+q) with no matching exception (+e). */
export function isMuted(room: RoomEntry, who: Pick<Who, 'user' | 'mask'>): boolean {
  return onList(room, 'mute', who) && !onList(room, 'except', who);
}

// ------------------------------------------------------------------ the rules

/**
 * Why `who` may not join, or undefined. An invitation lets one in past +i, +k, +l and +b
 * (an operator chose to); an invite exception (+I) only past +i. Admins, the owner and
 * operators (an account's role outlives its stay in the room) are never refused.
 */
export function joinRefusal(room: RoomEntry, who: Who, key: string | undefined): ChatError | undefined {
  if (rankOf(room, who.user, who.admin) >= RANK.op) return undefined;
  const mod = readMod(room);
  if (mod.invited.has(who.user.principal)) return undefined;
  if (isBanned(room, who)) return new ChatError('BANNED_FROM_ROOM', `you are banned from ${room.name}`);
  if (mod.registeredOnly && who.user.account === undefined) return new ChatError('ROOM_REGISTERED_ONLY', `${room.name} is for registered users only: register your name or log in to your account`);
  if (mod.inviteOnly && !onList(room, 'invex', who)) return new ChatError('ROOM_INVITE_ONLY', `${room.name} is invite-only: ask an operator to invite you`);
  if (mod.key !== '' && key !== mod.key) return new ChatError('ROOM_KEY_REQUIRED', key === undefined || key === '' ? `${room.name} needs a key to join` : `wrong key for ${room.name}`);
  if (mod.limit > 0 && room.members.size >= mod.limit) return new ChatError('ROOM_FULL', `${room.name} is full (limit ${mod.limit})`);
  return undefined;
}

/**
 * Why `who` may not be heard in the room at all, or undefined: not a member (+n), banned,
 * muted, or unvoiced in a moderated room. The same rule silences every side channel into the
 * room (typing notifications; the topic), not only messages. Operators and admins always may.
 */
export function silenced(room: RoomEntry, who: Who): ChatError | undefined {
  const rank = rankOf(room, who.user, who.admin);
  if (rank >= RANK.op) return undefined;
  const mod = readMod(room);
  const member = room.members.has(who.user.folded);
  if (!member && mod.noOutside) return new ChatError('NOT_IN_ROOM', `you are not in ${room.name}`);
  if (isBanned(room, who)) return new ChatError('BANNED_FROM_ROOM', `you are banned from ${room.name}`);
  if (isMuted(room, who)) return new ChatError('MUTED', `you are muted in ${room.name}`);
  if (mod.moderated && rank < RANK.voice) return new ChatError('ROOM_MODERATED', `${room.name} is moderated: only voiced members and operators may speak`);
  return undefined;
}

/**
 * A room the user is in where they are banned or muted, if any: there they may not change
 * their name either (renaming is seen by the whole room; IRC servers refuse it the same way,
 * 435), so a rename cannot carry what a mute withholds.
 */
export function nickLockedIn(rooms: Iterable<RoomEntry>, who: Who): RoomEntry | undefined {
  for (const room of rooms) {
    if (rankOf(room, who.user, who.admin) >= RANK.op) continue;
    if (isBanned(room, who) || isMuted(room, who)) return room;
  }
  return undefined;
}

/** Why `who` may not send to the room now, or undefined: `silenced`, or slow mode. Operators and admins always may. */
export function speakRefusal(room: RoomEntry, who: Who, now: number): ChatError | undefined {
  const refusal = silenced(room, who);
  if (refusal) return refusal;
  if (rankOf(room, who.user, who.admin) >= RANK.op) return undefined;
  const mod = readMod(room);
  // Slow mode paces new messages only: edits, reactions and tags check `silenced` alone.
  if (mod.slow > 0) {
    const last = mod.lastSpoke.get(who.user.folded);
    const wait = last === undefined ? 0 : last + mod.slow * 1000 - now;
    if (wait > 0) return new ChatError('SLOW_MODE', `${room.name} is in slow mode: wait ${Math.ceil(wait / 1000)} s`);
  }
  return undefined;
}

/** Whether the room is listed to (and its members shown to) `user`: not secret, or a member, or an admin. */
export function visibleTo(room: RoomEntry, user: UserEntry | undefined, admin: boolean): boolean {
  return !readMod(room).secret || admin || (user !== undefined && room.members.has(user.folded));
}

/** The room's mode letters without parameters, for lists ("+nt"). */
export function modeLetters(room: RoomEntry): string {
  const m = readMod(room);
  let s = '+';
  if (m.inviteOnly) s += 'i';
  if (m.key !== '') s += 'k';
  if (m.limit > 0) s += 'l';
  if (m.moderated) s += 'm';
  if (m.noOutside) s += 'n';
  if (m.registeredOnly) s += 'R';
  if (m.secret) s += 's';
  if (m.topicLock) s += 't';
  if (m.slow > 0) s += 'W';
  return s;
}

/** The settings as shown to a user; the key and the lists only to members and admins. */
export function settingsView(room: RoomEntry, insider: boolean): RoomSettings {
  const m = readMod(room);
  const list = (l: ListName): ListEntry[] => (insider ? m.lists[l].map((e) => ({ ...e })) : []);
  return {
    invite_only: m.inviteOnly, moderated: m.moderated, secret: m.secret, topic_lock: m.topicLock, no_outside: m.noOutside, registered_only: m.registeredOnly,
    key: insider ? m.key : m.key === '' ? '' : '*', limit: m.limit, slow: m.slow,
    ban: list('ban'), except: list('except'), invex: list('invex'), mute: list('mute'),
  };
}

// ------------------------------------------------------------------ changes

/**
 * Checks one requested change and puts it in stored form (the mask normalised, the key and
 * numbers checked). Roles are checked by the caller. Throws MODE_INVALID.
 */
export function normalizeChange(c: ModeChange): ModeChange {
  switch (c.mode) {
    case 'invite_only': case 'moderated': case 'secret': case 'topic_lock': case 'no_outside': case 'registered_only':
      return { mode: c.mode, on: c.on };
    case 'key': {
      if (!c.on) return { mode: 'key', on: false };
      const k = c.arg ?? '';
      // eslint-disable-next-line no-control-regex
      if (k === '' || k.length > LIMITS.keyMaxLength || /[\s,:\x00-\x1f\x7f]/.test(k)) throw new ChatError('MODE_INVALID', `a key is 1-${LIMITS.keyMaxLength} characters without spaces, commas or colons`);
      return { mode: 'key', on: true, arg: k };
    }
    case 'limit': case 'slow': {
      if (!c.on) return { mode: c.mode, on: false };
      const max = c.mode === 'limit' ? 1_000_000 : MAX_SLOW_SECONDS;
      const n = /^\d{1,7}$/.test(c.arg ?? '') ? Number(c.arg) : NaN;
      if (!(n >= 1 && n <= max)) throw new ChatError('MODE_INVALID', `${c.mode} needs a whole number from 1 to ${max}`);
      return { mode: c.mode, on: true, arg: String(n) };
    }
    case 'ban': case 'except': case 'invex': case 'mute': {
      const mask = normalizeMask(c.arg ?? '');
      if (mask === undefined) throw new ChatError('MODE_INVALID', `"${c.arg ?? ''}" is not a mask: use nick!user@host (with * and ?) or $a:account`);
      return { mode: c.mode, on: c.on, arg: mask };
    }
    case 'op': case 'voice':
      if (c.arg === undefined || c.arg === '') throw new ChatError('MODE_INVALID', `${c.mode} needs a member name`);
      return { mode: c.mode, on: c.on, arg: c.arg };
  }
}

/** Whether the (normalised) change would change anything. */
export function changes(room: RoomEntry, c: ModeChange, target?: UserEntry): boolean {
  const m = readMod(room);
  switch (c.mode) {
    case 'invite_only': return m.inviteOnly !== c.on;
    case 'moderated': return m.moderated !== c.on;
    case 'secret': return m.secret !== c.on;
    case 'topic_lock': return m.topicLock !== c.on;
    case 'no_outside': return m.noOutside !== c.on;
    case 'registered_only': return m.registeredOnly !== c.on;
    case 'key': return c.on ? m.key !== c.arg : m.key !== '';
    case 'limit': return c.on ? String(m.limit) !== c.arg : m.limit !== 0;
    case 'slow': return c.on ? String(m.slow) !== c.arg : m.slow !== 0;
    case 'ban': case 'except': case 'invex': case 'mute':
      return m.lists[c.mode].some((e) => e.mask === c.arg) !== c.on;
    case 'op': case 'voice': {
      if (!target) return false;
      return (c.mode === 'voice' ? hasVoice(room, target) : m.roles.get(target.principal) === 'op') !== c.on;
    }
  }
}

/** Applies a checked change (from a `room_mode` fact) to the room; `principal` for role changes. */
export function applyChange(room: RoomEntry, c: ModeChange, by: string, at: number, principal: string | undefined, maxList: number): void {
  const m = modOf(room);
  m.changedAt = Math.max(m.changedAt, at);
  switch (c.mode) {
    case 'invite_only': m.inviteOnly = c.on; return;
    case 'moderated': m.moderated = c.on; return;
    case 'secret': m.secret = c.on; return;
    case 'topic_lock': m.topicLock = c.on; return;
    case 'no_outside': m.noOutside = c.on; return;
    case 'registered_only': m.registeredOnly = c.on; return;
    case 'key': m.key = c.on ? c.arg ?? '' : ''; return;
    case 'limit': m.limit = c.on ? Number(c.arg) || 0 : 0; return;
    case 'slow': m.slow = c.on ? Number(c.arg) || 0 : 0; return;
    case 'ban': case 'except': case 'invex': case 'mute': {
      const list = m.lists[c.mode];
      const i = list.findIndex((e) => e.mask === c.arg);
      if (c.on && i === -1 && list.length < maxList) list.push({ mask: c.arg ?? '', by, at });
      if (!c.on && i !== -1) list.splice(i, 1);
      return;
    }
    case 'op': case 'voice':
      if (principal === undefined) return;
      if (c.mode === 'voice') {
        // +v on an operator or the owner adds voice without taking their rank away.
        const above = m.roles.get(principal) === 'op' || (room.creator !== '' && room.creator === principal);
        if (c.on && above) m.alsoVoiced.add(principal);
        else if (c.on) m.roles.set(principal, 'voice');
        else {
          m.alsoVoiced.delete(principal);
          if (m.roles.get(principal) === 'voice') m.roles.delete(principal);
        }
        return;
      }
      if (c.on) {
        if (m.roles.get(principal) === 'voice') m.alsoVoiced.add(principal);
        m.roles.set(principal, 'op');
      } else if (m.roles.get(principal) === 'op') {
        // A voiced operator who loses operator status is still voiced.
        if (m.alsoVoiced.delete(principal)) m.roles.set(principal, 'voice');
        else m.roles.delete(principal);
      }
      return;
  }
}

/** Remembers an invitation (bounded: the oldest is forgotten first). */
export function addInvite(room: RoomEntry, principal: string, maxList: number): void {
  const inv = modOf(room).invited;
  inv.delete(principal);
  inv.add(principal);
  while (inv.size > maxList) inv.delete(inv.values().next().value!);
}

/** Whether the room holds any moderation state worth keeping (otherwise it need not be stored). */
export function hasState(room: RoomEntry): boolean {
  const m = room.mod;
  if (!m) return false;
  return m.inviteOnly || m.moderated || m.secret || m.topicLock || !m.noOutside || m.registeredOnly || m.key !== '' || m.limit > 0 || m.slow > 0
    || Object.values(m.lists).some((l) => l.length > 0) || [...m.roles.keys(), ...m.alsoVoiced].some((p) => p.startsWith('account:'));
}

// ------------------------------------------------------------------ persistence

/**
 * Whether the room is registered: an account owns it and it has moderation state. Such a
 * room is stored, restored on restart, and kept when its last member leaves (on every node:
 * this depends only on facts).
 */
export function isRegistered(room: RoomEntry): boolean {
  return room.creator.startsWith('account:') && hasState(room);
}

/** A room as the moderation store keeps it (rooms an account owns). */
export interface RoomRecord {
  name: string;
  creator: string;
  topic: string;
  topicBy?: string;
  topicAt?: number;
  createdAt?: number;
  settings: Omit<RoomSettings, 'key'> & { key: string };
  /** Account principals only: a guest's role dies with its session. A voiced operator (or owner) has a second `voice` pair. */
  roles: [string, 'op' | 'voice'][];
  /** RoomMod.changedAt when stored (absent in records of older servers). */
  changedAt?: number;
}

export function roomRecord(room: RoomEntry): RoomRecord {
  const m = readMod(room);
  const roles = [...m.roles, ...[...m.alsoVoiced].map((p): [string, 'voice'] => [p, 'voice'])].filter(([p]) => p.startsWith('account:'));
  return {
    name: room.name, creator: room.creator, topic: room.topic,
    ...(room.topicBy !== undefined ? { topicBy: room.topicBy } : {}),
    ...(room.topicAt !== undefined ? { topicAt: room.topicAt } : {}),
    ...(room.createdAt !== undefined ? { createdAt: room.createdAt } : {}),
    settings: settingsView(room, true), roles, changedAt: readMod(room).changedAt,
  };
}

/** Restores a stored room's state into a directory entry. */
export function restoreRoom(room: RoomEntry, rec: RoomRecord): void {
  const s = rec.settings;
  const m = modOf(room);
  room.creator = rec.creator;
  room.topic = rec.topic;
  if (rec.topicBy !== undefined) room.topicBy = rec.topicBy;
  if (rec.topicAt !== undefined) room.topicAt = rec.topicAt;
  if (rec.createdAt !== undefined) room.createdAt = rec.createdAt;
  Object.assign(m, {
    inviteOnly: s.invite_only, moderated: s.moderated, secret: s.secret, topicLock: s.topic_lock, noOutside: s.no_outside, registeredOnly: s.registered_only ?? false,
    key: s.key, limit: s.limit, slow: s.slow,
    lists: { ban: [...s.ban], except: [...s.except], invex: [...s.invex], mute: [...s.mute] },
    roles: new Map(), alsoVoiced: new Set(), changedAt: rec.changedAt ?? 0,
  });
  for (const [p, role] of rec.roles) {
    const held = m.roles.get(p);
    const above = held === 'op' || p === rec.creator;
    if (role === 'voice' && above) m.alsoVoiced.add(p);
    else if (role === 'op' && held === 'voice') { m.alsoVoiced.add(p); m.roles.set(p, 'op'); }
    else if (role === 'op' || held === undefined) m.roles.set(p, role);
  }
}

// ------------------------------------------------------------------ cluster resync

/**
 * A room's moderation state as a node sends it in a `sync_state` (cluster.ts): settings,
 * lists, every role (guests' too: their principals name their node and session) and pending
 * invitations. A node that missed the facts (it started later, or was cut off from the bus)
 * adopts a snapshot newer than what it has (`changedAt`); slow-mode clocks are not carried.
 */
export interface ModSnapshot {
  changedAt: number;
  settings: RoomSettings;
  roles: [string, 'op' | 'voice'][];
  /** Operators and owners who also hold voice (multi-prefix); absent from older nodes. */
  alsoVoiced?: string[];
  invited: string[];
}

/** The room's snapshot, or undefined when nothing was ever set. */
export function modSnapshot(room: RoomEntry): ModSnapshot | undefined {
  const m = room.mod;
  if (!m) return undefined;
  return { changedAt: m.changedAt, settings: settingsView(room, true), roles: [...m.roles], alsoVoiced: [...m.alsoVoiced], invited: [...m.invited] };
}

/** Adopts `snap` when it is newer than the room's own state; returns whether it did. */
export function adoptSnapshot(room: RoomEntry, snap: ModSnapshot, maxList: number): boolean {
  if (snap.changedAt <= readMod(room).changedAt) return false;
  const s = snap.settings;
  const m = modOf(room);
  const cut = (l: ListEntry[]): ListEntry[] => l.slice(0, maxList).map((e) => ({ mask: e.mask, by: e.by, at: e.at }));
  Object.assign(m, {
    inviteOnly: s.invite_only, moderated: s.moderated, secret: s.secret, topicLock: s.topic_lock, noOutside: s.no_outside, registeredOnly: s.registered_only ?? false,
    key: s.key, limit: s.limit, slow: s.slow,
    lists: { ban: cut(s.ban), except: cut(s.except), invex: cut(s.invex), mute: cut(s.mute) },
    roles: new Map(snap.roles.filter(([, r]) => r === 'op' || r === 'voice')), alsoVoiced: new Set(snap.alsoVoiced ?? []), invited: new Set(snap.invited.slice(-maxList)), changedAt: snap.changedAt,
  });
  return true;
}
