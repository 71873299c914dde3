// KICK <channel> <nick>{,<nick>} [:<reason>]
import { stripFormatting, targets } from './util.ts';
import { defineVerb } from './verb.ts';

export const kick = defineVerb({
  name: 'KICK',
  minParams: 2,
  async run(c, msg) {
    const room = msg.params[0]!;
    const reason = msg.params[2] !== undefined ? stripFormatting(msg.params[2]).trim() : '';
    for (const name of targets(msg.params[1]!)) {
      try {
        await c.execute('kick', reason ? { room, name, reason } : { room, name });
      } catch (err) {
        c.fail(err, { command: 'KICK', target: room, nick: name });
      }
    }
  },
});
