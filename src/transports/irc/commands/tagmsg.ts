// @+typing=active TAGMSG <target>  — typing notifications; other client tags are not relayed
import { foldName } from '../../../protocol/index.ts';
import { targets } from './util.ts';
import { defineVerb } from './verb.ts';

export const tagmsg = defineVerb({
  name: 'TAGMSG',
  minParams: 1,
  async run(c, msg) {
    if (msg.tags?.['+typing'] !== 'active') return;
    for (const target of targets(msg.params[0]!)) {
      if (foldName(target) === 'calc') continue;
      try {
        await c.execute('typing', { to: target });
        // echo-message: the sender gets its TAGMSG back (labelled when the command was), as
        // recipients see it; the core delivers typing only to its recipients (deliver.ts).
        if (c.caps.has('echo-message') && c.caps.has('message-tags')) {
          const shown = target.startsWith('#') ? c.core.dir.room(target)?.name ?? target : c.core.dir.user(target)?.name ?? target;
          const account = c.server.account(c.me);
          const tags: Record<string, string> = account !== undefined ? { '+typing': 'active', account } : { '+typing': 'active' };
          c.sendLine({ tags, source: c.server.mask(c.me), command: 'TAGMSG', params: [shown] });
        }
      } catch (err) {
        c.fail(err, { command: 'TAGMSG', target });
      }
    }
  },
});
