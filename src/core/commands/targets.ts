// targets [after] [before] [limit]  — your rooms and DMs with the time of their newest message
import type { ChatMessage } from '../../protocol/index.ts';
import { defineCommand, me } from './command.ts';
import { peerOf, readPage } from './conversation.ts';

/** DM conversations looked at per request (the store lists them most recent first). */
export const TARGETS_MAX_DMS = 200;

export const targets = defineCommand({
  name: 'targets',
  needsLogin: true,
  help: 'targets — your rooms and direct-message conversations, most recently active first',
  async run(ctx, req) {
    const user = me(ctx);
    const limit = Math.min(req.limit ?? ctx.core.history.pageMax, 1000);
    const inWindow = (ts: number): boolean => (req.after === undefined || ts > req.after) && (req.before === undefined || ts < req.before);
    const out: { to: string; ts: number }[] = [];
    // Rooms the user is in (the `history` permission): the newest message of each.
    for (const folded of user.rooms) {
      const room = ctx.core.dir.rooms.get(folded);
      if (!room) continue;
      const [last] = await readPage(ctx, { conv: room.folded, to: room.name }, { limit: 1 });
      if (last && inWindow(last.ts)) out.push({ to: room.name, ts: last.ts });
    }
    // DMs the user owns: from the account's creation or the guest's login on (owner.ts).
    for (const s of await ctx.core.deps.store.dmSummaries(user.folded, TARGETS_MAX_DMS, user.dmSince)) {
      const last: ChatMessage = s.last;
      if (last.ts < user.dmSince || !inWindow(last.ts)) continue;
      const peer = peerOf(last, user.folded);
      out.push({ to: ctx.core.dir.user(peer)?.name ?? peer, ts: last.ts });
    }
    // Newest first; ties by name (descending), so that the order is the same every time.
    out.sort((a, b) => b.ts - a.ts || (a.to < b.to ? 1 : a.to > b.to ? -1 : 0));
    return { targets: out.slice(0, limit) };
  },
});
