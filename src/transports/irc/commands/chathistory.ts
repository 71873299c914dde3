// CHATHISTORY LATEST <target> <* | ref> <limit>    CHATHISTORY BEFORE|AFTER|AROUND <target> <ref> <limit>
// CHATHISTORY BETWEEN <target> <ref> <ref> <limit>  CHATHISTORY TARGETS <timestamp> <timestamp> <limit>
// (IRCv3 draft/chathistory; a ref is msgid=<id> or timestamp=<ISO 8601>)
/**
 * Every read goes through the core's `history`, `locate` and `targets` commands, so the
 * permission check, the DM owner rule, flood control and metrics are the core's.
 *
 * Selectors exclude themselves: a msgid excludes that message, a timestamp every message
 * at exactly that millisecond (BEFORE, AFTER, LATEST, BETWEEN); AROUND centres on the
 * message or instant. `limit` is cut to the ISUPPORT CHATHISTORY value. Replies are a
 * `chathistory` batch (`draft/chathistory-targets` for TARGETS), oldest first, sent as
 * BATCH lines only to `batch` clients; errors are standard replies (FAIL CHATHISTORY
 * NEED_MORE_PARAMS / INVALID_PARAMS / UNKNOWN_COMMAND / INVALID_TARGET / MESSAGE_ERROR).
 */
import { ChatError } from '../../../core/errors.ts';
import type { ChatMessage } from '../../../protocol/index.ts';
import type { IrcConnection } from '../connection.ts';
import type { IrcMessage } from '../message.ts';
import { standardReply } from '../standard-replies.ts';
import { linesFor, reactionLines } from '../msg-features.ts';
import { defineVerb } from './verb.ts';

type Ref = { msgid: string } | { ts: number };

/** `YYYY-MM-DDThh:mm:ss.sssZ` (milliseconds and the zone optional, as clients send). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})?$/;

function parseRef(s: string): Ref | undefined {
  if (s.startsWith('msgid=') && s.length > 6 && s.length <= 70) return { msgid: s.slice(6) };
  if (s.startsWith('timestamp=')) {
    const t = s.slice(10);
    // Without a zone, Date.parse would read local time: the spec's timestamps are UTC.
    const ts = ISO_TIME.test(t) ? Date.parse(/(?:Z|[+-]\d{2}:\d{2})$/.test(t) ? t : `${t}Z`) : Number.NaN;
    return Number.isNaN(ts) || ts < 0 ? undefined : { ts };
  }
  return undefined;
}

function parseLimit(s: string | undefined): number | undefined {
  return s !== undefined && /^\d{1,9}$/.test(s) && Number(s) > 0 ? Number(s) : undefined;
}

/** Where a reference falls: messages with seq < pos are before it; `exact` when it names one message. */
interface Pos { pos: number; exact: boolean; ts?: number }

interface Reader {
  page(q: { beforeSeq?: number; afterSeq?: number; limit: number }): Promise<ChatMessage[]>;
  locate(ref: Ref): Promise<Pos | undefined>;
}

function reader(c: IrcConnection, to: string, onTarget: (name: string) => void): Reader {
  return {
    page: async (q) => {
      const r = await c.execute('history', {
        to, limit: q.limit, ...(q.beforeSeq !== undefined ? { before: q.beforeSeq } : {}), ...(q.afterSeq !== undefined ? { after: q.afterSeq } : {}),
      });
      onTarget(r.to);
      return r.messages;
    },
    locate: async (ref) => {
      const r = await c.execute('locate', { to, ...ref });
      onTarget(r.to);
      return r.found ? { pos: r.seq, exact: r.exact, ...('ts' in ref ? { ts: ref.ts } : {}) } : undefined;
    },
  };
}

/** Messages strictly after a position (a timestamp excludes its own millisecond). */
const afterOf = (p: Pos) => (m: ChatMessage): boolean => (p.exact ? m.seq > p.pos : m.seq >= p.pos && m.ts !== p.ts);
/** Messages strictly before a position. */
const beforeOf = (p: Pos) => (m: ChatMessage): boolean => m.seq < p.pos;

/** The first seq after a position, for `afterSeq` (which is exclusive). */
const afterSeq = (p: Pos): number => (p.exact ? p.pos : p.pos - 1);

/** Pages read for one AFTER or BETWEEN, at most (messages sharing the selector's millisecond are skipped). */
const MAX_PAGES = 4;

/** Up to `limit` messages after `p` (and before `end`), oldest first. */
async function pageAfter(r: Reader, p: Pos, end: Pos | undefined, limit: number): Promise<ChatMessage[]> {
  const out: ChatMessage[] = [];
  let cursor = afterSeq(p);
  for (let i = 0; i < MAX_PAGES && out.length < limit; i++) {
    const page = await r.page({ afterSeq: cursor, limit });
    for (const m of page) {
      if (end && !beforeOf(end)(m)) return out;
      if (afterOf(p)(m) && out.length < limit) out.push(m);
    }
    if (page.length < limit) break;
    cursor = page.at(-1)!.seq;
  }
  return out;
}

async function query(r: Reader, sub: string, a: Ref | undefined, b: Ref | undefined, limit: number): Promise<ChatMessage[]> {
  switch (sub) {
    case 'LATEST': {
      if (a === undefined) return r.page({ limit });
      const p = await r.locate(a);
      if (!p) return [];
      // The newest `limit` messages, but none at or before the reference.
      return (await r.page({ limit })).filter(afterOf(p));
    }
    case 'BEFORE': {
      const p = await r.locate(a!);
      return p ? r.page({ beforeSeq: p.pos, limit }) : [];
    }
    case 'AFTER': {
      const p = await r.locate(a!);
      return p ? pageAfter(r, p, undefined, limit) : [];
    }
    case 'AROUND': {
      const p = await r.locate(a!);
      if (!p) return [];
      const before = await r.page({ beforeSeq: p.pos, limit: Math.max(1, Math.floor(limit / 2)) });
      const after = await r.page({ afterSeq: p.pos - 1, limit });
      return [...before, ...after].slice(0, limit);
    }
    case 'BETWEEN': {
      const p = await r.locate(a!);
      const q = await r.locate(b!);
      if (!p || !q) return [];
      const forwards = p.pos < q.pos || (p.pos === q.pos && (p.exact || !q.exact));
      if (forwards) return pageAfter(r, p, q, limit);
      // Backwards in time: the `limit` messages nearest the first reference.
      const page = await r.page({ beforeSeq: p.pos, limit });
      return page.filter(afterOf(q));
    }
  }
  return [];
}

const SUBCOMMANDS = ['LATEST', 'BEFORE', 'AFTER', 'AROUND', 'BETWEEN', 'TARGETS'];

/** A batch of `type` around `lines`; clients without `batch` get the lines alone. */
function batch(c: IrcConnection, type: string[], lines: IrcMessage[]): void {
  const batched = c.caps.has('batch');
  const id = batched ? c.nextBatchId() : undefined;
  if (id) c.sendLine({ source: c.server.name, command: 'BATCH', params: [`+${id}`, ...type] });
  for (const line of lines) c.sendLine(id ? { ...line, tags: { ...line.tags, batch: id } } : line);
  if (id) c.sendLine({ source: c.server.name, command: 'BATCH', params: [`-${id}`] });
}

export const chathistory = defineVerb({
  name: 'CHATHISTORY',
  minParams: 1,
  async run(c, msg) {
    const p = msg.params;
    const sub = p[0]!.toUpperCase();
    const fail = (code: string, context: string[], text: string): void => standardReply(c, 'FAIL', 'CHATHISTORY', code, context, text);
    if (!SUBCOMMANDS.includes(sub)) return fail('UNKNOWN_COMMAND', [p[0]!], 'Unknown subcommand');
    const between = sub === 'BETWEEN';
    if (p.length < (between ? 5 : 4)) return fail('NEED_MORE_PARAMS', [sub], 'Missing parameters');
    const max = c.server.config.historyLimit;
    const limit = parseLimit(p[between ? 4 : 3]);
    if (sub === 'TARGETS') {
      const x = parseRef(p[1]!);
      const y = parseRef(p[2]!);
      if (!x || !y || !('ts' in x) || !('ts' in y) || limit === undefined) return fail('INVALID_PARAMS', [sub], 'Invalid parameters');
      return targets(c, Math.min(x.ts, y.ts), Math.max(x.ts, y.ts), Math.min(limit, max));
    }
    const target = p[1]!;
    const a = sub === 'LATEST' && p[2] === '*' ? undefined : parseRef(p[2]!);
    const b = between ? parseRef(p[3]!) : undefined;
    if ((a === undefined && !(sub === 'LATEST' && p[2] === '*')) || (between && b === undefined) || limit === undefined) {
      return fail('INVALID_PARAMS', [sub], 'Invalid parameters');
    }
    let name = target;
    let msgs: ChatMessage[];
    try {
      msgs = await query(reader(c, target, (n) => { name = n; }), sub, a, b, Math.min(limit, max));
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      if (err.code === 'RATE_LIMITED' || err.code === 'STORE_UNAVAILABLE') return fail('MESSAGE_ERROR', [sub, target], err.message);
      return fail('INVALID_TARGET', [sub, target], 'Messages could not be retrieved');
    }
    // The current state: edited text; deleted messages left out (their text is gone);
    // reactions as TAGMSG +draft/react after their message, for message-tags clients.
    // Clients without `batch` get the lines alone (multi-line messages then as one line each).
    const id = c.caps.has('batch') ? c.nextBatchId() : undefined;
    if (id) c.sendLine({ source: c.server.name, command: 'BATCH', params: [`+${id}`, 'chathistory', name] });
    const tagged = c.caps.has('message-tags');
    for (const m of msgs) {
      if (m.deleted) continue;
      for (const line of linesFor(c, m, id)) c.sendLine(line);
      if (tagged) for (const line of reactionLines(m, c.server, c.me)) c.sendLine(id ? { ...line, tags: { ...line.tags, batch: id } } : line);
    }
    if (id) c.sendLine({ source: c.server.name, command: 'BATCH', params: [`-${id}`] });
  },
});

/** TARGETS: conversations whose newest message falls between the two instants, oldest first. */
async function targets(c: IrcConnection, after: number, before: number, limit: number): Promise<void> {
  let list;
  try {
    list = (await c.execute('targets', { after, before, limit })).targets;
  } catch (err) {
    if (!(err instanceof ChatError)) throw err;
    return standardReply(c, 'FAIL', 'CHATHISTORY', 'MESSAGE_ERROR', ['TARGETS', '*'], err.message);
  }
  const lines: IrcMessage[] = list.reverse().map((t) => ({ source: c.server.name, command: 'CHATHISTORY', params: ['TARGETS', t.to, new Date(t.ts).toISOString()] }));
  batch(c, ['draft/chathistory-targets'], lines);
}
