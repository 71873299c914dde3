// @<client tags> TAGMSG <target>{,<target>}  — client-only tags with no text (IRCv3 message-tags)
// `+draft/react=<emoji>;+draft/reply=<msgid>` is a reaction (`+draft/unreact` takes it back),
// through the core's `react`; `+typing=active` alone becomes the core's typing notification
// (web users see "typing"); any other client tags go through the core's `tagmsg`.
import { foldName } from '../../../protocol/index.ts';
import type { IrcConnection } from '../connection.ts';
import { isoTime } from '../translate.ts';
import { clientTags, targets } from './util.ts';
import { defineVerb } from './verb.ts';

/** echo-message: the sender gets its TAGMSG back as recipients see it (labelled when the command was). */
function echo(c: IrcConnection, target: string, tags: Record<string, string>, id?: { msgid: string; ts: number }): void {
  if (!c.caps.has('echo-message') || !c.caps.has('message-tags')) return;
  const account = c.server.account(c.me);
  const all: Record<string, string> = { ...(id ? { time: isoTime(id.ts), msgid: id.msgid } : {}), ...(account !== undefined ? { account } : {}), ...tags };
  c.sendLine({ tags: all, source: c.server.mask(c.me), command: 'TAGMSG', params: [target] });
}

export const tagmsg = defineVerb({
  name: 'TAGMSG',
  minParams: 1,
  async run(c, msg) {
    const tags = clientTags(msg);
    if (!tags) return;
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
    const typingOnly = Object.keys(tags).length === 1 && tags['+typing'] === 'active';
    for (const target of targets(msg.params[0]!)) {
      if (foldName(target) === 'calc' || foldName(target) === 'nickserv') continue;
      try {
        if (typingOnly) {
          await c.execute('typing', { to: target });
          const shown = target.startsWith('#') ? c.core.dir.room(target)?.name ?? target : c.core.dir.user(target)?.name ?? target;
          echo(c, shown, tags);
        } else {
          const r = await c.execute('tagmsg', { to: target, tags });
          echo(c, r.to, tags, { msgid: r.id, ts: r.ts });
        }
      } catch (err) {
        c.fail(err, { command: 'TAGMSG', target });
      }
    }
  },
});
