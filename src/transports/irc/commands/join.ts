// JOIN <channel>{,<channel>} [<key>{,<key>}]  |  JOIN 0   (keys pair with channels in order, for +k)
import { N } from '../numerics.ts';
import { joinBurst } from '../replies.ts';
import { sendMarkRead } from './markread.ts';
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
    const keys = msg.params[1]?.split(',') ?? [];
    for (const [i, name] of targets(msg.params[0]!).entries()) {
      if (!name.startsWith('#')) {
        c.numeric(N.ERR_NOSUCHCHANNEL, [name, 'No such channel']);
        continue;
      }
      if (c.core.dir.room(name)?.members.has(c.folded!)) continue;
      try {
        // No history in the reply: IRC shows none, and messages a reply carries are not
        // delivered again live (they would be lost to an IRC client). CHATHISTORY reads it.
        const key = keys[i];
        const state = await c.execute('join', key !== undefined && key !== '' ? { room: name, history: 0, key } : { room: name, history: 0 });
        // draft/read-marker: the mark follows the JOIN, before the names.
        if (c.caps.has('draft/read-marker')) await sendMarkRead(c, state.name);
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
