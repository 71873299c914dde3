/**
 * Slash commands for message features (docs/tui.md, "Edits, reactions, replies, threads"):
 * /edit, /delete, /react, /reply, /thread and /mentions. A message is named by a REF:
 * `^` is the newest message shown in the current conversation, `^N` the N-th newest, and
 * `#SEQ` the message with that seq (as history, search, thread and mention lines show it).
 * For /edit and /delete, `^` and `^N` count only your own messages.
 */
import { isReactionEmoji, type ChatMessage } from '../protocol/index.ts';
import { firstWord, usageError, type TuiCommand } from './command-kit.ts';
import type { ChatSession } from './session.ts';

/** Messages per /thread and /mentions. */
export const THREAD_LIMIT = 50;
export const MENTIONS_LIMIT = 20;

const REF = /^(?:\^(\d*)|#(\d+))$/;

export function isRef(word: string): boolean {
  return REF.test(word);
}

/** The message a REF names in the current conversation; shows an error and returns undefined when there is none. */
export async function resolveRef(s: ChatSession, ref: string, mine: boolean): Promise<ChatMessage | undefined> {
  const m = REF.exec(ref);
  if (!m) {
    s.show({ type: 'error', code: 'USAGE', message: `"${ref}" is not a message reference: ^ (newest), ^N (N-th newest) or #SEQ` });
    return undefined;
  }
  if (m[2] !== undefined) {
    const seq = Number(m[2]);
    const known = s.recentIn(s.current).find((x) => x.seq === seq);
    if (known) return known;
    const r = await s.request('history', { to: s.current, after: seq - 1, limit: 1 });
    const found = r?.messages.find((x) => x.seq === seq);
    if (!found && r) s.show({ type: 'error', code: 'NO_SUCH_MESSAGE', message: `no message #${seq} in ${s.current}` });
    return found;
  }
  const n = m[1] === '' ? 1 : Number(m[1]);
  const list = s.recentIn(s.current).filter((x) => !x.deleted && (!mine || s.isMe(x.from)));
  const found = n >= 1 ? list[list.length - n] : undefined;
  if (!found) s.show({ type: 'error', code: 'NO_SUCH_MESSAGE', message: `no ${mine ? 'message of yours' : 'message'}${n === 1 ? '' : ` ${n} back`} shown in ${s.current} yet (use #SEQ from /history)` });
  return found;
}

export const MESSAGE_COMMANDS: readonly TuiCommand[] = [
  {
    name: 'edit', aliases: [], usage: '[REF] TEXT', help: 'change your message (default: your newest here); REF is ^, ^N or #SEQ',
    async run(s, args) {
      const [w, rest] = firstWord(args);
      const [ref, text] = isRef(w) ? [w, rest] : ['^', args];
      if (!text.trim()) return usageError(s, 'edit');
      const msg = await resolveRef(s, ref, true);
      if (!msg) return;
      const r = await s.request('edit', { to: s.current, msgid: msg.id, text });
      if (r && r.seq === 0) s.show({ type: 'info', text: 'the text is the same; nothing changed' });
    },
  },
  {
    name: 'delete', aliases: ['del'], usage: '[REF]', help: 'delete a message (default: your newest here): yours, or any as a room operator',
    async run(s, args) {
      if (/\s/.test(args)) return usageError(s, 'delete');
      const msg = await resolveRef(s, args || '^', args === '' || args.startsWith('^'));
      if (!msg) return;
      await s.request('delete', { to: s.current, msgid: msg.id });
    },
  },
  {
    name: 'react', aliases: [], usage: '[REF] EMOJI', help: 'add your reaction (default: to the newest message here); again to take it back',
    async run(s, args) {
      const words = args.split(/\s+/).filter(Boolean);
      if (words.length === 0 || words.length > 2) return usageError(s, 'react');
      const [ref, emoji] = words.length === 2 ? [words[0]!, words[1]!] : ['^', words[0]!];
      if (!isReactionEmoji(emoji)) return s.show({ type: 'error', code: 'REACTION_INVALID', message: `"${emoji}" is not one emoji or a :shortcode:` });
      const msg = await resolveRef(s, ref, false);
      if (!msg) return;
      const mine = msg.reactions?.find((x) => x.emoji === emoji)?.by.some((n) => s.isMe(n)) ?? false;
      await s.request('react', { to: s.current, msgid: msg.id, emoji, on: !mine });
    },
  },
  {
    name: 'reply', aliases: ['r'], usage: '[REF] TEXT', help: 'reply to a message here (REF: ^, ^N or #SEQ); without REF: answer the last direct message you received',
    async run(s, args) {
      if (!args) return usageError(s, 'reply');
      const [w, text] = firstWord(args);
      if (isRef(w)) {
        if (!text.trim()) return usageError(s, 'reply');
        const msg = await resolveRef(s, w, false);
        if (msg) s.say(s.current, text, undefined, msg.id);
        return;
      }
      if (!s.lastDmFrom) return s.show({ type: 'error', code: 'NO_SUCH_USER', message: 'nobody has sent you a direct message yet' });
      await s.openDm(s.lastDmFrom);
      s.say(s.lastDmFrom, args);
    },
  },
  {
    name: 'thread', aliases: ['t'], usage: '[REF]', help: 'a message\'s thread: its first message and the replies (default: the newest message here)',
    async run(s, args) {
      if (/\s/.test(args)) return usageError(s, 'thread');
      const msg = await resolveRef(s, args || '^', false);
      if (!msg) return;
      const r = await s.request('thread', { to: s.current, msgid: msg.thread ?? msg.id, limit: THREAD_LIMIT });
      if (!r) return;
      s.remember(r.root);
      s.show({ type: 'thread', msg: r.root, root: true });
      for (const m of r.replies) {
        s.remember(m);
        s.show({ type: 'thread', msg: m, root: false });
      }
      s.markRead(s.current);
      s.show({ type: 'info', text: `${r.replies.length} repl${r.replies.length === 1 ? 'y' : 'ies'}; /reply #${r.root.seq} TEXT answers in the thread` });
    },
  },
  {
    name: 'mentions', aliases: [], usage: '', help: 'messages that mention you (rooms you are in and your DMs), newest last',
    async run(s, args) {
      if (args) return usageError(s, 'mentions');
      const r = await s.request('mentions', { limit: MENTIONS_LIMIT });
      if (!r) return;
      if (r.messages.length === 0) return s.show({ type: 'info', text: 'nobody has mentioned you yet' });
      for (const msg of [...r.messages].reverse()) s.show({ type: 'mention', msg });
      s.show({ type: 'info', text: `${r.messages.length} mention${r.messages.length === 1 ? '' : 's'}; /jump CONV SEQ shows one in context` });
    },
  },
];
