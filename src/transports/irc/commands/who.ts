// WHO <mask> [o]   (a channel, a nick, or a nick glob such as a* ; 0 and * mean everyone; o: operators only)
import type { UserEntry } from '../../../core/directory.ts';
import { foldName } from '../../../protocol/index.ts';
import type { IrcConnection } from '../connection.ts';
import { N } from '../numerics.ts';
import { prefixOf, seenBy } from '../replies.ts';
import { USER_HOST } from '../isupport.ts';
import { defineVerb } from './verb.ts';
import { globMatch, visibleTo } from '../../../core/moderation.ts';

/** Flags: H (here) or G (gone, away), `*` for a server operator, then the channel prefixes. */
function reply(c: IrcConnection, channel: string, u: UserEntry, prefix: string): void {
  const ident = c.server.ident(u.name);
  c.numeric(N.RPL_WHOREPLY, [channel, `~${ident?.user ?? u.name.slice(0, 10)}`, USER_HOST, c.server.name, u.name,
    `${u.presence === 'away' ? 'G' : 'H'}${c.core.isAdmin(u) ? '*' : ''}${prefix}`, `0 ${c.server.realname(u.name)}`]);
}

export const who = defineVerb({
  name: 'WHO',
  minParams: 0,
  run(c, msg) {
    const mask = msg.params[0] ?? '*';
    const { dir } = c.core;
    const opersOnly = msg.params[1] === 'o';
    const send = (channel: string, u: UserEntry, prefix: string): void => {
      if (!opersOnly || c.core.isAdmin(u)) reply(c, channel, u, prefix);
    };
    const me = dir.users.get(c.folded!);
    const multi = c.caps.has('multi-prefix');
    const budget = c.server.config.sendQueueBytes / 2;
    if (mask.startsWith('#')) {
      const room = dir.room(mask);
      if (room && visibleTo(room, me, c.core.isAdmin(me))) {
        const member = me !== undefined && room.members.has(me.folded);
        for (const m of room.members) {
          const u = dir.users.get(m);
          if (u && (member || seenBy(c, me, u))) send(room.name, u, prefixOf(room, u, multi));
        }
      }
    } else if (mask === '0' || /[*?]/.test(mask)) {
      const folded = mask === '0' ? '*' : foldName(mask);
      for (const u of dir.users.values()) {
        if (c.queuedBytes() > budget) break;
        if (globMatch(folded, u.folded) && seenBy(c, me, u)) send('*', u, '');
      }
    } else {
      // A nick asked for by name is answered, invisible or not (as ratbox and InspIRCd do).
      const u = dir.user(mask);
      if (u) send('*', u, '');
    }
    c.numeric(N.RPL_ENDOFWHO, [mask, 'End of WHO list']);
  },
});
