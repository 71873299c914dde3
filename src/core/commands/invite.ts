// invite <#room> <name>  — tell someone about a room you are in (rooms are open: this is a notification)
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';
import { requireRoom } from './target.ts';

export const invite = defineCommand({
  name: 'invite',
  needsLogin: true,
  help: 'invite #ROOM NAME — invite someone to a room you are in',
  async run(ctx, req) {
    const user = me(ctx);
    const room = requireRoom(ctx, req.room);
    if (!room.members.has(user.folded)) throw new ChatError('NOT_IN_ROOM', `you are not in ${room.name}`);
    const target = ctx.core.dir.user(req.name);
    if (!target) throw new ChatError('NO_SUCH_USER', `no user named "${req.name}" is online`);
    if (room.members.has(target.folded)) throw new ChatError('ALREADY_IN_ROOM', `${target.name} is already in ${room.name}`);
    ctx.core.emit({ kind: 'invite', room: room.name, name: target.name, by: user.name });
    return { room: room.name, name: target.name };
  },
});
