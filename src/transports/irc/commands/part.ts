// PART <channel>{,<channel>} [:<reason>]
import { stripFormatting, targets } from './util.ts';
import { defineVerb } from './verb.ts';

export const part = defineVerb({
  name: 'PART',
  minParams: 1,
  async run(c, msg) {
    const reason = msg.params[1] !== undefined ? stripFormatting(msg.params[1]).trim() : '';
    for (const name of targets(msg.params[0]!)) {
      try {
        await c.execute('part', reason ? { room: name, reason } : { room: name });
      } catch (err) {
        c.fail(err, { command: 'PART', target: name });
      }
    }
  },
});
