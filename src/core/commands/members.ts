// members <#room>
import { defineCommand } from './command.ts';
import { requireRoom } from './target.ts';

export const members = defineCommand({
  name: 'members',
  needsLogin: true,
  help: 'members #ROOM — list the members of a room with their presence',
  async run(ctx, req) {
    const room = requireRoom(ctx, req.room);
    return { room: room.name, members: ctx.core.members(room) };
  },
});
