// REGISTER <account|*> <email|*> <password>   VERIFY <account> <code>   (IRCv3 draft/account-registration)
/**
 * Registers the nick as an account through the core's `register` request, so the password
 * rules, the registration throttle and the hash budget are the core's. Before connection
 * registration (`before-connect`) the account is created and the connection logs in to it
 * when registration completes, as after SASL; after it, the connection is logged in at once
 * (`account-notify` clients sharing a channel see ACCOUNT). The account is the nick (no
 * `custom-account-name`); the e-mail parameter is not used, Banter keeps no addresses.
 * Banter never asks for verification, so VERIFY only ever fails.
 */
import { foldName } from '../../../protocol/index.ts';
import { ChatError } from '../../../core/errors.ts';
import type { IrcConnection } from '../connection.ts';
import { USER_HOST } from '../isupport.ts';
import { N } from '../numerics.ts';
import { failCode, standardReply } from '../standard-replies.ts';
import { defineVerb } from './verb.ts';

/** The FAIL REGISTER code of a core error (draft/account-registration's codes). */
function registerFailCode(err: ChatError): string {
  switch (err.code) {
    case 'NAME_REGISTERED':
    case 'NAME_TAKEN':
    case 'NAME_CONFUSABLE':
    case 'AUTH_REQUIRED':
      return 'ACCOUNT_EXISTS';
    case 'NAME_INVALID': return 'BAD_ACCOUNT_NAME';
    case 'PASSWORD_INVALID': return 'UNACCEPTABLE_PASSWORD';
    case 'REGISTRATION_THROTTLED':
    case 'RATE_LIMITED':
      return 'TEMPORARILY_UNAVAILABLE';
    default: return failCode(err.code);
  }
}

function authenticated(c: IrcConnection): string | undefined {
  return c.saslAccount?.name ?? (c.registered ? c.core.dir.user(c.me)?.account : undefined);
}

export const register = defineVerb({
  name: 'REGISTER',
  minParams: 3,
  beforeRegistration: true,
  async run(c, msg) {
    const fail = (code: string, account: string, text: string): void => standardReply(c, 'FAIL', 'REGISTER', code, [account], text);
    const nick = c.registered ? c.me : c.nick;
    if (!nick) return fail('NEED_NICK', '*', 'Send NICK first: the account is named after your nick');
    const wanted = msg.params[0] === '*' ? nick : msg.params[0]!;
    if (foldName(wanted) !== foldName(nick)) return fail('ACCOUNT_NAME_MUST_BE_NICK', wanted, `The account name must be your nick, ${nick}`);
    const already = authenticated(c);
    if (already !== undefined) return fail('ALREADY_AUTHENTICATED', already, `You are already logged in as ${already}`);
    if (c.registering) return fail('TEMPORARILY_UNAVAILABLE', nick, 'Registration is in progress; try again after the welcome');
    const password = msg.params[2]!;
    let r;
    try {
      r = await c.execute('register', c.registered ? { password } : { name: nick, password });
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      return fail(registerFailCode(err), nick, err.code === 'INTERNAL' ? 'Registration failed; try again later' : `Registration failed: ${err.message}`);
    }
    if (c.registered) {
      // IRC clients log in with SASL or PASS, never with session tokens: the one issued goes.
      c.core.accounts.bindToken(c, undefined);
      c.core.accounts.revokeToken(r.token).catch((err: unknown) => c.core.deps.log.error({ err }, 'token revoke failed'));
    } else {
      // Like SASL: registration completes logged in to the new account with this token.
      c.saslAccount = { name: r.name, token: r.token };
    }
    c.numeric(N.RPL_LOGGEDIN, [`${r.name}!~${c.username ?? '*'}@${USER_HOST}`, r.name, `You are now logged in as ${r.name}`]);
    c.sendLine({ source: c.server.name, command: 'REGISTER', params: ['SUCCESS', r.name, `Account ${r.name} registered; log in with SASL PLAIN or PASS next time`], trailing: true });
  },
});

export const verify = defineVerb({
  name: 'VERIFY',
  minParams: 2,
  beforeRegistration: true,
  run(c, msg) {
    const account = msg.params[0]!;
    const already = authenticated(c);
    if (already !== undefined) return standardReply(c, 'FAIL', 'VERIFY', 'ALREADY_AUTHENTICATED', [already], `You are already logged in as ${already}`);
    standardReply(c, 'FAIL', 'VERIFY', 'INVALID_CODE', [account], 'No registration is waiting for verification: Banter registers accounts at once');
  },
});
