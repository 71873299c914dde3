// PING <token>  /  PONG [server] <token>
import { defineVerb } from './verb.ts';

export const ping = defineVerb({
  name: 'PING',
  minParams: 1,
  beforeRegistration: true,
  run(c, msg) {
    c.sendLine({ source: c.server.name, command: 'PONG', params: [c.server.name, msg.params[0]!], trailing: true });
  },
});

/** Any input counts as liveness (connection.ts); PONG itself needs no reply. */
export const pong = defineVerb({
  name: 'PONG',
  minParams: 0,
  beforeRegistration: true,
  run() { /* liveness is recorded for every line */ },
});
