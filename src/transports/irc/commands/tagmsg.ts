// @+typing=active TAGMSG <target>  — typing notifications
// @+draft/react=<emoji>;+draft/reply=<msgid> TAGMSG <target>  — a reaction (+draft/unreact takes it back)
// other client tags are not relayed
import { foldName } from '../../../protocol/index.ts';
import { targets } from './util.ts';
import { defineVerb } from './verb.ts';

export const tagmsg = defineVerb({
  name: 'TAGMSG',
  minParams: 1,
  async run(c, msg) {
    const tags = msg.tags ?? {};
    const react = tags['+draft/react'] ?? tags['+draft/unreact'];
    const msgid = tags['+draft/reply'];
    if (react !== undefined && msgid !== undefined) {
      for (const target of targets(msg.params[0]!)) {
        try {
          await c.execute('react', { to: target, msgid, emoji: react, on: tags['+draft/react'] !== undefined });
        } catch (err) {
          c.fail(err, { command: 'TAGMSG', target });
        }
      }
      return;
    }
    if (tags['+typing'] !== 'active') return;
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
