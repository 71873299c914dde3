import { foldName, isRoomName } from '../../protocol/index.ts';
import { isRoomOperator } from '../directory.ts';
import type { RoomEntry, UserEntry } from '../directory.ts';
import { ChatError } from '../errors.ts';
import type { CommandContext } from './command.ts';

/** Resolves "#room" (which the caller must be in) or a user name (who must be online). */
export function resolveTarget(ctx: CommandContext, me: UserEntry, to: string): { room: RoomEntry } | { user: UserEntry } {
  if (to.startsWith('#')) {
    if (!isRoomName(to)) throw new ChatError('ROOM_INVALID', `invalid room name "${to}"`);
    const room = ctx.core.dir.room(to);
    if (!room) throw new ChatError('NO_SUCH_ROOM', `no room ${to}`);
    if (!room.members.has(me.folded)) throw new ChatError('NOT_IN_ROOM', `you are not in ${room.name}`);
    return { room };
  }
  const user = ctx.core.dir.users.get(foldName(to));
  if (!user) throw new ChatError('NO_SUCH_USER', `no user named "${to}" is online`);
  return { user };
}

export function requireRoom(ctx: CommandContext, name: string): RoomEntry {
  if (!isRoomName(name)) throw new ChatError('ROOM_INVALID', `invalid room name "${name}": rooms start with # and use letters, digits and - _ . [ ] ^ { } |`);
  const room = ctx.core.dir.room(name);
  if (!room) throw new ChatError('NO_SUCH_ROOM', `no room ${name}`);
  return room;
}

/**
 * For operator commands (kick, op): the room, which `me` must be in and operate (or be a server admin), and the
 * target user, who must be in it.
 */
export function requireOperatorOver(ctx: CommandContext, me: UserEntry, roomName: string, targetName: string): { room: RoomEntry; target: UserEntry } {
  const room = requireRoom(ctx, roomName);
  const admin = ctx.core.isAdmin(me);
  if (!admin && !room.members.has(me.folded)) throw new ChatError('NOT_IN_ROOM', `you are not in ${room.name}`);
  if (!admin && !isRoomOperator(room, me)) throw new ChatError('NOT_ROOM_OPERATOR', `you are not an operator of ${room.name}`);
  const target = ctx.core.dir.user(targetName);
  if (!target || !room.members.has(foldName(targetName))) throw new ChatError('USER_NOT_IN_ROOM', `${targetName} is not in ${room.name}`);
  return { room, target };
}
