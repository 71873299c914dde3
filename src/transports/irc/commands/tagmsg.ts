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
      } catch (err) {
        c.fail(err, { command: 'TAGMSG', target });
      }
    }
  },
});
