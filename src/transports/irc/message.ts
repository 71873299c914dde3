/**
 * The IRC line codec (Modern IRC client protocol + IRCv3 message-tags).
 *
 * Outgoing lines are built only by `serialize`, which guarantees the rules every peer relies
 * on: CR, LF and NUL are never written inside a line (they become spaces), only the last
 * parameter may contain a space, be empty or start with ':', and the part after the tags is
 * at most 512 bytes including CRLF (the caller splits long text with `splitText` first;
 * `serialize` truncates as a last resort on a UTF-8 boundary).
 */

export interface IrcMessage {
  tags?: Record<string, string>;
  source?: string;
  command: string;
  params: string[];
  /** Write the last parameter with a ':' even when it would not need one (text parameters). */
  trailing?: boolean;
  /**
   * A line shared by many recipients keeps its serialisations here, set by the first recipient
   * (connection.ts, `sendShared`). On the line itself, not in a WeakMap keyed by it: a WeakMap
   * entry per line was most of what the fan-out promoted (src/transports/recent-cache.ts).
   */
  encoded?: EncodedLine;
}

/**
 * A shared line's serialisations, by tag variant (a connection's caps that change the line):
 * the first variant asked for is kept in the object itself, the others in `more`. Most lines go
 * out in one or two variants; an array per line (`[]` grown to 17 slots by its first element,
 * 184 B) lived until the line's last write round and was promoted (docs/benchmarks.md, "Session 12").
 */
export interface EncodedLine {
  readonly v: number;
  readonly buf: Buffer;
  more: (Buffer | undefined)[] | undefined;
}

/** Bytes of the message part of a line, CRLF included (IRC's 512). */
export const MAX_LINE_BYTES = 512;
/** Bytes of the tag section of an incoming line, '@' and the separating space included. */
export const MAX_TAG_BYTES = 8191;

// ---------------------------------------------------------------- tags

const TAG_ESCAPES: Record<string, string> = { ';': '\\:', ' ': '\\s', '\\': '\\\\', '\r': '\\r', '\n': '\\n' };
const TAG_UNESCAPES: Record<string, string> = { ':': ';', s: ' ', '\\': '\\', r: '\r', n: '\n' };

export function escapeTagValue(v: string): string {
  return v.replace(/[; \\\r\n]/g, (c) => TAG_ESCAPES[c]!).replace(/\0/g, '');
}

export function unescapeTagValue(v: string): string {
  return v.replace(/\\(.?)/g, (_m, c: string) => (c === '' ? '' : TAG_UNESCAPES[c] ?? c));
}

function parseTags(raw: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of raw.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    if (key === '') continue;
    tags[key] = eq === -1 ? '' : unescapeTagValue(part.slice(eq + 1));
  }
  return tags;
}

// ---------------------------------------------------------------- parse

/** Parses one line (without its line ending). Returns undefined for a line with no command. */
export function parse(line: string): IrcMessage | undefined {
  let rest = line;
  let tags: Record<string, string> | undefined;
  if (rest.startsWith('@')) {
    const sp = rest.indexOf(' ');
    if (sp === -1) return undefined;
    tags = parseTags(rest.slice(1, sp));
    rest = rest.slice(sp + 1);
  }
  rest = rest.replace(/^ +/, '');
  let source: string | undefined;
  if (rest.startsWith(':')) {
    const sp = rest.indexOf(' ');
    if (sp === -1) return undefined;
    source = rest.slice(1, sp);
    rest = rest.slice(sp + 1).replace(/^ +/, '');
  }
  const params: string[] = [];
  let command = '';
  while (rest.length > 0) {
    if (command !== '' && rest.startsWith(':')) {
      params.push(rest.slice(1));
      break;
    }
    const sp = rest.indexOf(' ');
    const word = sp === -1 ? rest : rest.slice(0, sp);
    rest = sp === -1 ? '' : rest.slice(sp + 1).replace(/^ +/, '');
    if (command === '') command = word.toUpperCase();
    else params.push(word);
  }
  if (command === '') return undefined;
  const msg: IrcMessage = { command, params };
  if (tags) msg.tags = tags;
  if (source !== undefined) msg.source = source;
  return msg;
}

// ---------------------------------------------------------------- serialize

const UNSAFE = /[\r\n\0]/g;

function clean(s: string): string {
  return s.replace(UNSAFE, ' ');
}

/** The longest prefix of `s` that is at most `maxBytes` bytes in UTF-8, cut between code points. */
export function truncateBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let bytes = 0;
  let i = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) break;
    bytes += n;
    i += ch.length;
  }
  return s.slice(0, i);
}

export function serializeTags(tags: Record<string, string>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(tags)) parts.push(v === '' ? clean(k) : `${clean(k)}=${escapeTagValue(v)}`);
  return parts.length ? `@${parts.join(';')} ` : '';
}

/** The message part of a line (no tags, no CRLF), safe and at most 510 bytes. */
export function serializeBody(msg: IrcMessage): string {
  let out = msg.source !== undefined ? `:${clean(msg.source)} ${clean(msg.command)}` : clean(msg.command);
  const n = msg.params.length;
  for (let i = 0; i < n; i++) {
    let p = clean(msg.params[i]!);
    const last = i === n - 1;
    if (!last) {
      // A middle parameter cannot hold a space, be empty or start with ':'.
      p = p.replace(/ /g, '_');
      if (p === '' || p.startsWith(':')) p = `*${p}`;
      out += ` ${p}`;
    } else if (msg.trailing || p === '' || p.includes(' ') || p.startsWith(':')) {
      out += ` :${p}`;
    } else {
      out += ` ${p}`;
    }
  }
  return truncateBytes(out, MAX_LINE_BYTES - 2);
}

/** A complete line with CRLF, with only the tags in `allowed` (undefined: all tags). */
export function serialize(msg: IrcMessage, allowTag?: (key: string) => boolean): string {
  let tags = '';
  if (msg.tags) {
    const kept = allowTag ? Object.fromEntries(Object.entries(msg.tags).filter(([k]) => allowTag(k))) : msg.tags;
    tags = serializeTags(kept);
  }
  return `${tags}${serializeBody(msg)}\r\n`;
}

/**
 * Splits message text so that `:<source> <COMMAND> <target> :<chunk>\r\n` fits in 512 bytes:
 * one chunk per line of the text (empty lines dropped), long lines cut between code points,
 * preferring the last space. Never returns a chunk containing CR, LF or NUL.
 */
export function splitText(text: string, overheadBytes: number): string[] {
  const room = Math.max(16, MAX_LINE_BYTES - overheadBytes);
  const out: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    let rest = line.replace(/\0/g, '');
    while (rest.length > 0) {
      if (Buffer.byteLength(rest) <= room) {
        out.push(rest);
        break;
      }
      let chunk = truncateBytes(rest, room);
      const sp = chunk.lastIndexOf(' ');
      if (sp > chunk.length / 2) chunk = chunk.slice(0, sp + 1);
      out.push(chunk);
      rest = rest.slice(chunk.length);
    }
  }
  return out.filter((c) => c.trim() !== '');
}
