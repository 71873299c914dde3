// users
import { foldName } from '../../protocol/index.ts';
import { defineCommand } from './command.ts';

export const users = defineCommand({
  name: 'users',
  needsLogin: true,
  help: 'users — list every connected user with presence and room count',
  async run(ctx) {
    const list = [...ctx.core.dir.users.values()].map((u) => ctx.core.userInfo(u))
      .sort((a, b) => foldName(a.name).localeCompare(foldName(b.name)));
    return { users: list };
  },
});
