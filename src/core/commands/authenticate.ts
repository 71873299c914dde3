// authenticate <name> <password>  — check an account's password without logging in (IRC SASL)
import { checkUserName, foldName } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { defineCommand } from './command.ts';

export const authenticate = defineCommand({
  name: 'authenticate',
  needsLogin: false,
  help: 'authenticate NAME PASSWORD — check a password before logging in; the reply token logs in once',
  async run(ctx, req) {
    // Nothing to check for a connection that cannot log in any more (a name already, or a
    // login running): no hash is computed.
    const checked = ctx.beginLogin();
    try {
      if (checkUserName(req.name) !== null) throw new ChatError('AUTH_FAILED', 'wrong name or password');
      const acct = await ctx.core.accounts.get(foldName(req.name));
      // The same answer for an unknown name and a wrong password: no account enumeration.
      if (!acct) throw new ChatError('AUTH_FAILED', 'wrong name or password');
      await ctx.core.accounts.checkPassword(acct, req.password, ctx.session);
      return { name: acct.name, token: await ctx.core.accounts.issue(acct.folded) };
    } finally {
      checked();
    }
  },
});
