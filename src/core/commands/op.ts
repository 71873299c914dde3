// op <#room> <name> <true|false>  — the owner makes a member an operator, or takes it back (same rules as `mode +o`)
import { isRoomOperator } from '../directory.ts';
import { defineCommand, me } from './command.ts';
import { mode } from './mode.ts';
import { requireOperatorOver } from './target.ts';

export const op = defineCommand({
  name: 'op',
  needsLogin: true,
  help: 'op #ROOM NAME on|off — give or take operator status in a room you own (operators may take their own)',
  async run(ctx, req) {
    const user = me(ctx);
    const { room, target } = requireOperatorOver(ctx, user, req.room, req.name);
    await mode.run(ctx, { type: 'mode', id: req.id, room: room.name, changes: [{ mode: 'op', on: req.op, arg: target.name }] });
    return { room: room.name, name: target.name, op: isRoomOperator(room, target) };
  },
});
