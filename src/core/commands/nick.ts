// nick <name>  — change your name; everyone receives user_renamed
import { checkUserName, describeNameProblem, foldName } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { nickLockedIn } from '../moderation.ts';
import { defineCommand, me } from './command.ts';
import { whoOf } from './moderate.ts';

export const nick = defineCommand({
  name: 'nick',
  needsLogin: true,
  help: 'nick NAME — change your name (same rules as login)',
  async run(ctx, req) {
    const user = me(ctx);
    const problem = checkUserName(req.name);
    if (problem) throw new ChatError('NAME_INVALID', `invalid name: ${describeNameProblem(problem)}`);
    if (req.name === user.name) return { name: user.name };
    const rooms = [...user.rooms].map((r) => ctx.core.dir.rooms.get(r)).filter((r) => r !== undefined);
    const locked = nickLockedIn(rooms, whoOf(ctx, user));
    if (locked) throw new ChatError('NICK_LOCKED', `you cannot change your name while banned or muted in ${locked.name}`, locked.name);
    // A registered name is only for its account (a guest cannot rename into it).
    const target = foldName(req.name);
    if (target !== (user.account === undefined ? undefined : foldName(user.account)) && (await ctx.core.accounts.get(target))) {
      throw new ChatError('AUTH_REQUIRED', `"${req.name}" is registered: log in to it with its password`);
    }
    const renamed = await ctx.renameUser(req.name);
    return { name: renamed.name };
  },
});
