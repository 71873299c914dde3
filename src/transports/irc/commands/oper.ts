// OPER <account> <password>   KILL <nick> [:<reason>]   WALLOPS :<text>
// A server administrator (config `admins`) logged in to <account> raises the IRC operator
// flag with the configured password (irc.operPassword); KILL and WALLOPS need the flag, as
// IRC clients expect. The admin role itself (moderating every room, server bans, the audit
// log) belongs to the account on every transport; the core checks it for every command.
import { createHash, timingSafeEqual } from 'node:crypto';
import { foldName } from '../../../protocol/index.ts';
import type { IrcConnection } from '../connection.ts';
import { N } from '../numerics.ts';
import { stripFormatting } from './util.ts';
import { defineVerb } from './verb.ts';

function samePassword(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function needOper(c: IrcConnection): boolean {
  if (c.oper) return true;
  c.numeric(N.ERR_NOPRIVILEGES, ["Permission Denied- You're not an IRC operator"]);
  return false;
}

export const oper = defineVerb({
  name: 'OPER',
  minParams: 2,
  run(c, msg) {
    const [name, password] = [msg.params[0]!, msg.params[1]!];
    const user = c.core.dir.users.get(c.folded!);
    const expected = c.server.config.operPassword ?? '';
    // The password is checked first, so OPER tells nothing about who is an admin to someone without it.
    if (expected === '' || !samePassword(password, expected)) return c.numeric(N.ERR_PASSWDMISMATCH, ['Password incorrect']);
    if (user?.account === undefined || foldName(user.account) !== foldName(name) || !c.core.isAdmin(user)) {
      return c.numeric(N.ERR_NOOPERHOST, ['No O-lines for your host']);
    }
    c.core.deps.log.info({ conn: c.id, account: user.account }, 'IRC operator');
    if (!c.oper) {
      c.oper = true;
      c.numeric(N.RPL_YOUREOPER, ['You are now an IRC operator']);
      c.sendLine({ source: c.server.mask(c.me), command: 'MODE', params: [c.me, '+o'], trailing: true });
    }
  },
});

export const kill = defineVerb({
  name: 'KILL',
  minParams: 1,
  async run(c, msg) {
    if (!needOper(c)) return;
    const nick = msg.params[0]!;
    const reason = msg.params[1] !== undefined ? stripFormatting(msg.params[1]).trim() : '';
    await c.execute('kill', reason ? { name: nick, reason } : { name: nick }).catch((err: unknown) => c.fail(err, { command: 'KILL', target: nick, nick }));
  },
});

export const wallops = defineVerb({
  name: 'WALLOPS',
  minParams: 1,
  async run(c, msg) {
    if (!needOper(c)) return;
    await c.execute('wallops', { text: stripFormatting(msg.params[0]!) }).catch((err: unknown) => c.fail(err, { command: 'WALLOPS' }));
  },
});
