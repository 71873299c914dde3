// BATCH +<ref> draft/multiline <target>   …   @batch=<ref> PRIVMSG <target> :<line>   …   BATCH -<ref>
// (IRCv3 draft/multiline: one message of several lines; `draft/multiline-concat` joins a line to the previous one)
import { foldName, type MessageKind } from '../../../protocol/index.ts';
import type { IrcConnection } from '../connection.ts';
import type { IrcMessage } from '../message.ts';
import { CONCAT_TAG, MULTILINE_MAX_BYTES, MULTILINE_MAX_LINES } from '../msg-features.ts';
import { N } from '../numerics.ts';
import { sendText } from './privmsg.ts';
import { stripFormatting } from './util.ts';
import { defineVerb } from './verb.ts';

/** The multiline batch a client has open (at most one; bounded by the advertised max-bytes and max-lines). */
interface Open {
  ref: string;
  target: string;
  tags: Record<string, string> | undefined;
  command: string | undefined;
  lines: string[];
  bytes: number;
  /** Refused (FAIL sent): the rest of the batch is dropped until its end. */
  failed: boolean;
}

const open = new WeakMap<IrcConnection, Open>();

function fail(c: IrcConnection, code: string, params: string[], text: string): void {
  c.sendLine({ source: c.server.name, command: 'FAIL', params: ['BATCH', code, ...params, text], trailing: true });
}

function refuse(c: IrcConnection, b: Open, code: string, params: string[], text: string): void {
  b.failed = true;
  b.lines = [];
  fail(c, code, params, text);
}

/**
 * A PRIVMSG/NOTICE that belongs to the client's open multiline batch: added to it (and
 * true returned), or refused with the spec's FAIL when it breaks the batch's rules.
 */
export function collectBatched(c: IrcConnection, msg: IrcMessage): boolean {
  const ref = msg.tags?.batch;
  const b = ref !== undefined ? open.get(c) : undefined;
  if (!b || b.ref !== ref) return false;
  if (b.failed) return true;
  const target = msg.params[0] ?? '';
  if (foldName(target) !== foldName(b.target)) {
    refuse(c, b, 'MULTILINE_INVALID_TARGET', [b.target, target], 'Batch and message targets differ');
    return true;
  }
  if (b.command !== undefined && b.command !== msg.command) {
    refuse(c, b, 'MULTILINE_INVALID', [], 'A multiline batch mixes PRIVMSG and NOTICE');
    return true;
  }
  b.command = msg.command;
  const text = stripFormatting(msg.params[1] ?? '');
  const concat = msg.tags !== undefined && CONCAT_TAG in msg.tags;
  if (concat && (text === '' || b.lines.length === 0)) {
    refuse(c, b, 'MULTILINE_INVALID', [], 'draft/multiline-concat on a blank or first line');
    return true;
  }
  const bytes = Buffer.byteLength(text) + (concat || b.lines.length === 0 ? 0 : 1);
  if (b.bytes + bytes > MULTILINE_MAX_BYTES) {
    refuse(c, b, 'MULTILINE_MAX_BYTES', [String(MULTILINE_MAX_BYTES)], 'Multiline batch too long');
    return true;
  }
  if (!concat && b.lines.length >= MULTILINE_MAX_LINES) {
    refuse(c, b, 'MULTILINE_MAX_LINES', [String(MULTILINE_MAX_LINES)], 'Multiline batch has too many lines');
    return true;
  }
  b.bytes += bytes;
  if (concat) b.lines[b.lines.length - 1] += text;
  else b.lines.push(text);
  return true;
}

export const batch = defineVerb({
  name: 'BATCH',
  minParams: 1,
  async run(c, msg) {
    const p = msg.params;
    const ref = p[0]!.slice(1);
    if (p[0]!.startsWith('+')) {
      if (p[1] !== 'draft/multiline' || !c.caps.has('draft/multiline')) return fail(c, 'MULTILINE_INVALID', [], 'Only draft/multiline batches are accepted (negotiate the cap)');
      const target = p[2];
      if (ref === '' || target === undefined || target === '' || target.includes(',')) return fail(c, 'MULTILINE_INVALID', [], 'BATCH +<ref> draft/multiline <target>');
      if (open.has(c)) fail(c, 'MULTILINE_INVALID', [], 'A multiline batch was still open: it is dropped');
      open.set(c, { ref, target, tags: msg.tags, command: undefined, lines: [], bytes: 0, failed: false });
      return;
    }
    if (!p[0]!.startsWith('-')) return fail(c, 'MULTILINE_INVALID', [], 'BATCH +<ref> … or BATCH -<ref>');
    const b = open.get(c);
    if (!b || b.ref !== ref) return fail(c, 'MULTILINE_INVALID', [], 'No such batch open');
    open.delete(c);
    if (b.failed) return;
    const notice = b.command === 'NOTICE';
    if (b.lines.every((l) => l.trim() === '')) return notice ? undefined : c.numeric(N.ERR_NOTEXTTOSEND, ['No text to send']);
    const kind: MessageKind | undefined = notice ? 'notice' : undefined;
    await sendText(c, b.target, b.lines.join('\n'), kind, b.tags, notice);
  },
});
