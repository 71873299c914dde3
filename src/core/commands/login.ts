// login <name>
import { checkUserName, describeNameProblem, PROTOCOL_VERSION } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { defineCommand } from './command.ts';

export const login = defineCommand({
  name: 'login',
  needsLogin: false,
  help: 'login NAME — pick your name for this connection',
  async run(ctx, req) {
    const problem = checkUserName(req.name);
    if (problem) throw new ChatError('NAME_INVALID', `invalid name: ${describeNameProblem(problem)}`);
    const user = await ctx.bindUser(req.name, { lobby: req.lobby !== false });
    const rooms = [...user.rooms].map((r) => ctx.core.dir.rooms.get(r)).filter((r) => r !== undefined).map((r) => ctx.core.roomState(r));
    return { name: user.name, protocol: PROTOCOL_VERSION, rooms };
  },
});
