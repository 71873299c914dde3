// register [name] <password>  (your current name when logged in)
import { checkUserName, describeNameProblem, foldName } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { defineCommand } from './command.ts';

export const register = defineCommand({
  name: 'register',
  needsLogin: false,
  help: 'register PASSWORD — register your name so that only you can use it',
  async run(ctx, req) {
    const name = ctx.user?.name ?? req.name;
    if (name === undefined) throw new ChatError('NAME_INVALID', 'say which name to register, or log in first');
    if (ctx.user && req.name !== undefined && foldName(req.name) !== ctx.user.folded) throw new ChatError('NAME_INVALID', 'you can only register the name you are logged in with');
    const problem = checkUserName(name);
    if (problem) throw new ChatError('NAME_INVALID', `invalid name: ${describeNameProblem(problem)}`);
    const folded = foldName(name);
    const create = (): Promise<string> => ctx.core.accounts.register(name, folded, req.password, ctx.session);
    // Not logged in: the name is held while the account is created, so no guest can take it
    // in between and have its DMs count as the account's (owner.ts).
    const token = ctx.user ? await create() : await ctx.reserveName(name, create);
    if (ctx.user) {
      ctx.core.accounts.bindToken(ctx.session, token);
      ctx.core.emit({ kind: 'account', name: ctx.user.name, account: name });
    }
    ctx.core.deps.log.info({ conn: ctx.session.id, name }, 'registered');
    const user = ctx.user && ctx.core.dir.users.get(ctx.user.folded);
    return { name, token, ...(user && ctx.core.isAdmin(user) ? { admin: true as const } : {}) };
  },
});
