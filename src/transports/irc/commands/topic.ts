// TOPIC <channel> [:<topic>]
import { LIMITS } from '../../../protocol/index.ts';
import { N } from '../numerics.ts';
import { topic as sendTopic } from '../replies.ts';
import { stripFormatting } from './util.ts';
import { defineVerb } from './verb.ts';
import { visibleTo } from '../../../core/moderation.ts';

export const topic = defineVerb({
  name: 'TOPIC',
  minParams: 1,
  async run(c, msg) {
    const name = msg.params[0]!;
    if (msg.params.length < 2) {
      const room = c.core.dir.room(name);
      const me = c.core.dir.users.get(c.folded!);
      // A secret channel's topic is not shown to outsiders: to them it does not exist.
      if (!room || !visibleTo(room, me, c.core.isAdmin(me))) return c.numeric(N.ERR_NOSUCHCHANNEL, [name, 'No such channel']);
      sendTopic(c, room, true);
      return;
    }
    // Longer topics are cut to TOPICLEN, as IRC servers do.
    const text = stripFormatting(msg.params[1]!).slice(0, LIMITS.topicMaxLength);
    try {
      await c.execute('topic', { room: name, topic: text });
    } catch (err) {
      c.fail(err, { command: 'TOPIC', target: name });
    }
  },
});
