// QUIT [:<reason>]
import { LIMITS } from '../../../protocol/index.ts';
import { stripFormatting } from './util.ts';
import { defineVerb } from './verb.ts';

export const quit = defineVerb({
  name: 'QUIT',
  minParams: 0,
  beforeRegistration: true,
  run(c, msg) {
    const reason = stripFormatting(msg.params[0] ?? '').trim().slice(0, LIMITS.awayMaxLength);
    c.close(reason ? `Quit: ${reason}` : 'Quit');
  },
});
