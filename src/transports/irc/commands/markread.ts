// MARKREAD <target> [timestamp=<YYYY-MM-DDThh:mm:ss.sssZ>]   (IRCv3 draft/read-marker)
import { ChatError } from '../../../core/errors.ts';
import type { IrcConnection } from '../connection.ts';
import { isoTime } from '../translate.ts';
import { defineVerb } from './verb.ts';

function fail(c: IrcConnection, code: string, params: string[], text: string): void {
  c.sendLine({ source: c.server.name, command: 'FAIL', params: ['MARKREAD', code, ...params, text], trailing: true });
}

/**
 * The read mark of `target` as a MARKREAD parameter: `timestamp=` of the newest message at or
 * before the account's mark (the core keeps marks as seqs), or `*` when there is none (and
 * always for guests, whose marks are not stored).
 */
async function markParam(c: IrcConnection, target: string, seq: number): Promise<string> {
  if (seq <= 0) return '*';
  const page = await c.execute('history', { to: target, before: seq + 1, limit: 1 });
  const m = page.messages.at(-1);
  return m ? `timestamp=${isoTime(m.ts)}` : '*';
}

function isAccount(c: IrcConnection): boolean {
  return c.nick !== undefined && c.server.account(c.nick) !== undefined;
}

/** Sends `MARKREAD <target> <mark>` (after JOIN, and in answer to MARKREAD). */
export async function sendMarkRead(c: IrcConnection, target: string): Promise<void> {
  const mark = isAccount(c) ? (await c.execute('read', { to: target, seq: 0 })).seq : 0;
  c.sendLine({ source: c.server.name, command: 'MARKREAD', params: [target, await markParam(c, target, mark)] });
}

/**
 * Get or set the read mark through the core's `read` (marks belong to the account, so every
 * device of it shares them; they only move forward). A timestamp sets the mark to the newest
 * message at or before it; the answer is the mark as stored.
 */
export const markread = defineVerb({
  name: 'MARKREAD',
  minParams: 0,
  async run(c, msg) {
    const target = msg.params[0];
    if (target === undefined || target === '') return fail(c, 'NEED_MORE_PARAMS', [], 'Missing parameters');
    const ts = msg.params[1];
    let when: number | undefined;
    if (ts !== undefined) {
      when = ts.startsWith('timestamp=') ? Date.parse(ts.slice(10)) : Number.NaN;
      if (Number.isNaN(when) || when < 0) return fail(c, 'INVALID_PARAMS', [ts], 'Invalid timestamp');
    }
    try {
      if (when !== undefined && isAccount(c)) {
        // The first message after the instant; the mark is the one before it.
        const at = await c.execute('locate', { to: target, ts: when + 1 });
        if (at.seq > 1) await c.execute('read', { to: target, seq: at.seq - 1 });
      }
      await sendMarkRead(c, target);
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      if (err.code === 'RATE_LIMITED') return c.fail(err, { command: 'MARKREAD', target });
      return fail(c, 'INVALID_PARAMS', [target], 'You cannot read this conversation');
    }
  },
});
