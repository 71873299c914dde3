// topic <#room> <topic>
import { LIMITS, sanitizeLine } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { isBanned, isMuted, rankOf, readMod, RANK_OP } from '../moderation.ts';
import { defineCommand, me } from './command.ts';
import { whoOf } from './moderate.ts';
import { requireRoom } from './target.ts';

export const topic = defineCommand({
  name: 'topic',
  needsLogin: true,
  help: 'topic #ROOM TEXT — set the topic of a room you are in (empty text clears it)',
  async run(ctx, req) {
    const user = me(ctx);
    const room = requireRoom(ctx, req.room);
    const admin = ctx.core.isAdmin(user);
    if (!admin && !room.members.has(user.folded)) throw new ChatError('NOT_IN_ROOM', `you are not in ${room.name}`);
    const rank = rankOf(room, user, admin);
    if (readMod(room).topicLock && rank < RANK_OP) throw new ChatError('NOT_ROOM_OPERATOR', `the topic of ${room.name} is locked (+t): only operators set it`);
    // The topic is shown to the whole room: one who is banned or muted there may not write it.
    if (rank < RANK_OP) {
      const who = whoOf(ctx, user);
      if (isBanned(room, who)) throw new ChatError('BANNED_FROM_ROOM', `you are banned from ${room.name}`);
      if (isMuted(room, who)) throw new ChatError('MUTED', `you are muted in ${room.name}`);
    }
    // Shown to others on one line: cleaned like every such string (sanitizeLine); nothing left clears it.
    const text = sanitizeLine(req.topic, Infinity);
    if (text.length > LIMITS.topicMaxLength) throw new ChatError('TEXT_TOO_LONG', `invalid topic: longer than ${LIMITS.topicMaxLength} characters`);
    ctx.core.emit({ kind: 'topic', room: room.name, topic: text, by: user.name });
    return { room: room.name, topic: text };
  },
});
