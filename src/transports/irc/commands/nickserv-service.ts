/**
 * A small `NickServ` for IRC habits: `REGISTER <password>` registers the current nick as an
 * account (the core's `register` request) and logs the connection in to it; `IDENTIFY`
 * explains how to log in (Banter logs in at connection time, with SASL or PASS, because the
 * nick is the account). Answers are NOTICEs to the requester only; nothing is relayed.
 */
import { ChatError } from '../../../core/errors.ts';
import type { IrcConnection } from '../connection.ts';
import { USER_HOST } from '../isupport.ts';
import { N } from '../numerics.ts';

export const NICKSERV_MASK = 'NickServ!NickServ@services';

export async function nickServ(c: IrcConnection, text: string): Promise<void> {
  const say = (line: string): void => c.sendLine({ source: NICKSERV_MASK, command: 'NOTICE', params: [c.me, line], trailing: true });
  const words = text.trim().split(/ +/);
  const verb = (words[0] ?? '').toUpperCase();
  const account = c.core.dir.user(c.me)?.account;
  switch (verb) {
    case 'REGISTER': {
      const password = words[1];
      if (!password) return say('Syntax: REGISTER <password>');
      try {
        const r = await c.execute('register', { password });
        // IRC clients log in with SASL or PASS, never with session tokens: drop the one issued.
        c.core.accounts.bindToken(c, undefined);
        await c.core.accounts.revokeToken(r.token);
        c.numeric(N.RPL_LOGGEDIN, [`${c.me}!~${c.username ?? c.me}@${USER_HOST}`, r.name, `You are now logged in as ${r.name}`]);
        say(`${r.name} is now registered to you. Next time, log in with SASL PLAIN or PASS and this password.`);
      } catch (err) {
        if (!(err instanceof ChatError)) throw err;
        say(err.code === 'INTERNAL' ? 'Registration failed; try again later.' : `Registration failed: ${err.message}`);
      }
      return;
    }
    case 'IDENTIFY':
    case 'LOGIN':
      return say(account !== undefined
        ? `You are already logged in as ${account}.`
        : `Log in when connecting: SASL PLAIN, or PASS <password> before NICK ${c.me === '*' ? '<nick>' : c.me}.`);
    case 'STATUS':
    case 'INFO':
      return say(account !== undefined ? `You are logged in as ${account}.` : 'You are not logged in (a guest).');
    default:
      say('Commands: REGISTER <password> (register your current nick), IDENTIFY (how to log in), STATUS.');
  }
}
