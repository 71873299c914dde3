// CHATHISTORY LATEST|BEFORE|AFTER|AROUND <target> <ref> <limit>
// CHATHISTORY BETWEEN <target> <ref> <ref> <limit>     CHATHISTORY TARGETS <ts> <ts> <limit>
// (IRCv3 draft/chathistory; ref is *, msgid=<id> or timestamp=<ISO 8601>)
import { ChatError } from '../../../core/errors.ts';
import type { ChatMessage } from '../../../protocol/index.ts';
import type { IrcConnection } from '../connection.ts';
import { linesFor, reactionLines } from '../msg-features.ts';
import { defineVerb } from './verb.ts';

type Ref = { msgid: string } | { ts: number } | 'latest';

function parseRef(s: string): Ref | undefined {
  if (s === '*') return 'latest';
  if (s.startsWith('msgid=') && s.length > 6) return { msgid: s.slice(6) };
  if (s.startsWith('timestamp=')) {
    const ts = Date.parse(s.slice(10));
    return Number.isNaN(ts) || ts < 0 ? undefined : { ts };
  }
  return undefined;
}

/**
 * Reads one conversation through the core's `history` and `locate` commands, so the
 * permission check, the DM owner rule, flood control and metrics are the core's.
 */
interface Reader {
  page(q: { beforeSeq?: number; afterSeq?: number; limit: number }): Promise<ChatMessage[]>;
  /** messages with seq < pos are before the reference; undefined for an unknown msgid. */
  locate(ref: { msgid: string } | { ts: number }): Promise<{ pos: number; exact: boolean } | undefined>;
}

function reader(c: IrcConnection, to: string): Reader {
  return {
    page: async (q) => (await c.execute('history', {
      to, limit: q.limit, ...(q.beforeSeq !== undefined ? { before: q.beforeSeq } : {}), ...(q.afterSeq !== undefined ? { after: q.afterSeq } : {}),
    })).messages,
    locate: async (ref) => {
      const r = await c.execute('locate', { to, ...ref });
      return r.found ? { pos: r.seq, exact: r.exact } : undefined;
    },
  };
}

async function query(r: Reader, sub: string, a: Ref, b: Ref | undefined, limit: number): Promise<ChatMessage[]> {
  const at = async (ref: Ref) => (ref === 'latest' ? undefined : r.locate(ref));
  switch (sub) {
    case 'LATEST': {
      const latest = await r.page({ limit });
      if (a === 'latest') return latest;
      const p = await at(a);
      if (!p) return [];
      return latest.filter((m) => (p.exact ? m.seq > p.pos : m.seq >= p.pos));
    }
    case 'BEFORE': {
      const p = await at(a);
      return p ? r.page({ beforeSeq: p.pos, limit }) : [];
    }
    case 'AFTER': {
      const p = await at(a);
      return p ? r.page({ afterSeq: p.exact ? p.pos : p.pos - 1, limit }) : [];
    }
    case 'AROUND': {
      const p = await at(a);
      if (!p) return [];
      const before = await r.page({ beforeSeq: p.pos, limit: Math.floor(limit / 2) || 1 });
      const after = await r.page({ afterSeq: p.pos - 1, limit: Math.max(0, limit - before.length) });
      return [...before, ...after].slice(0, limit);
    }
    case 'BETWEEN': {
      const p = await at(a);
      const q = b ? await at(b) : undefined;
      if (!p || !q) return [];
      if (p.pos <= q.pos) {
        const page = await r.page({ afterSeq: p.exact ? p.pos : p.pos - 1, limit });
        return page.filter((m) => m.seq < q.pos);
      }
      const page = await r.page({ beforeSeq: p.pos, limit });
      return page.filter((m) => (q.exact ? m.seq > q.pos : m.seq >= q.pos));
    }
  }
  return [];
}

function fail(c: IrcConnection, code: string, params: string[], text: string): void {
  c.sendLine({ source: c.server.name, command: 'FAIL', params: ['CHATHISTORY', code, ...params, text], trailing: true });
}

export const chathistory = defineVerb({
  name: 'CHATHISTORY',
  minParams: 1,
  async run(c, msg) {
    const sub = msg.params[0]!.toUpperCase();
    const p = msg.params;
    if (sub === 'TARGETS') {
      // Listing conversations needs a store query Banter does not have yet: an empty answer.
      const id = c.nextBatchId();
      c.sendLine({ source: c.server.name, command: 'BATCH', params: [`+${id}`, 'draft/chathistory-targets'] });
      c.sendLine({ source: c.server.name, command: 'BATCH', params: [`-${id}`] });
      return;
    }
    if (!['LATEST', 'BEFORE', 'AFTER', 'AROUND', 'BETWEEN'].includes(sub)) return fail(c, 'UNKNOWN_COMMAND', [p[0]!], 'Unknown subcommand');
    const between = sub === 'BETWEEN';
    const target = p[1];
    const a = p[2] !== undefined ? parseRef(p[2]) : undefined;
    const b = between && p[3] !== undefined ? parseRef(p[3]) : undefined;
    const limit = Number.parseInt(p[between ? 4 : 3] ?? '', 10);
    if (!target || !a || (between && (!b || b === 'latest')) || (a === 'latest' && sub !== 'LATEST') || !(limit > 0)) {
      return fail(c, 'INVALID_PARAMS', [sub], 'Invalid parameters');
    }
    let msgs: ChatMessage[];
    try {
      msgs = await query(reader(c, target), sub, a, b, Math.min(limit, c.server.config.historyLimit));
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      if (err.code === 'RATE_LIMITED') return fail(c, 'MESSAGE_ERROR', [sub, target], err.message);
      return fail(c, 'INVALID_TARGET', [sub, target], 'Messages could not be retrieved');
    }
    const id = c.nextBatchId();
    c.sendLine({ source: c.server.name, command: 'BATCH', params: [`+${id}`, 'chathistory', target] });
    // The current state: edited text; deleted messages left out (their text is gone);
    // reactions as TAGMSG +draft/react after their message, for message-tags clients.
    const tagged = c.caps.has('message-tags');
    for (const m of msgs) {
      if (m.deleted) continue;
      for (const line of linesFor(c, m, id)) c.sendLine(line);
      if (tagged) for (const line of reactionLines(m, c.server, c.me)) c.sendLine({ ...line, tags: { ...line.tags, batch: id } });
    }
    c.sendLine({ source: c.server.name, command: 'BATCH', params: [`-${id}`] });
  },
});
