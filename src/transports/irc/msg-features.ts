/**
 * The IRCv3 mapping of Banter's message features (docs/irc.md, "Message features"):
 * edits, deletions (draft/message-redaction), reactions and replies (+draft/react,
 * +draft/reply client tags), multi-line messages (draft/multiline). Lines that are the same
 * for every recipient of one kind are built once per event (`cached`); which kind a
 * recipient gets depends on its caps.
 */
import { foldName, LIMITS, type ChatMessage, type MessageUpdateEvent } from '../../protocol/index.ts';
import type { IrcConnection } from './connection.ts';
import { MAX_LINE_BYTES, splitText, truncateBytes, type IrcMessage } from './message.ts';
import { cached, isoTime, messageLines, type Masks } from './translate.ts';

/** draft/multiline limits, from the core's text limits (a byte is at most one UTF-16 code unit of text). */
export const MULTILINE_MAX_BYTES = LIMITS.textMaxLength;
export const MULTILINE_MAX_LINES = LIMITS.textMaxLines;
export const MULTILINE_CAP_VALUE = `max-bytes=${MULTILINE_MAX_BYTES},max-lines=${MULTILINE_MAX_LINES}`;
export const CONCAT_TAG = 'draft/multiline-concat';

/** Whether the connection gets multi-line messages as one draft/multiline batch. */
export function wantsMultiline(c: IrcConnection): boolean {
  return c.caps.has('draft/multiline') && c.caps.has('batch');
}

/** Whether a message goes out as a draft/multiline batch (to clients that have it): several lines of text, no files, not an action. */
export function isMultiline(msg: ChatMessage): boolean {
  return msg.text.includes('\n') && (msg.files ?? []).length === 0 && msg.kind !== 'action';
}

/** A batch reference for a message, the same on every connection (message ids are unique; `b<n>` are the connection's own). */
function batchRef(msg: ChatMessage): string {
  return `ml-${msg.id.replace(/[^A-Za-z0-9-]/g, '-')}`;
}

/**
 * A multi-line message as a draft/multiline batch: the BATCH opening line carries the
 * message's tags (msgid, time, account, client tags), one PRIVMSG/NOTICE per line of text
 * (blank lines kept), a line too long for IRC continued with `draft/multiline-concat`.
 * `parent`: the enclosing batch (chathistory).
 */
export function multilineLines(msg: ChatMessage, masks: Masks, parent?: string): IrcMessage[] {
  const source = masks.mask(msg.from);
  const command = msg.kind === 'notice' ? 'NOTICE' : 'PRIVMSG';
  const ref = batchRef(msg);
  const tags: Record<string, string> = { time: isoTime(msg.ts), msgid: msg.id };
  const account = masks.account(msg.from);
  if (account !== undefined) tags.account = account;
  if (msg.replyTo !== undefined) tags['+draft/reply'] = msg.replyTo;
  if (msg.tags) Object.assign(tags, msg.tags);
  if (parent !== undefined) tags.batch = parent;
  const out: IrcMessage[] = [{ tags, source, command: 'BATCH', params: [`+${ref}`, 'draft/multiline', msg.to] }];
  // "@batch=<ref>;draft/multiline-concat :" source " " command " " target " :" chunk CRLF: the tags do not count against 512.
  const overhead = 1 + Buffer.byteLength(source) + 1 + command.length + 1 + Buffer.byteLength(msg.to) + 2 + 2;
  const room = Math.max(16, MAX_LINE_BYTES - overhead);
  for (const line of msg.text.split('\n')) {
    let rest = line;
    let first = true;
    do {
      let chunk = truncateBytes(rest, room);
      const sp = chunk.lastIndexOf(' ');
      if (chunk.length < rest.length && sp > chunk.length / 2) chunk = chunk.slice(0, sp + 1);
      rest = rest.slice(chunk.length);
      out.push({ tags: first ? { batch: ref } : { batch: ref, [CONCAT_TAG]: '' }, source, command, params: [msg.to, chunk], trailing: true });
      first = false;
    } while (rest.length > 0);
  }
  out.push({ source, command: 'BATCH', params: [`-${ref}`], ...(parent !== undefined ? { tags: { batch: parent } } : {}) });
  return out;
}

/** The lines of a message for this connection: one batch for multiline clients, else one line per line of text. */
export function linesFor(c: IrcConnection, msg: ChatMessage, parent?: string): IrcMessage[] {
  if (isMultiline(msg) && wantsMultiline(c)) return multilineLines(msg, c.server, parent);
  const lines = messageLines(msg, c.server);
  return parent === undefined ? lines : lines.map((l) => ({ ...l, tags: { ...l.tags, batch: parent } }));
}

/**
 * The IRC target of a change, as everyone sees it: the room, or for a direct message the
 * party that did not make the change (IRC shows `:<actor> VERB <other party>`).
 */
function updateTarget(ev: MessageUpdateEvent): string {
  const { msg } = ev;
  if (msg.to.startsWith('#')) return msg.to;
  return foldName(ev.by) === foldName(msg.to) ? msg.from : msg.to;
}

/**
 * A message_update for one IRC recipient:
 * - edit: clients with message-tags get a PRIVMSG (NOTICE for a notice) of the new text with
 *   `+draft/edit=<msgid>` on its first line; others a NOTICE from the author, "* edited: <text>";
 * - delete: `REDACT <target> <msgid>` to draft/message-redaction clients; nothing to others
 *   (a line already shown cannot be taken back, and a notice would repeat it);
 * - react/unreact: `TAGMSG <target>` with `+draft/react` (or `+draft/unreact`) and
 *   `+draft/reply=<msgid>` to message-tags clients; nothing to others.
 * The one who made the change sees it only with echo-message, as for messages.
 */
export function deliverUpdate(c: IrcConnection, ev: MessageUpdateEvent): void {
  if (foldName(ev.by) === c.folded && !c.caps.has('echo-message')) return;
  const masks = c.server;
  const target = updateTarget(ev);
  const { msg } = ev;
  switch (ev.action) {
    case 'edit': {
      const tagged = c.caps.has('message-tags');
      for (const m of cached(ev, `edit:${tagged ? 1 : 0}`, () => {
        const source = masks.mask(msg.from);
        const account = masks.account(msg.from);
        const command = tagged && msg.kind !== 'notice' ? 'PRIVMSG' : 'NOTICE';
        const text = tagged ? msg.text : `* edited: ${msg.text}`;
        const action = tagged && msg.kind === 'action';
        const overhead = 1 + Buffer.byteLength(source) + 1 + command.length + 1 + Buffer.byteLength(target) + 2 + (action ? 9 : 0) + 2;
        return splitText(text, overhead).map((chunk, i) => {
          const tags: Record<string, string> = account !== undefined ? { account } : {};
          if (i === 0 && tagged) tags['+draft/edit'] = msg.id;
          return { tags, source, command, params: [target, action ? `\x01ACTION ${chunk}\x01` : chunk], trailing: true };
        });
      })) c.sendShared(m);
      return;
    }
    case 'delete':
      if (!c.caps.has('draft/message-redaction')) return;
      for (const m of cached(ev, 'redact', () => [{ source: masks.mask(ev.by), command: 'REDACT', params: [target, msg.id] }])) c.sendShared(m);
      return;
    case 'react':
    case 'unreact': {
      if (!c.caps.has('message-tags') || ev.emoji === undefined) return;
      const emoji = ev.emoji;
      for (const m of cached(ev, 'react', () => [reactLine(masks, ev.by, target, msg.id, emoji, ev.action === 'react')])) c.sendShared(m);
      return;
    }
  }
}

function reactLine(masks: Masks, by: string, target: string, msgid: string, emoji: string, on: boolean): IrcMessage {
  const account = masks.account(by);
  const tags: Record<string, string> = { [on ? '+draft/react' : '+draft/unreact']: emoji, '+draft/reply': msgid };
  if (account !== undefined) tags.account = account;
  return { tags, source: masks.mask(by), command: 'TAGMSG', params: [target] };
}

/**
 * A message's current reactions as TAGMSG lines (chathistory, message-tags clients): one per
 * listed reactor and emoji, at the message's time (a summary lists at most
 * LIMITS.reactionNamesMax names per emoji; the rest are not replayed).
 */
export function reactionLines(msg: ChatMessage, masks: Masks, viewer: string): IrcMessage[] {
  const out: IrcMessage[] = [];
  for (const r of msg.reactions ?? []) {
    for (const by of r.by) {
      const target = msg.to.startsWith('#') ? msg.to : foldName(by) === foldName(viewer) ? (foldName(msg.to) === foldName(viewer) ? msg.from : msg.to) : viewer;
      const line = reactLine(masks, by, target, msg.id, r.emoji, true);
      line.tags = { time: isoTime(msg.ts), ...line.tags };
      out.push(line);
    }
  }
  return out;
}
