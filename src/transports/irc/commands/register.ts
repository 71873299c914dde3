/** Completes registration once NICK and USER are known and CAP negotiation is over. */
import { ChatError } from '../../../core/errors.ts';
import type { IrcConnection } from '../connection.ts';
import { N } from '../numerics.ts';
import { joinBurst, welcome } from '../replies.ts';

export async function tryRegister(c: IrcConnection): Promise<void> {
  if (c.registered || c.registering || c.capNegotiating || !c.nick || !c.username) return;
  const nick = c.nick;
  if (!c.server.claimIdent(c, nick, c.username, c.realname)) {
    c.nick = undefined;
    c.numeric(N.ERR_NICKNAMEINUSE, [nick, 'Nickname is already in use']);
    return;
  }
  c.registering = true;
  let reply;
  try {
    reply = await c.execute('login', { name: nick, lobby: c.server.config.autoJoinLobby });
  } catch (err) {
    c.registering = false;
    c.server.dropIdent(c, nick);
    if (err instanceof ChatError && (err.code === 'NAME_TAKEN' || err.code === 'NAME_CONFUSABLE')) {
      c.nick = undefined;
      c.numeric(N.ERR_NICKNAMEINUSE, [nick, 'Nickname is already in use']);
      return;
    }
    if (err instanceof ChatError && err.code === 'NAME_INVALID') {
      c.nick = undefined;
      c.numeric(N.ERR_ERRONEUSNICKNAME, [nick, 'Erroneous nickname']);
      return;
    }
    throw err;
  }
  c.registering = false;
  c.registered = true;
  c.nick = reply.name;
  c.server.onRegistered();
  welcome(c);
  for (const r of reply.rooms) {
    const room = c.core.dir.room(r.name);
    if (room) joinBurst(c, room, true);
  }
}
