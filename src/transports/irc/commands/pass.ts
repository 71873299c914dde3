// PASS <password>  — accepted and ignored: Banter has no server password or accounts yet
import { N } from '../numerics.ts';
import { defineVerb } from './verb.ts';

export const pass = defineVerb({
  name: 'PASS',
  minParams: 1,
  beforeRegistration: true,
  run(c) {
    if (c.registered || c.nick !== undefined || c.username !== undefined) c.numeric(N.ERR_ALREADYREGISTERED, ['You may not reregister']);
  },
});
