// MODE <channel> [<modestring>]   MODE <nick> [<modestring>]
// Channels have the fixed mode +n (only members can send); the room's creator is its first
// operator (@) and operators can make others operators (+o/-o). Ban/exception/invite lists
// can be queried and are always empty. The only user mode is +i, accepted for client
// compatibility (Banter hides nobody).
import { foldName } from '../../../protocol/index.ts';
import type { IrcConnection } from '../connection.ts';
import { isRoomOperator } from '../../../core/directory.ts';
import { N } from '../numerics.ts';
import { defineVerb } from './verb.ts';

async function channelMode(c: IrcConnection, name: string, modes: string | undefined, args: string[]): Promise<void> {
  const room = c.core.dir.room(name);
  if (!room) return c.numeric(N.ERR_NOSUCHCHANNEL, [name, 'No such channel']);
  if (modes === undefined) {
    c.numeric(N.RPL_CHANNELMODEIS, [room.name, '+n'], false);
    c.numeric(N.RPL_CREATIONTIME, [room.name, String(Math.floor((room.createdAt ?? c.server.createdAt.getTime()) / 1000))], false);
    return;
  }
  const letters = modes.replace(/[+-]/g, '');
  if (letters !== '' && [...letters].every((m) => m === 'b' || m === 'e' || m === 'I') && !modes.includes('-')) {
    for (const m of new Set(letters)) {
      if (m === 'b') c.numeric(N.RPL_ENDOFBANLIST, [room.name, 'End of channel ban list']);
      if (m === 'e') c.numeric(N.RPL_ENDOFEXCEPTLIST, [room.name, 'End of channel exception list']);
      if (m === 'I') c.numeric(N.RPL_ENDOFINVITELIST, [room.name, 'End of channel invite list']);
    }
    return;
  }
  if (!room.members.has(c.folded!)) return c.numeric(N.ERR_NOTONCHANNEL, [room.name, "You're not on that channel"]);
  if (!isRoomOperator(room, c.core.dir.users.get(c.folded!))) return c.numeric(N.ERR_CHANOPRIVSNEEDED, [room.name, "You're not channel operator"]);
  let sign = '+';
  let next = 0;
  for (const m of modes) {
    if (m === '+' || m === '-') { sign = m; continue; }
    if (m === 'n' || m === 'b' || m === 'e' || m === 'I') continue;
    if (m !== 'o') {
      c.numeric(N.ERR_UNKNOWNMODE, [m, 'is unknown mode char to me']);
      continue;
    }
    const nick = args[next++];
    if (nick === undefined) {
      c.numeric(N.ERR_NEEDMOREPARAMS, ['MODE', 'Not enough parameters']);
      continue;
    }
    // The MODE line comes back as the room_operator event.
    await c.execute('op', { room: room.name, name: nick, op: sign === '+' }).catch((err: unknown) => c.fail(err, { command: 'MODE', target: room.name, nick }));
  }
}

function userMode(c: IrcConnection, nick: string, modes: string | undefined): void {
  if (foldName(nick) !== c.folded) {
    if (!c.core.dir.user(nick)) return c.numeric(N.ERR_NOSUCHNICK, [nick, 'No such nick/channel']);
    return c.numeric(N.ERR_USERSDONTMATCH, [modes === undefined ? "Can't view modes for other users" : "Can't change mode for other users"]);
  }
  if (modes === undefined) return c.numeric(N.RPL_UMODEIS, [c.invisible ? '+i' : '+'], false);
  let sign = '+';
  let changed = '';
  let unknown = false;
  for (const ch of modes) {
    if (ch === '+' || ch === '-') { sign = ch; continue; }
    if (ch !== 'i') { unknown = true; continue; }
    const on = sign === '+';
    if (c.invisible !== on) {
      c.invisible = on;
      changed += `${sign}i`;
    }
  }
  if (changed) c.sendLine({ source: c.server.mask(c.me), command: 'MODE', params: [c.me, changed], trailing: true });
  if (unknown) c.numeric(N.ERR_UMODEUNKNOWNFLAG, ['Unknown MODE flag']);
}

export const mode = defineVerb({
  name: 'MODE',
  minParams: 1,
  async run(c, msg) {
    const target = msg.params[0]!;
    if (target.startsWith('#')) await channelMode(c, target, msg.params[1], msg.params.slice(2));
    else userMode(c, target, msg.params[1]);
  },
});
