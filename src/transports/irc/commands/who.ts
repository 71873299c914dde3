// WHO <mask>   (a channel, a nick, or a nick glob such as a* )
import type { UserEntry } from '../../../core/directory.ts';
import { foldName } from '../../../protocol/index.ts';
import type { IrcConnection } from '../connection.ts';
import { N } from '../numerics.ts';
import { prefixOf } from '../replies.ts';
import { USER_HOST } from '../isupport.ts';
import { globMatch } from './util.ts';
import { defineVerb } from './verb.ts';

function reply(c: IrcConnection, channel: string, u: UserEntry, prefix: string): void {
  const ident = c.server.ident(u.name);
  c.numeric(N.RPL_WHOREPLY, [channel, `~${ident?.user ?? u.name.slice(0, 10)}`, USER_HOST, c.server.name, u.name,
    `${u.presence === 'away' ? 'G' : 'H'}${prefix}`, `0 ${c.server.realname(u.name)}`]);
}


export const who = defineVerb({
  name: 'WHO',
  minParams: 0,
  run(c, msg) {
    const mask = msg.params[0] ?? '*';
    const { dir } = c.core;
    const budget = c.server.config.sendQueueBytes / 2;
    if (mask.startsWith('#')) {
      const room = dir.room(mask);
      if (room) {
        for (const m of room.members) {
          const u = dir.users.get(m);
          if (u) reply(c, room.name, u, prefixOf(room, u));
        }
      }
    } else if (/[*?]/.test(mask)) {
      const folded = foldName(mask);
      for (const u of dir.users.values()) {
        if (c.queuedBytes() > budget) break;
        if (globMatch(folded, u.folded)) reply(c, '*', u, '');
      }
    } else {
      const u = dir.user(mask);
      if (u) reply(c, '*', u, '');
    }
    c.numeric(N.RPL_ENDOFWHO, [mask, 'End of WHO list']);
  },
});
