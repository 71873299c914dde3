/**
 * Completes registration once NICK and USER are known and CAP negotiation is over: logs in
 * to the core as the SASL account (with its one-use token), as the nick with the PASS
 * password when the nick is registered, or as a guest.
 */
import { foldName } from '../../../protocol/index.ts';
import { ChatError } from '../../../core/errors.ts';
import type { IrcConnection } from '../connection.ts';
import { REGISTERED_NICK_TEXT } from '../errors.ts';
import { USER_HOST } from '../isupport.ts';
import { N } from '../numerics.ts';
import { joinBurst, welcome } from '../replies.ts';

export async function tryRegister(c: IrcConnection): Promise<void> {
  if (c.registered || c.registering || c.capNegotiating || !c.nick || !c.username) return;
  // SASL chose the account, and in Banter the account is the nick.
  const sasl = c.saslAccount;
  const nick = sasl?.name ?? c.nick;
  if (!c.server.claimIdent(c, nick, c.username, c.realname)) {
    if (sasl) return saslAccountBusy(c, nick);
    c.nick = undefined;
    c.numeric(N.ERR_NICKNAMEINUSE, [nick, 'Nickname is already in use']);
    return;
  }
  c.registering = true;
  const lobby = c.server.config.autoJoinLobby;
  let reply;
  let usedPassword = false;
  try {
    if (sasl) {
      reply = await c.execute('login', { name: sasl.name, token: sasl.token, lobby });
    } else if (c.password !== undefined && (await c.core.accounts.get(foldName(nick)))) {
      usedPassword = true;
      reply = await c.execute('login', { name: nick, password: c.password, lobby });
    } else {
      reply = await c.execute('login', { name: nick, lobby });
    }
  } catch (err) {
    c.registering = false;
    c.server.dropIdent(c, nick);
    if (!(err instanceof ChatError)) throw err;
    return loginFailed(c, err, nick, usedPassword);
  } finally {
    c.password = undefined;
  }
  // IRC clients have no use for session tokens: the one this login used or got is revoked.
  const token = sasl?.token ?? reply.token;
  c.saslAccount = undefined;
  if (token) {
    c.core.accounts.bindToken(c, undefined);
    c.core.accounts.revokeToken(token).catch((err: unknown) => c.core.deps.log.error({ err }, 'token revoke failed'));
  }
  c.registering = false;
  // The connection may have been closed (killed, dropped) while the login ran: it has left
  // the core and the listener's counts already, and must not be counted again.
  if (c.gone) return;
  c.registered = true;
  c.nick = reply.name;
  c.server.onRegistered(c);
  if (usedPassword) c.numeric(N.RPL_LOGGEDIN, [`${reply.name}!~${c.username}@${USER_HOST}`, reply.name, `You are now logged in as ${reply.name}`]);
  welcome(c);
  for (const r of reply.rooms) {
    const room = c.core.dir.room(r.name);
    if (room) joinBurst(c, room, true);
  }
}

function loginFailed(c: IrcConnection, err: ChatError, nick: string, usedPassword: boolean): void {
  switch (err.code) {
    case 'NAME_TAKEN':
    case 'NAME_CONFUSABLE':
      if (c.saslAccount) return saslAccountBusy(c, nick);
      c.nick = undefined;
      return c.numeric(N.ERR_NICKNAMEINUSE, [nick, 'Nickname is already in use']);
    case 'NAME_INVALID':
      c.nick = undefined;
      return c.numeric(N.ERR_ERRONEUSNICKNAME, [nick, 'Erroneous nickname']);
    case 'AUTH_REQUIRED':
      // A guest asked for a registered nick: like a nick in use, so the client tries its alternative.
      c.nick = undefined;
      return c.numeric(N.ERR_NICKNAMEINUSE, [nick, REGISTERED_NICK_TEXT]);
    case 'AUTH_FAILED':
    case 'AUTH_THROTTLED':
    case 'AUTH_BUSY':
      if (!usedPassword) break;
      // A wrong PASS ends the connection, as for a server password; each guess costs a connection.
      c.numeric(N.ERR_PASSWDMISMATCH, [err.code === 'AUTH_FAILED' ? 'Password incorrect' : `Password not checked: ${err.message}`]);
      return c.close(err.code === 'AUTH_FAILED' ? 'Bad password' : err.code === 'AUTH_BUSY' ? 'Server busy checking passwords' : 'Too many wrong passwords');
  }
  c.fail(err, { command: 'NICK', target: nick });
}

/** The SASL account's name is online elsewhere: the login is given up; the client may go on as a guest. */
function saslAccountBusy(c: IrcConnection, name: string): void {
  const token = c.saslAccount!.token;
  c.saslAccount = undefined;
  c.core.accounts.revokeToken(token).catch((err: unknown) => c.core.deps.log.error({ err }, 'token revoke failed'));
  c.nick = undefined;
  c.numeric(N.ERR_NICKNAMEINUSE, [name, 'Nickname is already in use: your account is connected elsewhere']);
  c.numeric(N.RPL_LOGGEDOUT, [`*!~${c.username ?? '*'}@${USER_HOST}`, 'You are now logged out']);
}
