// logout [all]  — revokes this connection's session token (or every token of the account)
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';

export const logout = defineCommand({
  name: 'logout',
  needsLogin: true,
  help: 'logout [all] — sign out: this session token stops working (all: every session of your account)',
  async run(ctx, req) {
    const user = me(ctx);
    const { accounts } = ctx.core;
    if (!(await accounts.get(user.folded))) throw new ChatError('NOT_REGISTERED', 'guests have no session to log out of');
    const token = accounts.tokenOf(ctx.session);
    accounts.bindToken(ctx.session, undefined);
    const revoked = req.all ? await accounts.revokeAll(user.folded) : token ? Number(await accounts.revokeToken(token)) : 0;
    return { revoked };
  },
});
