// ping
import { defineCommand } from './command.ts';

export const ping = defineCommand({
  name: 'ping',
  needsLogin: false,
  help: 'ping — the server answers with its time',
  async run(ctx) {
    return { ts: ctx.core.deps.clock.now() };
  },
});
