// join <#room> [since]  (creates the room when it does not exist)
import { isRoomName } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { joinRefusal } from '../moderation.ts';
import { whoOf } from './moderate.ts';
import { defineCommand, me } from './command.ts';
import { missedSince, recent } from './conversation.ts';

export const join = defineCommand({
  name: 'join',
  needsLogin: true,
  help: 'join #ROOM [KEY] — join a room, creating it if it does not exist (KEY for a room with a join key); the reply has its recent history',
  async run(ctx, req) {
    const user = me(ctx);
    if (!isRoomName(req.room)) throw new ChatError('ROOM_INVALID', `invalid room name "${req.room}": rooms start with # and use letters, digits and - _ . [ ] ^ { } |`);
    const { dir, deps } = ctx.core;
    const existing = dir.room(req.room);
    if (!existing?.members.has(user.folded)) {
      if (user.rooms.size >= deps.config.maxRoomsPerUser) throw new ChatError('TOO_MANY_ROOMS', `you can be in at most ${deps.config.maxRoomsPerUser} rooms`);
      const refusal = existing ? joinRefusal(existing, whoOf(ctx, user), req.key) : undefined;
      if (refusal) throw refusal;
      if (!existing && dir.rooms.size >= deps.config.maxRooms) throw new ChatError('TOO_MANY_ROOMS', `the server has reached its limit of ${deps.config.maxRooms} rooms`);
      ctx.core.emit({ kind: 'room_join', room: existing?.name ?? req.room, name: user.name });
    }
    // Hold only after the join itself was delivered (IRC needs JOIN before the NAMES that the
    // reply produces); nothing can arrive in between, as there is no await since the emit.
    const hold = ctx.hold();
    const room = dir.room(req.room)!;
    const c = { conv: room.folded, to: room.name };
    const { history, gap, updated, lastSeq } = req.since === undefined
      ? { history: await recent(ctx, c, Math.min(req.history ?? ctx.core.history.onJoin, ctx.core.history.pageMax), hold), gap: false, updated: undefined, lastSeq: undefined }
      : await missedSince(ctx, c, req.since, hold).then((m) => ({ history: m.messages, gap: m.gap, updated: m.updated, lastSeq: m.lastSeq }));
    // The room may have changed while the history was read; report it as it is now.
    return { ...ctx.core.roomState(dir.room(req.room) ?? room), history, gap, ...(updated ? { updated } : {}), ...(lastSeq !== undefined ? { lastSeq } : {}) };
  },
});
