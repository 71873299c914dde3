/**
 * The safe Markdown subset of message text (docs/protocol.md, "Multi-line messages"), parsed
 * into plain data that each client renders its own way: the web app as Preact nodes (text
 * nodes and a few fixed elements, never HTML), the terminal client as styled lines. There is
 * no HTML, no images and no raw attributes: the only value that reaches an attribute is a
 * link's `href`, and only when its scheme is http, https or mailto (`safeHref`).
 *
 * Blocks: fenced code blocks (```` ``` ```` lines), quotes (lines starting with `>`) and
 * paragraphs (every other line; newlines are kept). Inline: `code`, **bold**, *italic* /
 * _italic_ and [text](url) links; everything else is text (bare URLs and mentions are left
 * to the client's own link scanner).
 *
 * A hand-written scanner, linear in the text: every search for a closing marker is cached
 * (a marker that has no closer after position i has none after any later position either),
 * and nesting is limited to MAX_DEPTH. `Meter` counts the work for tests.
 */

export type Inline =
  | { t: 'text'; s: string }
  | { t: 'code'; s: string }
  | { t: 'strong'; c: Inline[] }
  | { t: 'em'; c: Inline[] }
  | { t: 'link'; href: string; c: Inline[] };

export type Block =
  | { t: 'para'; c: Inline[] }
  | { t: 'code'; s: string; lang: string }
  | { t: 'quote'; c: Inline[] };

/** Counts character visits, so that tests can check the work done without timing it. */
export interface Meter { steps: number }

/** Emphasis inside emphasis inside a link: deeper markers are text. */
const MAX_DEPTH = 3;
const FENCE = /^ {0,3}```([A-Za-z0-9_+.-]{0,30})\s*$/;
const FENCE_END = /^ {0,3}```\s*$/;

/**
 * The link target when it is safe: an absolute http:, https: or mailto: URL (normalised by
 * the URL parser). Anything else (javascript:, data:, vbscript:, relative URLs, protocol
 * tricks with control characters or entities) is undefined, and the link shows as text.
 */
export function safeHref(raw: string): string | undefined {
  const s = raw.trim();
  // eslint-disable-next-line no-control-regex
  if (s === '' || /[\u0000-\u0020<>"'`\\]/.test(s)) return undefined;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'mailto:') return undefined;
  // new URL() accepts scheme-less-looking oddities like "https:evil" as https://evil/: require the slashes.
  if (u.protocol !== 'mailto:' && !/^https?:\/\//i.test(s)) return undefined;
  return u.href;
}

function isWord(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}_]/u.test(c);
}
function isSpace(c: string | undefined): boolean {
  return c === undefined || /\s/.test(c);
}

/** Parses inline markup of `text` (one block's text). */
export function parseInline(text: string, meter: Meter = { steps: 0 }, depth = 0): Inline[] {
  const out: Inline[] = [];
  let buf = '';
  const flush = (): void => {
    if (buf) out.push({ t: 'text', s: buf });
    buf = '';
  };
  // Cached positions of the next candidate closer per marker; -1: none after the cache point.
  const cache = new Map<string, number>();
  const nextOf = (key: string, from: number, find: (from: number) => number): number => {
    const c = cache.get(key);
    if (c !== undefined && (c === -1 || c >= from)) return c;
    const at = find(from);
    cache.set(key, at);
    return at;
  };
  const indexOf = (s: string, from: number): number => {
    const at = text.indexOf(s, from);
    meter.steps += (at === -1 ? text.length : at + s.length) - from;
    return at;
  };
  // A closer of single-character emphasis: not after a space, and for `_` not before a word character.
  const closerOf = (m: string, from: number): number => {
    let i = from;
    for (;;) {
      const at = indexOf(m, i);
      if (at === -1) return -1;
      const doubled = m === '*' && (text[at + 1] === '*' || text[at - 1] === '*');
      if (!isSpace(text[at - 1]) && !doubled && (m !== '_' || !isWord(text[at + 1]))) return at;
      i = at + 1;
    }
  };

  let i = 0;
  while (i < text.length) {
    meter.steps++;
    const ch = text[i]!;
    if (ch === '`') {
      const end = nextOf('`', i + 1, (f) => indexOf('`', f));
      if (end > i + 1) {
        flush();
        out.push({ t: 'code', s: text.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    } else if (depth < MAX_DEPTH && ch === '*' && text[i + 1] === '*' && !isSpace(text[i + 2])) {
      const end = nextOf('**', i + 2, (f) => {
        for (let k = f; ;) {
          const at = indexOf('**', k);
          if (at === -1 || !isSpace(text[at - 1])) return at;
          k = at + 1;
        }
      });
      if (end > i + 2) {
        flush();
        out.push({ t: 'strong', c: parseInline(text.slice(i + 2, end), meter, depth + 1) });
        i = end + 2;
        continue;
      }
    } else if (depth < MAX_DEPTH && (ch === '*' || ch === '_') && !isSpace(text[i + 1]) && text[i + 1] !== ch && (ch !== '_' || !isWord(text[i - 1]))) {
      const end = nextOf(ch, i + 1, (f) => closerOf(ch, f));
      if (end > i + 1) {
        flush();
        out.push({ t: 'em', c: parseInline(text.slice(i + 1, end), meter, depth + 1) });
        i = end + 1;
        continue;
      }
    } else if (depth < MAX_DEPTH && ch === '[') {
      const close = nextOf(']', i + 1, (f) => indexOf('](', f));
      if (close > i) {
        const end = nextOf(')', close + 2, (f) => indexOf(')', f));
        const href = end === -1 ? undefined : safeHref(text.slice(close + 2, end));
        if (href !== undefined && close > i + 1) {
          flush();
          out.push({ t: 'link', href, c: parseInline(text.slice(i + 1, close), meter, depth + 1) });
          i = end + 1;
          continue;
        }
      }
    }
    buf += ch;
    i++;
  }
  flush();
  return out;
}

/** Parses a message text into blocks. */
export function parseMarkdown(text: string, meter: Meter = { steps: 0 }): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let para: string[] = [];
  let quote: string[] = [];
  const endPara = (): void => {
    if (para.length) blocks.push({ t: 'para', c: parseInline(para.join('\n'), meter) });
    para = [];
  };
  const endQuote = (): void => {
    if (quote.length) blocks.push({ t: 'quote', c: parseInline(quote.join('\n'), meter) });
    quote = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    meter.steps++;
    const fence = FENCE.exec(line);
    if (fence) {
      endPara();
      endQuote();
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !FENCE_END.test(lines[j]!)) body.push(lines[j++]!);
      meter.steps += j - i;
      blocks.push({ t: 'code', s: body.join('\n'), lang: fence[1] ?? '' });
      i = j;
      continue;
    }
    if (line.startsWith('>')) {
      endPara();
      quote.push(line.slice(line.startsWith('> ') ? 2 : 1));
      continue;
    }
    endQuote();
    para.push(line);
  }
  endPara();
  endQuote();
  return blocks;
}

/** The text of inline nodes without markup (for previews, notifications and reply quotes). */
export function inlineText(nodes: readonly Inline[]): string {
  return nodes.map((n) => (n.t === 'text' || n.t === 'code' ? n.s : inlineText(n.c))).join('');
}

/** A message text as plain text: markers removed, code kept, blocks on their own lines. */
export function plainText(text: string): string {
  return parseMarkdown(text).map((b) => (b.t === 'code' ? b.s : inlineText(b.c))).join('\n');
}
