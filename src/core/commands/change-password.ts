// change_password <old> <new>  — every session token is revoked; the reply has a new one
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';

export const changePassword = defineCommand({
  name: 'change_password',
  needsLogin: true,
  help: 'change_password OLD NEW — change your password; signs out every other session',
  async run(ctx, req) {
    const user = me(ctx);
    const { accounts } = ctx.core;
    const acct = await accounts.get(user.folded);
    if (!acct) throw new ChatError('NOT_REGISTERED', 'register your name first');
    const { token, revoked } = await accounts.changePassword(acct, req.old, req.new, ctx.session);
    accounts.bindToken(ctx.session, token);
    return { token, revoked };
  },
});
