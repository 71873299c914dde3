/**
 * Chat events to IRC messages. The core hands the same event object to every recipient;
 * messages that are the same for every recipient are built once per event and cached on it
 * (and each message's serialised line is cached per tag variant, see connection.ts).
 * What differs per recipient — whether it shares a channel with the subject, its caps — is
 * decided by the caller.
 */
import { foldName, formatSize, type ChatEvent, type ChatMessage, type FileRef } from '../../protocol/index.ts';
import { splitText, type IrcMessage } from './message.ts';

export interface Masks {
  /** nick!user@host for a user name. */
  mask(name: string): string;
  /** Real name (GECOS) for a user name. */
  realname(name: string): string;
  /** The account a user is logged in to (account-tag, extended-join); undefined for guests. */
  account(name: string): string | undefined;
  /** An absolute, signed, expiring URL of an attached file for IRC users (never the bytes); undefined when files are off. */
  fileLink?(file: FileRef): string | undefined;
}

const cache = new WeakMap<ChatEvent, Map<string, IrcMessage[]>>();

export function cached(ev: ChatEvent, key: string, build: () => IrcMessage[]): IrcMessage[] {
  let m = cache.get(ev);
  if (!m) {
    m = new Map();
    cache.set(ev, m);
  }
  let v = m.get(key);
  if (!v) {
    v = build();
    // server-time on every event line, stamped once: all recipients see the same time.
    const time = isoTime(Date.now());
    for (const msg of v) if (!msg.tags?.time) msg.tags = { time, ...msg.tags };
    m.set(key, v);
  }
  return v;
}

let lastMs = Number.NaN;
let lastIso = '';

/**
 * server-time's ISO 8601 form of `ms`. The last one is kept: the messages of one group commit
 * share their timestamp, and formatting a Date was 1.5 % of the main thread at 12,800 messages/s.
 */
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

/** PRIVMSG/NOTICE lines of a chat message (several when the text has newlines or is long). */
export function messageLines(msg: ChatMessage, masks: Masks): IrcMessage[] {
  const source = masks.mask(msg.from);
  const command = msg.kind === 'notice' ? 'NOTICE' : 'PRIVMSG';
  const action = msg.kind === 'action';
  // ":" source " " command " " target " :" [\x01ACTION ] text [\x01] "\r\n"
  const overhead = 1 + Buffer.byteLength(source) + 1 + command.length + 1 + Buffer.byteLength(msg.to) + 2 + (action ? 9 : 0) + 2;
  // Files: one line each with name, size and a signed link; the server never sends file bytes over IRC.
  const fileLines = (msg.files ?? []).map((f) => `[file] ${f.name} (${formatSize(f.size)}, ${f.type}) ${masks.fileLink?.(f) ?? ''}`.trimEnd());
  const chunks = [...(msg.text === '' && fileLines.length > 0 ? [] : splitText(msg.text, overhead)), ...fileLines.flatMap((l) => splitText(l, overhead))];
  const account = masks.account(msg.from);
  return chunks.map((text, i) => {
    const tags: Record<string, string> = { time: isoTime(msg.ts) };
    // The message id names the first line; continuation lines are not separately addressable.
    if (account !== undefined) tags.account = account;
    if (i === 0) {
      tags.msgid = msg.id;
      // A reply (from any transport) names the message it answers (IRCv3 +draft/reply).
      if (msg.replyTo !== undefined) tags['+draft/reply'] = msg.replyTo;
      if (msg.tags) Object.assign(tags, msg.tags);
    }
    return { tags, source, command, params: [msg.to, action ? `\x01ACTION ${text}\x01` : text], trailing: true };
  });
}

export function joinLine(ev: ChatEvent, name: string, room: string, extended: boolean, masks: Masks): IrcMessage[] {
  return cached(ev, `join:${foldName(room)}:${extended ? 1 : 0}`, () => {
    const account = masks.account(name);
    const tags = account !== undefined ? { account } : undefined;
    return [extended
      ? { tags, source: masks.mask(name), command: 'JOIN', params: [room, account ?? '*', masks.realname(name)], trailing: true }
      : { tags, source: masks.mask(name), command: 'JOIN', params: [room] }];
  });
}
