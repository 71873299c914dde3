/**
 * How a fact changes this node's view (the directory) and which local sessions hear of it.
 * Every node applies every fact the same way, so all converge on the same directory.
 */
import { foldName, type ChatEvent, type UserInfo } from '../protocol/index.ts';
import type { Delivery } from './delivery.ts';
import type { Directory, RoomEntry, UserEntry } from './directory.ts';
import type { Fact } from './facts.ts';
import type { CoreMetrics } from './metrics.ts';
import { addInvite, applyChange, isRegistered } from './moderation.ts';
import { accountPrincipal, principalOf } from './owner.ts';
import type { Clock } from './ports.ts';

/** What applying a fact needs of the core. */
export interface ApplyTarget {
  readonly dir: Directory;
  readonly delivery: Delivery;
  readonly metrics: CoreMetrics;
  readonly clock: Clock;
  isPermanent(room: RoomEntry): boolean;
  userInfo(u: UserEntry): UserInfo;
  /** Entries per room list and pending invites per room (rooms.maxListEntries). */
  readonly maxListEntries: number;
  /** A server ban was added or lifted: update the ban list, disconnect matching local users. */
  serverBan(mask: string, on: boolean, by: string, reason: string): void;
  /** An account was marked (or unmarked) a server administrator. */
  serverAdmin(account: string, on: boolean): void;
  /** Closes the local connection of `name`, if this node has it. */
  kill(name: string, by: string, reason: string): void;
}

/** The rooms a user is in, as entries. */
function roomsOf(dir: Directory, user: UserEntry): RoomEntry[] {
  const out: RoomEntry[] = [];
  for (const r of user.rooms) {
    const room = dir.rooms.get(r);
    if (room) out.push(room);
  }
  return out;
}

/** An event to a room's members (all but the sender) or, for a name, to that user. */
function toTarget(dir: Directory, out: Delivery, to: string, from: string, ev: ChatEvent): void {
  if (to.startsWith('#')) {
    const room = dir.room(to);
    if (room) out.toRoom(room, ev, foldName(from));
  } else {
    out.toUser(to, ev);
  }
}

/** Applies a fact to the directory and delivers the resulting event to local sessions. */
export function applyFact(core: ApplyTarget, fact: Fact): void {
  const { dir, delivery: out } = core;
  // Rooms an account owns with stored settings stay when empty, like permanent ones.
  const keep = (r: RoomEntry): boolean => core.isPermanent(r) || isRegistered(r);
  switch (fact.kind) {
    case 'user_online': {
      // A fact without a session id (an older node) gets a principal nobody can share.
      const principal = fact.session !== undefined || fact.account !== undefined
        ? principalOf(fact.account, fact.node, fact.session ?? '')
        : `session:${fact.node}/?${fact.name}/${core.clock.now()}`;
      const user = dir.addUser(fact.name, fact.node, fact.presence, principal, fact.dmSince ?? Number.MAX_SAFE_INTEGER);
      if (fact.account !== undefined) dir.setAccount(user, fact.account);
      for (const r of fact.rooms) dir.join(r, user.folded);
      out.aboutUser({ type: 'user_joined', user: core.userInfo(user) }, roomsOf(dir, user), dir.users.size, user.folded, user.folded, 'joined');
      return;
    }
    case 'user_offline': {
      const folded = foldName(fact.name);
      const user = dir.users.get(folded);
      if (!user) return;
      // The rooms the user was in, so transports can tell who shared a room with them (IRC QUIT).
      const entries = roomsOf(dir, user);
      const rooms = [...user.rooms].map((r) => dir.rooms.get(r)?.name ?? r);
      // Addressed while the user is still a member, so the rooms' sizes and members are as they were.
      const ev: ChatEvent = { type: 'user_left', name: fact.name, reason: fact.reason, rooms };
      const population = dir.users.size;
      dir.removeUser(folded, keep);
      out.aboutUser(ev, entries, population, folded, folded, 'left');
      return;
    }
    case 'presence': {
      const user = dir.user(fact.name);
      if (!user) return;
      user.presence = fact.presence;
      user.away = fact.away;
      const ev: ChatEvent = fact.presence === 'away'
        ? { type: 'user_presence', name: user.name, presence: 'away', away: fact.away }
        : { type: 'user_presence', name: user.name, presence: 'online' };
      out.aboutUser(ev, roomsOf(dir, user), dir.users.size, user.folded, undefined);
      return;
    }
    case 'room_join': {
      const folded = foldName(fact.name);
      const { room, added } = dir.join(fact.room, folded);
      const user = dir.users.get(folded);
      if (user) room.mod?.invited.delete(user.principal);
      if (added) out.membership(room, { type: 'room_joined', room: room.name, name: fact.name }, folded, 'joined');
      return;
    }
    case 'room_part': {
      const room = dir.room(fact.room);
      if (!room) return;
      const folded = foldName(fact.name);
      const ev: ChatEvent = { type: 'room_left', room: room.name, name: fact.name, reason: fact.reason };
      // Deliver before removing so the leaver sees its own part too.
      if (room.members.has(folded)) out.membership(room, ev, folded, 'left');
      dir.leave(room.folded, folded, keep);
      return;
    }
    case 'topic': {
      const room = dir.room(fact.room);
      if (!room) return;
      room.topic = fact.topic;
      room.topicBy = fact.by;
      room.topicAt = core.clock.now();
      out.toRoom(room, { type: 'room_topic', room: room.name, topic: fact.topic, by: fact.by }, undefined);
      return;
    }
    case 'message': {
      const ev: ChatEvent = { type: 'message', msg: fact.msg };
      if (fact.msg.to.startsWith('#')) {
        const room = dir.room(fact.msg.to);
        if (room) {
          room.factSeq = Math.max(room.factSeq ?? 0, fact.msg.seq);
          // Slow mode counts from here, on every node (only members are tracked: the map stays bounded).
          const from = foldName(fact.msg.from);
          if (room.mod && room.mod.slow > 0 && room.members.has(from)) room.mod.lastSpoke.set(from, core.clock.now());
          out.toRoom(room, ev, undefined);
        }
      } else {
        out.toUser(fact.msg.to, ev);
        if (foldName(fact.msg.to) !== foldName(fact.msg.from)) out.toUser(fact.msg.from, ev);
      }
      core.metrics.deliveryLatency(Math.max(0, core.clock.now() - fact.msg.ts) / 1000);
      return;
    }
    case 'message_update': {
      // To whoever gets the conversation's messages; one shared event object.
      const { msg } = fact.update;
      if (msg.to.startsWith('#')) {
        const room = dir.room(msg.to);
        if (room) {
          room.factSeq = Math.max(room.factSeq ?? 0, fact.update.seq);
          out.toRoom(room, fact.update, undefined);
        }
      } else {
        out.toUser(msg.to, fact.update);
        if (foldName(msg.to) !== foldName(msg.from)) out.toUser(msg.from, fact.update);
      }
      return;
    }
    case 'typing':
      toTarget(dir, out, fact.to, fact.from, { type: 'typing', from: fact.from, to: fact.to });
      return;
    case 'tagmsg':
      toTarget(dir, out, fact.to, fact.from, { type: 'tagmsg', id: fact.id, from: fact.from, to: fact.to, tags: fact.tags, ts: fact.ts });
      return;
    case 'notice':
      out.toAllLocal({ type: 'notice', text: fact.text }, undefined);
      return;
    case 'rename': {
      const user = dir.renameUser(fact.from, fact.to);
      if (!user) return;
      out.aboutUser({ type: 'user_renamed', old: fact.from, name: fact.to }, roomsOf(dir, user), dir.users.size, user.folded, undefined);
      return;
    }
    case 'invite': {
      const room = dir.room(fact.room);
      const user = dir.user(fact.name);
      if (room && user) addInvite(room, user.principal, core.maxListEntries);
      out.toUser(fact.name, { type: 'room_invited', room: fact.room, name: fact.name, by: fact.by });
      if (room) out.toRoom(room, { type: 'room_member_invited', room: room.name, name: fact.name, by: fact.by }, foldName(fact.by));
      return;
    }
    case 'room_op': {
      const room = dir.room(fact.room);
      const folded = foldName(fact.name);
      const user = dir.users.get(folded);
      if (!room || !user || !room.members.has(folded)) return;
      applyChange(room, { mode: 'op', on: fact.op }, fact.by, core.clock.now(), user.principal, core.maxListEntries);
      out.toRoom(room, { type: 'room_operator', room: room.name, name: fact.name, by: fact.by, op: fact.op }, undefined);
      return;
    }
    case 'account': {
      const user = dir.user(fact.name);
      if (!user) return;
      dir.bindAccount(user, fact.account, accountPrincipal(fact.account));
      out.toAllLocal({ type: 'user_account', name: user.name, account: fact.account }, undefined);
      return;
    }
    case 'room_mode': {
      const room = dir.room(fact.room);
      if (!room) return;
      const now = core.clock.now();
      for (const c of fact.changes) applyChange(room, c, fact.by, now, c.mode === 'voice' && c.arg !== undefined ? dir.user(c.arg)?.principal : undefined, core.maxListEntries);
      out.toRoom(room, { type: 'room_mode', room: room.name, by: fact.by, changes: fact.changes }, undefined);
      return;
    }
    case 'server_ban':
      core.serverBan(fact.mask, fact.on, fact.by, fact.reason);
      return;
    case 'server_admin':
      core.serverAdmin(fact.account, fact.on);
      return;
    case 'kill':
      core.kill(fact.name, fact.by, fact.reason);
      return;
    case 'kick': {
      const room = dir.room(fact.room);
      if (!room) return;
      const folded = foldName(fact.name);
      if (!room.members.has(folded)) return;
      // Deliver before removing so the kicked user sees it too.
      out.toRoom(room, { type: 'room_kicked', room: room.name, name: fact.name, by: fact.by, reason: fact.reason }, undefined);
      dir.leave(room.folded, folded, keep);
      return;
    }
  }
}
