// PRIVMSG <target>{,<target>} :<text>   NOTICE <target>{,<target>} :<text>
// client tags: +draft/reply=<msgid> (a reply), +draft/edit=<msgid> (replaces the text of your message)
import { foldName, type MessageKind } from '../../../protocol/index.ts';
import type { IrcConnection } from '../connection.ts';
import type { IrcMessage } from '../message.ts';
import { N } from '../numerics.ts';
import { collectBatched } from './batch.ts';
import { calcService } from './calc-service.ts';
import { nickServ } from './nickserv-service.ts';
import { clientTags, ctcp, stripFormatting, targets } from './util.ts';
import { defineVerb } from './verb.ts';

async function relay(c: IrcConnection, msg: IrcMessage, notice: boolean): Promise<void> {
  const command = notice ? 'NOTICE' : 'PRIVMSG';
  // A line of an open draft/multiline batch waits for the batch's end.
  if (collectBatched(c, msg)) return;
  // NOTICE never triggers automatic replies, errors included (RFC 2812 3.3.2).
  if (msg.params.length === 0 || msg.params[0] === '') return notice ? undefined : c.numeric(N.ERR_NORECIPIENT, [`No recipient given (${command})`]);
  if (msg.params.length < 2 || msg.params[1] === '') return notice ? undefined : c.numeric(N.ERR_NOTEXTTOSEND, ['No text to send']);
  let raw = msg.params[1]!;
  let kind: MessageKind | undefined = notice ? 'notice' : undefined;
  const c2c = ctcp(raw);
  if (c2c) {
    // Only ACTION (/me) has a meaning for web users; other CTCP queries are not relayed.
    if (c2c.verb !== 'ACTION') return;
    raw = c2c.args;
    kind = 'action';
  }
  const text = stripFormatting(raw);
  c.lastSpoke = Date.now();
  for (const target of targets(msg.params[0]!)) {
    if (foldName(target) === 'nickserv') {
      // The password is taken as typed (before formatting is stripped); NOTICEs get no answer.
      if (!notice && !kind) await nickServ(c, msg.params[1]!);
      continue;
    }
    if (foldName(target) === 'calc') {
      if (!notice) await calcService(c, text);
      continue;
    }
    if (text.trim() === '') {
      if (!notice) c.numeric(N.ERR_NOTEXTTOSEND, ['No text to send']);
      continue;
    }
    await sendText(c, target, text, kind, msg.tags, notice);
  }
}

/**
 * Sends text to one target through the core (PRIVMSG, NOTICE, a multiline batch):
 * `+draft/edit=<msgid>` makes it an `edit` of that message, `+draft/reply=<msgid>` a reply;
 * other client tags are relayed with the message.
 */
export async function sendText(c: IrcConnection, target: string, text: string, kind: MessageKind | undefined, raw: Record<string, string> | undefined, notice: boolean): Promise<void> {
  const command = notice ? 'NOTICE' : 'PRIVMSG';
  const tags = clientTags({ tags: raw });
  const edit = tags?.['+draft/edit'];
  const replyTo = tags?.['+draft/reply'];
  if (tags) {
    delete tags['+draft/edit'];
    delete tags['+draft/reply'];
  }
  const relayed = tags && Object.keys(tags).length > 0 ? tags : undefined;
  try {
    if (edit !== undefined) {
      await c.execute('edit', { to: target, msgid: edit, text });
      return;
    }
    await c.execute('send', { to: target, text, ...(kind ? { kind } : {}), ...(relayed ? { tags: relayed } : {}), ...(replyTo ? { replyTo } : {}) });
    const user = target.startsWith('#') ? undefined : c.core.dir.user(target);
    if (!notice && user?.presence === 'away') c.numeric(N.RPL_AWAY, [user.name, user.away]);
  } catch (err) {
    if (!notice) c.fail(err, { command, target });
  }
}

export const privmsg = defineVerb({ name: 'PRIVMSG', minParams: 0, run: (c, msg) => relay(c, msg, false) });
export const notice = defineVerb({ name: 'NOTICE', minParams: 0, run: (c, msg) => relay(c, msg, true) });
