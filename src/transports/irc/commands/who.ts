// WHO <mask>   (a channel, a nick, or a nick glob such as a* ; 0 and * mean everyone)
import type { UserEntry } from '../../../core/directory.ts';
import { foldName } from '../../../protocol/index.ts';
import type { IrcConnection } from '../connection.ts';
import { N } from '../numerics.ts';
import { prefixOf } from '../replies.ts';
import { USER_HOST } from '../isupport.ts';
import { defineVerb } from './verb.ts';
import { globMatch, visibleTo } from '../../../core/moderation.ts';

/** Flags: H (here) or G (gone, away), `*` for a server operator, then the channel prefixes. */
function reply(c: IrcConnection, channel: string, u: UserEntry, prefix: string): void {
  const ident = c.server.ident(u.name);
  c.numeric(N.RPL_WHOREPLY, [channel, `~${ident?.user ?? u.name.slice(0, 10)}`, USER_HOST, c.server.name, u.name,
    `${u.presence === 'away' ? 'G' : 'H'}${c.core.isAdmin(u) ? '*' : ''}${prefix}`, `0 ${c.server.realname(u.name)}`]);
}

/**
 * Whether a user shows up in the asker's WHO #channel (as a non-member) or WHO mask: users
 * who set +i only to themselves, to those who share a channel with them, and to operators.
 */
function seenBy(c: IrcConnection, asker: UserEntry | undefined, u: UserEntry): boolean {
  if (u === asker || !c.server.connectionOf(u.name)?.invisible) return true;
  if (!asker) return false;
  if (c.oper || c.core.isAdmin(asker)) return true;
  for (const r of u.rooms) if (asker.rooms.has(r)) return true;
  return false;
}

export const who = defineVerb({
  name: 'WHO',
  minParams: 0,
  run(c, msg) {
    const mask = msg.params[0] ?? '*';
    const { dir } = c.core;
    const me = dir.users.get(c.folded!);
    const multi = c.caps.has('multi-prefix');
    const budget = c.server.config.sendQueueBytes / 2;
    if (mask.startsWith('#')) {
      const room = dir.room(mask);
      if (room && visibleTo(room, me, c.core.isAdmin(me))) {
        const member = me !== undefined && room.members.has(me.folded);
        for (const m of room.members) {
          const u = dir.users.get(m);
          if (u && (member || seenBy(c, me, u))) reply(c, room.name, u, prefixOf(room, u, multi));
        }
      }
    } else if (mask === '0' || /[*?]/.test(mask)) {
      const folded = mask === '0' ? '*' : foldName(mask);
      for (const u of dir.users.values()) {
        if (c.queuedBytes() > budget) break;
        if (globMatch(folded, u.folded) && seenBy(c, me, u)) reply(c, '*', u, '');
      }
    } else {
      // A nick asked for by name is answered, invisible or not (as ratbox and InspIRCd do).
      const u = dir.user(mask);
      if (u) reply(c, '*', u, '');
    }
    c.numeric(N.RPL_ENDOFWHO, [mask, 'End of WHO list']);
  },
});
