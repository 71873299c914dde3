// NICK <nickname>
import { checkUserName, describeNameProblem, foldName, revealHiddenChars } from '../../../protocol/index.ts';
import { ChatError } from '../../../core/errors.ts';
import { N } from '../numerics.ts';
import { tryRegister } from './register.ts';
import { defineVerb } from './verb.ts';

export const nick = defineVerb({
  name: 'NICK',
  minParams: 0,
  beforeRegistration: true,
  async run(c, msg) {
    const wanted = msg.params[0] ?? '';
    if (wanted === '') return c.numeric(N.ERR_NONICKNAMEGIVEN, ['No nickname given']);
    const problem = checkUserName(wanted);
    // The refused nick is echoed with its hidden characters made visible (<U+202E>).
    if (problem) return c.numeric(N.ERR_ERRONEUSNICKNAME, [revealHiddenChars(wanted), `Erroneous nickname: ${describeNameProblem(problem)}`]);
    if (!c.registered) {
      if (c.registering) return;
      if (c.core.dir.user(wanted) || c.core.dir.lookalike(wanted)) return c.numeric(N.ERR_NICKNAMEINUSE, [wanted, 'Nickname is already in use']);
      c.nick = wanted;
      await tryRegister(c);
      return;
    }
    const old = c.nick!;
    if (wanted === old) return;
    if (foldName(wanted) !== foldName(old) && c.core.dir.user(wanted)) return c.numeric(N.ERR_NICKNAMEINUSE, [wanted, 'Nickname is already in use']);
    try {
      const reply = await c.execute('nick', { name: wanted });
      c.server.renameIdent(c, old, reply.name);
      c.nick = reply.name;
    } catch (err) {
      c.fail(err, { command: 'NICK', target: wanted, ...(err instanceof ChatError && err.room !== undefined ? { nick: err.room } : {}) });
    }
  },
});
