// nick <name>  — change your name; everyone receives user_renamed
import { checkUserName, describeNameProblem, foldName } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';

export const nick = defineCommand({
  name: 'nick',
  needsLogin: true,
  help: 'nick NAME — change your name (same rules as login)',
  async run(ctx, req) {
    const user = me(ctx);
    const problem = checkUserName(req.name);
    if (problem) throw new ChatError('NAME_INVALID', `invalid name: ${describeNameProblem(problem)}`);
    if (req.name === user.name) return { name: user.name };
    // A registered name is only for its account (a guest cannot rename into it).
    const target = foldName(req.name);
    if (target !== (user.account === undefined ? undefined : foldName(user.account)) && (await ctx.core.accounts.get(target))) {
      throw new ChatError('AUTH_REQUIRED', `"${req.name}" is registered: log in to it with its password`);
    }
    const renamed = await ctx.renameUser(req.name);
    return { name: renamed.name };
  },
});
