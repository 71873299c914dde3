/**
 * Renders an Item as one line of text (the format is documented in docs/tui.md and is stable:
 * scripts parse it). Everything that came from the network is sanitised first so that no
 * control character or escape sequence reaches the terminal.
 */
import { foldName, formatSize, modeString, revealHiddenChars, type ChatMessage, type UserInfo } from '../protocol/index.ts';
import type { Item } from './items.ts';
import type { Style } from './style.ts';

export interface FormatContext {
  /** My user name (to name the other party of a direct message). */
  me: string;
  style: Style;
  /** TTY mode shows multi-line messages on indented lines; pipe mode keeps one line per event. */
  multiline: boolean;
  now: () => number;
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
    const said = ctx.multiline ? sanitize(m.text, true).replace(/\n/g, `\n${' '.repeat(9)}`) : s(m.text);
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
      const what = item.action === 'edit' ? `edited a message: ${s(item.msg.text)}` : item.action === 'delete' ? 'deleted a message' : `${item.action === 'react' ? 'reacted' : 'took back'} ${s(item.emoji ?? '')}`;
      body = `${conv(item.msg.to)} ${notice(`* ${s(item.by)} ${what}`)}`;
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
