// join <#room>  (creates the room when it does not exist)
import { isRoomName } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';

export const join = defineCommand({
  name: 'join',
  needsLogin: true,
  help: 'join #ROOM — join a room, creating it if it does not exist',
  async run(ctx, req) {
    const user = me(ctx);
    if (!isRoomName(req.room)) throw new ChatError('ROOM_INVALID', `invalid room name "${req.room}": rooms start with # and use letters, digits and - _ . [ ] ^ { } |`);
    const { dir, deps } = ctx.core;
    const existing = dir.room(req.room);
    if (existing?.members.has(user.folded)) return ctx.core.roomState(existing);
    if (user.rooms.size >= deps.config.maxRoomsPerUser) throw new ChatError('TOO_MANY_ROOMS', `you can be in at most ${deps.config.maxRoomsPerUser} rooms`);
    if (!existing && dir.rooms.size >= deps.config.maxRooms) throw new ChatError('TOO_MANY_ROOMS', `the server has reached its limit of ${deps.config.maxRooms} rooms`);
    ctx.core.emit({ kind: 'room_join', room: existing?.name ?? req.room, name: user.name });
    return ctx.core.roomState(dir.room(req.room)!);
  },
});
