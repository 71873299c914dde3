/** What the moderation commands share: who the caller is for the rules, the audit log, storing a room. */
import type { AuditEntry } from '../../protocol/index.ts';
import type { RoomEntry, UserEntry } from '../directory.ts';
import { ChatError } from '../errors.ts';
import { isRegistered, rankOf, RANK_OP, roomRecord, userMask, type Who } from '../moderation.ts';
import type { CommandContext } from './command.ts';
import { requireRoom } from './target.ts';

export function whoOf(ctx: CommandContext, user: UserEntry): Who {
  return { user, mask: userMask(user.name, ctx.session.ident), admin: ctx.core.isAdmin(user) };
}

/** How the audit log names an actor: the name, and whose it is (account or guest). */
export function actorName(user: UserEntry): string {
  return user.account !== undefined ? `${user.name} (account ${user.account})` : `${user.name} (guest)`;
}

/** Appends one entry to the audit log; the action is refused when the log cannot be written. */
export async function audit(ctx: CommandContext, user: UserEntry, e: Omit<AuditEntry, 'ts' | 'actor'>): Promise<void> {
  await ctx.core.moderation.appendAudit({ ts: ctx.core.deps.clock.now(), actor: actorName(user), ...e });
}

/** Stores the room's settings, lists and roles when an account owns it (moderation.ts, isRegistered). */
export async function persist(ctx: CommandContext, room: RoomEntry): Promise<void> {
  if (room.creator.startsWith('account:') && (isRegistered(room) || room.mod !== undefined)) {
    await ctx.core.moderation.putRoom(room.folded, roomRecord(room));
  }
}

/** The room, which `user` must operate (admins operate every room, member or not). */
export function requireModerator(ctx: CommandContext, user: UserEntry, roomName: string): RoomEntry {
  const room = requireRoom(ctx, roomName);
  const admin = ctx.core.isAdmin(user);
  if (!admin && !room.members.has(user.folded)) throw new ChatError('NOT_IN_ROOM', `you are not in ${room.name}`);
  if (rankOf(room, user, admin) < RANK_OP) throw new ChatError('NOT_ROOM_OPERATOR', `you are not an operator of ${room.name}`);
  return room;
}

/** The server admin `user`, or NOT_ADMIN. */
export function requireAdmin(ctx: CommandContext, user: UserEntry): void {
  if (!ctx.core.isAdmin(user)) throw new ChatError('NOT_ADMIN', 'only a server administrator may do this');
}

/** `user` acts on `target` (kick, role changes) only when the target's role is below its own; oneself is always fine. */
export function requireAbove(ctx: CommandContext, room: RoomEntry, user: UserEntry, target: UserEntry): void {
  if (target.folded === user.folded) return;
  if (rankOf(room, target, ctx.core.isAdmin(target)) >= rankOf(room, user, ctx.core.isAdmin(user))) {
    throw new ChatError('RANK_TOO_LOW', `${target.name}'s role in ${room.name} is not below yours`);
  }
}
