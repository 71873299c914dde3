// members <#room> [after] [limit]
import { ChatError } from '../errors.ts';
import { visibleTo } from '../moderation.ts';
import { defineCommand, me } from './command.ts';
import { requireRoom } from './target.ts';

export const members = defineCommand({
  name: 'members',
  needsLogin: true,
  help: 'members #ROOM — list the members of a room with their presence (in pages of `limit` after the cursor `after`)',
  async run(ctx, req) {
    const room = requireRoom(ctx, req.room);
    // A secret room (+s) does not show who is in it to outsiders; to them it does not exist.
    if (!visibleTo(room, me(ctx), ctx.core.isAdmin(me(ctx)))) throw new ChatError('NO_SUCH_ROOM', `no room ${req.room}`);
    return { room: room.name, ...ctx.core.members(room, req.after, req.limit) };
  },
});
