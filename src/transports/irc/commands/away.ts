// AWAY [:<message>]
import { LIMITS } from '../../../protocol/index.ts';
import { N } from '../numerics.ts';
import { stripFormatting } from './util.ts';
import { defineVerb } from './verb.ts';

export const away = defineVerb({
  name: 'AWAY',
  minParams: 0,
  async run(c, msg) {
    const text = stripFormatting(msg.params[0] ?? '').trim().slice(0, LIMITS.awayMaxLength);
    if (text === '') {
      await c.execute('back', {});
      c.numeric(N.RPL_UNAWAY, ['You are no longer marked as being away']);
    } else {
      await c.execute('away', { message: text });
      c.numeric(N.RPL_NOWAWAY, ['You have been marked as being away']);
    }
  },
});
