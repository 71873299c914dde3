// kick <#room> <name> [reason]  — room operators (the creator and those it promoted) remove a member
import { defineCommand, me } from './command.ts';
import { reasonText } from './reason.ts';
import { requireOperatorOver } from './target.ts';
import { audit, requireAbove } from './moderate.ts';

export const kick = defineCommand({
  name: 'kick',
  needsLogin: true,
  help: 'kick #ROOM NAME [REASON] — remove someone from a room you operate (their role must be below yours)',
  async run(ctx, req) {
    const user = me(ctx);
    const { room, target } = requireOperatorOver(ctx, user, req.room, req.name);
    requireAbove(ctx, room, user, target);
    const reason = reasonText(req.reason) ?? user.name;
    await audit(ctx, user, { action: 'kick', room: room.name, target: target.name, reason });
    ctx.core.emit({ kind: 'kick', room: room.name, name: target.name, by: user.name, reason });
    return { room: room.name, name: target.name };
  },
});
