// invite <#room> <name>  — tell someone about a room you are in; an operator's invitation lets them in past +i, +k, +l and +b
import { ChatError } from '../errors.ts';
import { rankOf, readMod, RANK_OP } from '../moderation.ts';
import { audit } from './moderate.ts';
import { defineCommand, me } from './command.ts';
import { requireRoom } from './target.ts';

export const invite = defineCommand({
  name: 'invite',
  needsLogin: true,
  help: 'invite #ROOM NAME — invite someone to a room you are in',
  async run(ctx, req) {
    const user = me(ctx);
    const room = requireRoom(ctx, req.room);
    const admin = ctx.core.isAdmin(user);
    if (!admin && !room.members.has(user.folded)) throw new ChatError('NOT_IN_ROOM', `you are not in ${room.name}`);
    // On an invite-only room an invitation lets one in past +i/+k/+l/+b, so only operators give it.
    if (readMod(room).inviteOnly && rankOf(room, user, admin) < RANK_OP) throw new ChatError('NOT_ROOM_OPERATOR', `${room.name} is invite-only: only operators invite`);
    const target = ctx.core.dir.user(req.name);
    if (!target) throw new ChatError('NO_SUCH_USER', `no user named "${req.name}" is online`);
    if (room.members.has(target.folded)) throw new ChatError('ALREADY_IN_ROOM', `${target.name} is already in ${room.name}`);
    if (rankOf(room, user, admin) >= RANK_OP) await audit(ctx, user, { action: 'invite', room: room.name, target: target.name });
    ctx.core.emit({ kind: 'invite', room: room.name, name: target.name, by: user.name });
    return { room: room.name, name: target.name };
  },
});
