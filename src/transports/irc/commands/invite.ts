// INVITE <nick> <channel>
import { N } from '../numerics.ts';
import { defineVerb } from './verb.ts';

export const invite = defineVerb({
  name: 'INVITE',
  minParams: 2,
  async run(c, msg) {
    const [nick, channel] = [msg.params[0]!, msg.params[1]!];
    try {
      const r = await c.execute('invite', { room: channel, name: nick });
      c.numeric(N.RPL_INVITING, [r.name, r.room], false);
      // As for PRIVMSG: the inviter learns that the invited user is away.
      const u = c.core.dir.user(r.name);
      if (u?.presence === 'away') c.numeric(N.RPL_AWAY, [u.name, u.away]);
    } catch (err) {
      c.fail(err, { command: 'INVITE', target: channel, nick });
    }
  },
});
