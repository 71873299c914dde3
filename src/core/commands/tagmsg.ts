// tagmsg <#room|name> <tags>  — client-only tags with no message (IRCv3 TAGMSG), relayed live
import { randomUUID } from 'node:crypto';
import { defineCommand, me } from './command.ts';
import { whoOf } from './moderate.ts';
import { requireRoom, resolveTarget } from './target.ts';
import { silenced } from '../moderation.ts';

export const tagmsg = defineCommand({
  name: 'tagmsg',
  needsLogin: true,
  help: 'tagmsg TARGET TAGS — client-only tags (a reaction, a reply marker) to a room you may speak in or to one user; not stored',
  async run(ctx, req) {
    const user = me(ctx);
    let to: string;
    if (req.to.startsWith('#')) {
      // The room's rules as for a message (membership, bans, mutes, +m), but a tag is not a
      // message: slow mode neither refuses it nor counts it.
      const room = requireRoom(ctx, req.to);
      const refusal = silenced(room, whoOf(ctx, user));
      if (refusal) throw refusal;
      to = room.name;
    } else {
      const target = resolveTarget(ctx, user, req.to);
      to = 'room' in target ? target.room.name : target.user.name;
    }
    const id = randomUUID();
    const ts = ctx.core.deps.clock.now();
    ctx.core.emit({ kind: 'tagmsg', id, from: user.name, to, tags: req.tags, ts });
    return { id, to, ts };
  },
});
