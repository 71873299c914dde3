// typing <#room|name>
import { silenced } from '../moderation.ts';
import { defineCommand, me } from './command.ts';
import { whoOf } from './moderate.ts';
import { resolveTarget } from './target.ts';

export const typing = defineCommand({
  name: 'typing',
  needsLogin: true,
  help: 'typing TARGET — tell a room or user that you are typing',
  async run(ctx, req) {
    const user = me(ctx);
    const target = resolveTarget(ctx, user, req.to);
    // Who may not speak in a room may not show as typing there either (a mute is not a side channel).
    if ('room' in target) {
      const refusal = silenced(target.room, whoOf(ctx, user));
      if (refusal) throw refusal;
    }
    ctx.core.emit({ kind: 'typing', from: user.name, to: 'room' in target ? target.room.name : target.user.name });
    return {};
  },
});
