// kick <#room> <name> [reason]  — room operators (the creator and those it promoted) remove a member
import { foldName } from '../../protocol/index.ts';
import { isRoomOperator } from '../directory.ts';
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';
import { reasonText } from './reason.ts';
import { requireRoom } from './target.ts';

export const kick = defineCommand({
  name: 'kick',
  needsLogin: true,
  help: 'kick #ROOM NAME [REASON] — remove someone from a room you created',
  async run(ctx, req) {
    const user = me(ctx);
    const room = requireRoom(ctx, req.room);
    if (!room.members.has(user.folded)) throw new ChatError('NOT_IN_ROOM', `you are not in ${room.name}`);
    if (!isRoomOperator(room, user.folded)) throw new ChatError('NOT_ROOM_OPERATOR', `you are not an operator of ${room.name}`);
    const target = ctx.core.dir.user(req.name);
    if (!target || !room.members.has(foldName(req.name))) throw new ChatError('USER_NOT_IN_ROOM', `${req.name} is not in ${room.name}`);
    ctx.core.emit({ kind: 'kick', room: room.name, name: target.name, by: user.name, reason: reasonText(req.reason) ?? user.name });
    return { room: room.name, name: target.name };
  },
});
