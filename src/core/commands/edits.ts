// edits <#room|name> <msgid>  — earlier texts of an edited message (room operators, admins)
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';
import { locate, moderates } from './message.ts';

export const edits = defineCommand({
  name: 'edits',
  needsLogin: true,
  help: 'edits TARGET MSGID — earlier versions of an edited message (operators of the room, admins)',
  async run(ctx, req) {
    const user = me(ctx);
    const { c, room, stored } = await locate(ctx, user, req.to, req.msgid, true);
    if (!moderates(ctx, user, room)) throw new ChatError('NOT_MODERATOR', 'only operators of the room and admins may read earlier versions');
    const versions = await ctx.core.deps.store.edits(c.conv, stored.msg.id, ctx.core.deps.clock.now());
    return { to: c.to, msgid: stored.msg.id, versions };
  },
});
