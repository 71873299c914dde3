// QUIT [:<reason>]
import { clientQuitReason } from '../../../protocol/index.ts';
import { stripFormatting } from './util.ts';
import { defineVerb } from './verb.ts';

export const quit = defineVerb({
  name: 'QUIT',
  minParams: 0,
  beforeRegistration: true,
  run(c, msg) {
    // "Quit: <reason>": a client's reason can never pass for the server's ("Ping timeout").
    c.close(clientQuitReason(stripFormatting(msg.params[0] ?? '')));
  },
});
