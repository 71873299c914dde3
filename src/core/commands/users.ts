// users [after] [limit]
import { defineCommand } from './command.ts';
import { pageOf } from '../page.ts';

export const users = defineCommand({
  name: 'users',
  needsLogin: true,
  help: 'users — list every connected user with presence and room count (in pages of `limit` after the cursor `after`)',
  async run(ctx, req) {
    const { dir } = ctx.core;
    const page = pageOf(dir.users.keys(), req.after, req.limit ?? ctx.core.pageSize);
    const users = page.keys.map((k) => dir.users.get(k)).filter((u) => u !== undefined).map((u) => ctx.core.userInfo(u));
    return page.next !== undefined ? { users, count: dir.users.size, next: page.next } : { users, count: dir.users.size };
  },
});
