// LIST [<channel>{,<channel>}]
import { foldName } from '../../../protocol/index.ts';
import { N } from '../numerics.ts';
import { targets } from './util.ts';
import { defineVerb } from './verb.ts';
import { visibleTo } from '../../../core/moderation.ts';

export const list = defineVerb({
  name: 'LIST',
  minParams: 0,
  run(c, msg) {
    const { dir } = c.core;
    const wanted = msg.params[0] ? targets(msg.params[0]).map(foldName) : undefined;
    const me = dir.users.get(c.folded!);
    const admin = c.core.isAdmin(me);
    // Secret channels (+s) are listed only to their members (and admins).
    const rooms = (wanted
      ? wanted.map((n) => dir.rooms.get(n)).filter((r) => r !== undefined)
      : [...dir.rooms.values()].sort((a, b) => a.folded.localeCompare(b.folded))).filter((r) => visibleTo(r, me, admin));
    c.numeric(N.RPL_LISTSTART, ['Channel', 'Users  Name']);
    // A very long list stops at half the send queue rather than disconnecting the asker.
    const budget = c.server.config.sendQueueBytes / 2;
    for (const r of rooms) {
      if (c.queuedBytes() > budget) break;
      c.numeric(N.RPL_LIST, [r.name, String(r.members.size), r.topic]);
    }
    c.numeric(N.RPL_LISTEND, ['End of /LIST']);
  },
});
