// op <#room> <name> <true|false>  — an operator makes a member an operator, or takes it back
import { foldName } from '../../protocol/index.ts';
import { isRoomOperator } from '../directory.ts';
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';
import { requireRoom } from './target.ts';

export const op = defineCommand({
  name: 'op',
  needsLogin: true,
  help: 'op #ROOM NAME on|off — give or take operator status in a room you operate',
  async run(ctx, req) {
    const user = me(ctx);
    const room = requireRoom(ctx, req.room);
    if (!room.members.has(user.folded)) throw new ChatError('NOT_IN_ROOM', `you are not in ${room.name}`);
    if (!isRoomOperator(room, user.folded)) throw new ChatError('NOT_ROOM_OPERATOR', `you are not an operator of ${room.name}`);
    const target = ctx.core.dir.user(req.name);
    const folded = foldName(req.name);
    if (!target || !room.members.has(folded)) throw new ChatError('USER_NOT_IN_ROOM', `${req.name} is not in ${room.name}`);
    // The creator stays an operator; promoting an operator again changes nothing.
    if (req.op !== isRoomOperator(room, folded) && room.creator !== folded) {
      ctx.core.emit({ kind: 'room_op', room: room.name, name: target.name, by: user.name, op: req.op });
    }
    return { room: room.name, name: target.name, op: isRoomOperator(room, folded) };
  },
});
