// topic <#room> <topic>
import { LIMITS, sanitizeLine } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';
import { requireRoom } from './target.ts';

export const topic = defineCommand({
  name: 'topic',
  needsLogin: true,
  help: 'topic #ROOM TEXT — set the topic of a room you are in (empty text clears it)',
  async run(ctx, req) {
    const user = me(ctx);
    const room = requireRoom(ctx, req.room);
    if (!room.members.has(user.folded)) throw new ChatError('NOT_IN_ROOM', `you are not in ${room.name}`);
    // Shown to others on one line: cleaned like every such string (sanitizeLine); nothing left clears it.
    const text = sanitizeLine(req.topic, Infinity);
    if (text.length > LIMITS.topicMaxLength) throw new ChatError('TEXT_TOO_LONG', `invalid topic: longer than ${LIMITS.topicMaxLength} characters`);
    ctx.core.emit({ kind: 'topic', room: room.name, topic: text, by: user.name });
    return { room: room.name, topic: text };
  },
});
