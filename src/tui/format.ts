/**
 * Renders an Item as one line of text (the format is documented in docs/tui.md and is stable:
 * scripts parse it). Everything that came from the network is sanitised first so that no
 * control character or escape sequence reaches the terminal.
 */
import {
  foldName, formatSize, modeString, parseMarkdown, parseMentions, plainText, revealHiddenChars, ROOM_MENTION, type ChatMessage, type Inline, type UserInfo,
} from '../protocol/index.ts';
import type { Item } from './items.ts';
import type { Style } from './style.ts';

export interface FormatContext {
  /** My user name (to name the other party of a direct message). */
  me: string;
  style: Style;
  /** TTY mode shows multi-line messages on indented lines; pipe mode keeps one line per event. */
  multiline: boolean;
  now: () => number;
  /** The message a reply answers, when it is known (for the reply quote). */
  quote?: (msg: ChatMessage, id: string) => ChatMessage | undefined;
}

/** Whether a message mentions `me`: by name (`@me`) or the whole room (`@room`, from an operator). */
export function mentionsMe(msg: ChatMessage, me: string): boolean {
  if (me === '' || foldName(msg.from) === foldName(me)) return false;
  const f = foldName(me);
  if (msg.mentions) return msg.mentions.includes(f) || msg.mentions.includes(ROOM_MENTION);
  return parseMentions(msg.text).names.includes(f);
}

/** Continuation lines of a multi-line message are indented under its text. */
const INDENT = ' '.repeat(9);

/**
 * A message text in a terminal (TTY mode): the Markdown subset shown sensibly. Bold, italic
 * and code are styled (their markers dropped; without colours just the text), links read
 * "text <url>", quotes start with "│ " and code blocks are indented four spaces, as they were
 * typed. Sanitised like everything else from the network.
 */
export function renderMarkdown(text: string, st: Style): string {
  const inline = (ns: readonly Inline[]): string => ns.map((n) => {
    switch (n.t) {
      case 'text': return sanitize(n.s, true);
      case 'code': return st.paint('cyan', sanitize(n.s));
      case 'strong': return st.paint('bold', inline(n.c));
      case 'em': return st.paint('italic', inline(n.c));
      case 'link': return `${inline(n.c)} <${sanitize(n.href)}>`;
    }
  }).join('');
  const lines: string[] = [];
  for (const b of parseMarkdown(text)) {
    if (b.t === 'code') for (const l of b.s.split('\n')) lines.push(`    ${st.paint('cyan', sanitize(l))}`);
    else if (b.t === 'quote') for (const l of inline(b.c).split('\n')) lines.push(st.paint('gray', `│ ${l}`));
    else lines.push(...inline(b.c).split('\n'));
  }
  return lines.join(`\n${INDENT}`);
}

/** What a message carries besides its text: "(edited)", reactions and the reply count. */
function decorations(m: ChatMessage, st: Style): string {
  const parts: string[] = [];
  if (m.editedAt !== undefined && !m.deleted) parts.push(st.paint('gray', '(edited)'));
  if (m.reactions?.length) parts.push(`[${m.reactions.map((r) => `${sanitize(r.emoji)} ${r.count}`).join(' ')}]`);
  if (m.replies) parts.push(st.paint('gray', `[${m.replies} repl${m.replies === 1 ? 'y' : 'ies'}]`));
  return parts.length ? ` ${parts.join(' ')}` : '';
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/**
 * Replaces control characters with U+FFFD and shows bidi controls and invisible characters
 * as markers like `<U+202E>` (so a right-to-left override cannot reorder the rest of the
 * line, the name or the time); newlines become "↵" unless `keepNewlines`.
 */
export function sanitize(s: string, keepNewlines = false): string {
  const clean = revealHiddenChars(s.replace(CONTROL, '\uFFFD').toWellFormed());
  return keepNewlines ? clean : clean.replace(/\n/g, '↵');
}

export function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** "#room" for a room message, "@peer" for a direct message (peer = the other person). */
export function conversationOf(to: string, from: string, me: string): string {
  if (to.startsWith('#')) return to;
  return `@${foldName(from) === foldName(me) ? to : from}`;
}

function userLabel(u: UserInfo): string {
  return u.presence === 'away' ? `${u.name} (away${u.away && u.away !== 'away' ? `: ${u.away}` : ''})` : u.name;
}

function sameDay(a: number, b: number): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString();
}

/** Local date YYYY-MM-DD. */
export function day(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The line for an item, or undefined when it is not shown in text mode (typing indicators). */
export function formatItem(item: Item, ctx: FormatContext): string | undefined {
  const { style: st } = ctx;
  const s = (x: string): string => sanitize(x);
  const conv = (c: string): string => st.paint(c.startsWith('#') ? 'cyan' : 'magenta', s(c));
  const nick = (n: string): string => st.nick(s(n));
  const notice = (text: string): string => st.paint('gray', text);
  /** "CONV <from> text", "CONV * from text" (action) or "CONV -from- text" (notice). */
  const messageBody = (m: ChatMessage, where = conv(conversationOf(m.to, m.from, ctx.me))): string => {
    const files = (m.files ?? []).map((f) => `${st.paint('yellow', '[file]')} ${s(f.name)} (${formatSize(f.size)}) /download ${f.id}`).join(' ');
    let said = m.deleted ? st.paint('gray', '(message deleted)') : ctx.multiline ? renderMarkdown(m.text, st) : s(m.text);
    if (!m.deleted && mentionsMe(m, ctx.me)) said = st.paint(['yellow', 'bold'], said);
    if (m.replyTo !== undefined) {
      const q = ctx.quote?.(m, m.replyTo);
      const first = q ? (q.deleted ? 'message deleted' : plainText(q.text).split('\n')[0] ?? '') : '';
      said = `${st.paint('gray', q ? `(re ${s(q.from)}: ${s(first.length > 40 ? `${first.slice(0, 39)}…` : first)})` : '(reply)')} ${said}`;
    }
    said += decorations(m, st);
    const text = files === '' ? said : said === '' ? files : `${said} ${files}`;
    return m.kind === 'action' ? `${where} * ${nick(m.from)} ${text}`
      : m.kind === 'notice' ? `${where} -${nick(m.from)}- ${text}`
        : `${where} <${nick(m.from)}> ${text}`;
  };
  let time = ctx.now();
  let body: string;
  switch (item.type) {
    case 'message':
      time = item.msg.ts;
      body = messageBody(item.msg);
      break;
    case 'history':
    case 'mention':
    case 'search': {
      // Earlier messages: the keyword, the date when not today, the conversation and the
      // seq (to page or jump from), then the message as usual; dim in a terminal.
      time = item.msg.ts;
      const date = sameDay(item.msg.ts, ctx.now()) ? '' : `${day(item.msg.ts)} `;
      const c = conversationOf(item.msg.to, item.msg.from, ctx.me);
      const line = `${item.type} ${date}${messageBody(item.msg, `${conv(c)} ${item.msg.seq}`)}`;
      body = item.type === 'history' ? st.paint('dim', line) : line;
      break;
    }
    case 'thread':
    case 'updated': {
      time = item.msg.ts;
      const c = conversationOf(item.msg.to, item.msg.from, ctx.me);
      const mark = item.type === 'thread' && !item.root ? ' └' : '';
      body = `${item.type} ${messageBody(item.msg, `${conv(c)} ${item.msg.seq}${mark}`)}`;
      break;
    }
    case 'gap':
      body = `${st.paint(['yellow', 'bold'], 'gap')} ${conv(item.to)} more messages were missed than the server resends; /history ${s(item.to.replace(/^@/, ''))} shows the older ones (before ${item.before})`;
      break;
    case 'unread':
      body = `${st.paint(['yellow', 'bold'], 'unread')} ${item.count} from ${nick(item.from)} — /switch ${s(item.from)} (or /msg ${s(item.from)} TEXT) marks ${item.count === 1 ? 'it' : 'them'} read`;
      break;
    case 'user_renamed':
      body = notice(`* ${s(item.old)} is now known as ${s(item.name)}`);
      break;
    case 'room_kicked':
      body = `${conv(item.room)} ${notice(`* ${s(item.name)} was removed by ${s(item.by)}${item.reason ? ` (${s(item.reason)})` : ''}`)}`;
      break;
    case 'room_operator':
      body = `${conv(item.room)} ${notice(`* ${s(item.by)} ${item.op ? 'made' : 'removed'} ${s(item.name)} ${item.op ? 'an operator' : 'as operator'}`)}`;
      break;
    case 'room_mode': {
      const m = modeString(item.changes);
      body = `${conv(item.room)} ${notice(`* ${s(item.by)} set mode ${s([m.modes, ...m.args].join(' '))}`)}`;
      break;
    }
    case 'room_invited':
    case 'room_member_invited':
      body = `${conv(item.room)} ${notice(`* ${s(item.by)} invited ${s(item.name)}`)}`;
      break;
    case 'user_account':
      body = notice(`* ${s(item.name)} is now logged in as ${s(item.account)}`);
      break;
    case 'user_joined':
      body = notice(`* ${s(userLabel(item.user))} joined`);
      break;
    case 'user_left':
      body = notice(`* ${s(item.name)} left (${s(item.reason)})`);
      break;
    case 'user_presence':
      body = notice(item.presence === 'away' ? `* ${s(item.name)} is away${item.away && item.away !== 'away' ? `: ${s(item.away)}` : ''}` : `* ${s(item.name)} is back`);
      break;
    case 'room_joined':
      body = `${conv(item.room)} ${notice(`* ${s(item.name)} joined`)}`;
      break;
    case 'room_left':
      body = `${conv(item.room)} ${notice(`* ${s(item.name)} left${item.reason && item.reason !== 'left' ? ` (${s(item.reason)})` : ''}`)}`;
      break;
    case 'room_members':
      // A large room's joins and leaves, summarised (docs/protocol.md, "Large rooms").
      body = `${conv(item.room)} ${notice(`* ${[item.joined > 0 ? `${item.joined} joined` : '', item.left > 0 ? `${item.left} left` : ''].filter((x) => x !== '').join(', ')} — ${item.count} here`)}`;
      break;
    case 'room_topic':
      body = `${conv(item.room)} ${notice(item.topic === '' ? `* ${s(item.by)} cleared the topic` : `* ${s(item.by)} set the topic: ${s(item.topic)}`)}`;
      break;
    case 'message_update': {
      // "#42": the message's seq, a reference for /edit, /react, /reply and /thread.
      const ref = `#${item.msg.seq}`;
      const whose = foldName(item.by) === foldName(item.msg.from) ? '' : ` (${s(item.msg.from)}'s)`;
      const what = item.action === 'edit' ? `edited ${ref}: ${s(item.msg.text)}` : item.action === 'delete' ? `deleted ${ref}${whose}`
        : `${item.action === 'react' ? 'reacted' : 'took back'} ${s(item.emoji ?? '')} ${item.action === 'react' ? 'to' : 'on'} ${ref}${whose}${decorations({ ...item.msg, replies: 0 }, st)}`;
      body = `${conv(conversationOf(item.msg.to, item.msg.from, ctx.me))} ${notice(`* ${s(item.by)} ${what}`)}`;
      break;
    }
    case 'typing':
    case 'tagmsg': // reactions and reply markers from IRC clients: the terminal shows none
      return undefined;
    case 'notice':
      body = `${st.paint('yellow', 'notice')} ${s(item.text)}`;
      break;
    case 'bye':
      // The status line that follows ("disconnected: REASON") says the same.
      return undefined;
    case 'calc':
      body = `${st.paint('green', 'calc')} ${s(item.expr)} = ${st.paint('bold', s(item.result))}`;
      break;
    case 'users':
      body = `${st.paint('green', 'users')} ${pageCount(item.users.length, item.count)}: ${item.users.map((u) => s(userLabel(u))).join(', ')}${item.next !== undefined ? ` … (/users + for more)` : ''}`;
      break;
    case 'rooms':
      body = `${st.paint('green', 'rooms')} ${item.rooms.length}: ${item.rooms.map((r) => `${s(r.name)} (${r.members}${r.topic ? `, topic: ${s(r.topic)}` : ''})`).join(', ')}`;
      break;
    case 'members':
      body = `${st.paint('green', 'members')} ${s(item.room)} ${pageCount(item.members.length, item.count)}: ${item.members.map((m) => `${m.role === 'owner' || m.role === 'op' ? '@' : m.role === 'voice' ? '+' : ''}${m.presence === 'away' ? `${s(m.name)} (away)` : s(m.name)}`).join(', ')}${item.next !== undefined ? ` … (/members + for more)` : ''}`;
      break;
    case 'error':
      body = `${st.paint(['red', 'bold'], 'error')} ${st.paint('red', `${s(item.code)}: ${s(item.message)}`)}`;
      break;
    case 'info':
      body = `${st.paint('gray', 'info')} ${s(item.text)}`;
      break;
    case 'status':
      body = `${st.paint('yellow', 'status')} ${s(item.text)}`;
      break;
  }
  return `${st.paint('dim', clock(time))} ${body}`;
}

/** "12" for a whole list, "100 of 10000" for one page of a longer one. */
function pageCount(shown: number, count: number | undefined): string {
  return count !== undefined && count > shown ? `${shown} of ${count}` : `${shown}`;
}
