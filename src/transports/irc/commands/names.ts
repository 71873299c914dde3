// NAMES [<channel>{,<channel>}]
import { N } from '../numerics.ts';
import { names as sendNames } from '../replies.ts';
import { targets } from './util.ts';
import { defineVerb } from './verb.ts';
import { visibleTo } from '../../../core/moderation.ts';

export const names = defineVerb({
  name: 'NAMES',
  minParams: 0,
  run(c, msg) {
    if (!msg.params[0]) return c.numeric(N.RPL_ENDOFNAMES, ['*', 'End of /NAMES list']);
    for (const name of targets(msg.params[0]).slice(0, 1)) {
      const room = c.core.dir.room(name);
      const me = c.core.dir.users.get(c.folded!);
      if (room && visibleTo(room, me, c.core.isAdmin(me))) sendNames(c, room);
      else c.numeric(N.RPL_ENDOFNAMES, [name, 'End of /NAMES list']);
    }
  },
});
