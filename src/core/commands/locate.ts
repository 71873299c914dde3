// locate <#room|name> msgid=<id> | ts=<ms>  — where a message or an instant falls in a conversation
import { defineCommand, me } from './command.ts';
import { readPage, resolveConversation } from './conversation.ts';

/** Messages looked through, newest first, before giving up (bounds the work per request). */
export const LOCATE_MAX_SCAN = 10_000;
const PAGE = 500;

export const locate = defineCommand({
  name: 'locate',
  needsLogin: true,
  help: 'locate TARGET msgid=ID|ts=MS — the seq of a message, or of the first message at or after a time',
  async run(ctx, req) {
    const user = me(ctx);
    // Same permission and DM owner rule as `history`: the scan reads through readPage only.
    const c = await resolveConversation(ctx, user, req.to);
    let before: number | undefined;
    let scanned = 0;
    while (scanned < LOCATE_MAX_SCAN) {
      const page = await readPage(ctx, c, before === undefined ? { limit: PAGE } : { beforeSeq: before, limit: PAGE });
      if (page.length === 0) break;
      if (req.msgid !== undefined) {
        const hit = page.find((m) => m.id === req.msgid);
        if (hit) return { to: c.to, seq: hit.seq, exact: true, found: true };
      } else if (page[0]!.ts < req.ts!) {
        const first = page.find((m) => m.ts >= req.ts!);
        return { to: c.to, seq: first ? first.seq : page.at(-1)!.seq + 1, exact: false, found: true };
      }
      scanned += page.length;
      before = page[0]!.seq;
    }
    // Every message looked at is at or after the instant: it falls before the oldest one seen.
    if (req.ts !== undefined) return { to: c.to, seq: before ?? 1, exact: false, found: true };
    return { to: c.to, seq: 0, exact: false, found: false };
  },
});
