// typing <#room|name>
import { defineCommand, me } from './command.ts';
import { resolveTarget } from './target.ts';

export const typing = defineCommand({
  name: 'typing',
  needsLogin: true,
  help: 'typing TARGET — tell a room or user that you are typing',
  async run(ctx, req) {
    const user = me(ctx);
    const target = resolveTarget(ctx, user, req.to);
    ctx.core.emit({ kind: 'typing', from: user.name, to: 'room' in target ? target.room.name : target.user.name });
    return {};
  },
});
