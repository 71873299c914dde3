// JOIN <channel>{,<channel>} [<key>{,<key>}]  |  JOIN 0
import { N } from '../numerics.ts';
import { joinBurst } from '../replies.ts';
import { targets } from './util.ts';
import { defineVerb } from './verb.ts';

export const join = defineVerb({
  name: 'JOIN',
  minParams: 1,
  async run(c, msg) {
    if (msg.params[0] === '0') {
      const me = c.core.dir.users.get(c.folded!);
      for (const r of [...(me?.rooms ?? [])]) {
        const room = c.core.dir.rooms.get(r);
        if (room && !c.core.isPermanent(room)) await c.execute('part', { room: room.name }).catch((err: unknown) => c.fail(err, { command: 'JOIN', target: room.name }));
      }
      return;
    }
    for (const name of targets(msg.params[0]!)) {
      if (!name.startsWith('#')) {
        c.numeric(N.ERR_NOSUCHCHANNEL, [name, 'No such channel']);
        continue;
      }
      if (c.core.dir.room(name)?.members.has(c.folded!)) continue;
      try {
        // No history in the reply: IRC shows none, and messages a reply carries are not
        // delivered again live (they would be lost to an IRC client). CHATHISTORY reads it.
        const state = await c.execute('join', { room: name, history: 0 });
        const room = c.core.dir.room(state.name);
        if (room) joinBurst(c, room, false);
        // Events the core held during this join (our own JOIN of the next channel among
        // them) are released in the next macrotask: let them out before the next join, so
        // each channel's JOIN line comes before its NAMES.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } catch (err) {
        c.fail(err, { command: 'JOIN', target: name });
      }
    }
  },
});
