// op <#room> <name> <true|false>  — an operator makes a member an operator, or takes it back
import { isRoomCreator, isRoomOperator } from '../directory.ts';
import { defineCommand, me } from './command.ts';
import { requireOperatorOver } from './target.ts';

export const op = defineCommand({
  name: 'op',
  needsLogin: true,
  help: 'op #ROOM NAME on|off — give or take operator status in a room you operate',
  async run(ctx, req) {
    const user = me(ctx);
    const { room, target } = requireOperatorOver(ctx, user, req.room, req.name);
    // The creator stays an operator; promoting an operator again changes nothing.
    if (req.op !== isRoomOperator(room, target) && !isRoomCreator(room, target)) {
      ctx.core.emit({ kind: 'room_op', room: room.name, name: target.name, by: user.name, op: req.op });
    }
    return { room: room.name, name: target.name, op: isRoomOperator(room, target) };
  },
});
