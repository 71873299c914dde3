// search <words…> [from:NAME] [in:#room|in:NAME]
import { checkUserName, foldName } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import type { SearchQuery } from '../ports.ts';
import { defineCommand, me } from './command.ts';
import { resolveConversation } from './conversation.ts';

const DEFAULT_LIMIT = 50;
const MAX_WORDS = 16;
/** Letters and digits, optionally ending in * (prefix); everything else separates words. */
const WORD = /[\p{L}\p{N}]+\*?/gu;

export const search = defineCommand({
  name: 'search',
  needsLogin: true,
  help: 'search WORDS [from:NAME] [in:#ROOM] — find messages in your rooms and direct messages',
  async run(ctx, req) {
    const user = me(ctx);
    const words: string[] = [];
    let from: string | undefined;
    let inTarget: string | undefined;
    for (const token of req.query.split(/\s+/).filter(Boolean)) {
      const m = /^(from|in):(.*)$/i.exec(token);
      if (m) {
        const [, key, value] = m as unknown as [string, string, string];
        if (key.toLowerCase() === 'from') {
          if (checkUserName(value) !== null) throw new ChatError('SEARCH_INVALID', `from: needs a user name, got "${value}"`);
          from = foldName(value);
        } else {
          if (!value) throw new ChatError('SEARCH_INVALID', 'in: needs a #room or a user name');
          inTarget = value;
        }
        continue;
      }
      words.push(...(token.normalize('NFC').toLowerCase().match(WORD) ?? []));
    }
    if (words.length === 0) throw new ChatError('SEARCH_INVALID', 'give at least one word to search for');
    if (words.length > MAX_WORDS) throw new ChatError('SEARCH_INVALID', `at most ${MAX_WORDS} words`);
    // DMs only from the searcher's dmSince on (owner.ts); rooms only those the user is in.
    const q: SearchQuery = { words, convs: [], limit: req.limit ?? DEFAULT_LIMIT, dmsSince: user.dmSince, ...(from ? { from } : {}) };
    if (inTarget !== undefined) {
      const c = await resolveConversation(ctx, user, inTarget);
      q.convs = [c.conv];
    } else {
      q.convs = [...user.rooms];
      q.dmsOf = user.folded;
    }
    return { results: await ctx.core.deps.store.search(q) };
  },
});
