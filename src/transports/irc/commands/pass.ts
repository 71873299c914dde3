// PASS <password>  — the password of the registered nick that follows (ignored for guest nicks)
import { N } from '../numerics.ts';
import { defineVerb } from './verb.ts';

export const pass = defineVerb({
  name: 'PASS',
  minParams: 1,
  beforeRegistration: true,
  run(c, msg) {
    if (c.registered || c.nick !== undefined || c.username !== undefined) return c.numeric(N.ERR_ALREADYREGISTERED, ['You may not reregister']);
    c.password = msg.params[0]!;
  },
});
