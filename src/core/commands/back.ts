// back
import { defineCommand, me } from './command.ts';

export const back = defineCommand({
  name: 'back',
  needsLogin: true,
  help: 'back — mark yourself online again',
  async run(ctx) {
    const user = me(ctx);
    if (user.presence !== 'online') ctx.core.emit({ kind: 'presence', name: user.name, presence: 'online', away: '' });
    return { presence: 'online' };
  },
});
