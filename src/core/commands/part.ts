// part <#room>
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';
import { reasonText } from './reason.ts';
import { requireRoom } from './target.ts';

export const part = defineCommand({
  name: 'part',
  needsLogin: true,
  help: 'part #ROOM — leave a room (#lobby cannot be left)',
  async run(ctx, req) {
    const user = me(ctx);
    const room = requireRoom(ctx, req.room);
    if (!room.members.has(user.folded)) throw new ChatError('NOT_IN_ROOM', `you are not in ${room.name}`);
    if (ctx.core.isPermanent(room)) throw new ChatError('CANNOT_LEAVE_LOBBY', `${room.name} cannot be left`);
    ctx.core.emit({ kind: 'room_part', room: room.name, name: user.name, reason: reasonText(req.reason) ?? 'left' });
    return { room: room.name };
  },
});
