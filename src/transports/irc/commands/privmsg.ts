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

/**
 * Not an async function: for one target it returns `relayTo`'s promise instead of waiting in
 * it, so no suspended frame of its own is kept while the message waits for its commit (615 B
 * per waiting message, `bench/irc-alloc.ts --held`).
 */
function relay(c: IrcConnection, msg: IrcMessage, notice: boolean): Promise<void> | void {
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
  const list = targets(msg.params[0]!);
  if (list.length === 1) return relayTo(c, msg, list[0]!, text, kind, notice);
  return relayEach(c, msg, list, text, kind, notice);
}

/** Several targets: one after the other. */
async function relayEach(c: IrcConnection, msg: IrcMessage, list: string[], text: string, kind: MessageKind | undefined, notice: boolean): Promise<void> {
  for (const target of list) await relayTo(c, msg, target, text, kind, notice);
}

/** One target: a service (NickServ, Calc), or the core through `sendText`. */
function relayTo(c: IrcConnection, msg: IrcMessage, target: string, text: string, kind: MessageKind | undefined, notice: boolean): Promise<void> | void {
  const folded = foldName(target);
  // The password is taken as typed (before formatting is stripped); NOTICEs get no answer.
  if (folded === 'nickserv') return !notice && !kind ? nickServ(c, msg.params[1]!) : undefined;
  if (folded === 'calc') return notice ? undefined : calcService(c, text);
  if (text.trim() === '') return notice ? undefined : c.numeric(N.ERR_NOTEXTTOSEND, ['No text to send']);
  return sendText(c, target, text, kind, msg.tags, notice);
}

/**
 * Sends text to one target through the core (PRIVMSG, NOTICE, a multiline batch):
 * `+draft/edit=<msgid>` makes it an `edit` of that message, `+draft/reply=<msgid>` a reply;
 * other client tags are relayed with the message.
 */
export function sendText(c: IrcConnection, target: string, text: string, kind: MessageKind | undefined, raw: Record<string, string> | undefined, notice: boolean): Promise<void> {
  const tags = clientTags({ tags: raw });
  const edit = tags?.['+draft/edit'];
  const replyTo = tags?.['+draft/reply'];
  if (tags) {
    delete tags['+draft/edit'];
    delete tags['+draft/reply'];
  }
  const relayed = tags && Object.keys(tags).length > 0 ? tags : undefined;
  // A chain, not an async function: nothing of this frame is kept while the message waits for its
  // commit (527 B per waiting message as an async function, `bench/irc-alloc.ts --held`).
  let done: Promise<unknown>;
  try {
    done = edit !== undefined
      ? c.execute('edit', { to: target, msgid: edit, text })
      : c.execute('send', { to: target, text, ...(kind ? { kind } : {}), ...(relayed ? { tags: relayed } : {}), ...(replyTo ? { replyTo } : {}) });
  } catch (err) {
    done = Promise.reject(err as Error);
  }
  // One reaction for both outcomes. NOTICE gets no automatic reply, errors included.
  const sent = edit === undefined && !notice && !target.startsWith('#') ? () => awayReply(c, target) : noop;
  return done.then(sent, notice ? noop : (err: unknown) => c.fail(err, { command: 'PRIVMSG', target }));
}

function noop(): void {}

/** RPL_AWAY after a private message to a user who is away. */
function awayReply(c: IrcConnection, target: string): void {
  const user = c.core.dir.user(target);
  if (user?.presence === 'away') c.numeric(N.RPL_AWAY, [user.name, user.away]);
}

export const privmsg = defineVerb({ name: 'PRIVMSG', minParams: 0, run: (c, msg) => relay(c, msg, false) });
export const notice = defineVerb({ name: 'NOTICE', minParams: 0, run: (c, msg) => relay(c, msg, true) });
