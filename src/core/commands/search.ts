// search <words…> [from:NAME] [in:#room|in:NAME]
import { checkUserName, foldName, LIMITS } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import type { SearchQuery } from '../ports.ts';
import { defineCommand, me } from './command.ts';
import { resolveConversation } from './conversation.ts';

const DEFAULT_LIMIT = 50;
/** Letters and digits, optionally ending in * (prefix); everything else separates words. */
const WORD = /[\p{L}\p{N}]+\*?/gu;

/**
 * The words of a search query, as every store receives them: lower-cased, each once, at most
 * LIMITS.searchMaxWords, and every prefix word with at least LIMITS.searchMinPrefix letters or
 * digits before its `*`. A short prefix matches most of the index (`a*` is every word that
 * starts with a), so it is refused rather than run. Throws SEARCH_INVALID otherwise.
 */
export function searchWords(text: string): string[] {
  const words = [...new Set(text.normalize('NFC').toLowerCase().match(WORD) ?? [])];
  if (words.length === 0) throw new ChatError('SEARCH_INVALID', 'give at least one word to search for');
  if (words.length > LIMITS.searchMaxWords) throw new ChatError('SEARCH_INVALID', `at most ${LIMITS.searchMaxWords} different words`);
  const short = words.find((w) => w.endsWith('*') && [...w].length - 1 < LIMITS.searchMinPrefix);
  if (short !== undefined) throw new ChatError('SEARCH_INVALID', `a prefix needs at least ${LIMITS.searchMinPrefix} letters or digits before the * (got "${short}")`);
  return words;
}

export const search = defineCommand({
  name: 'search',
  needsLogin: true,
  help: 'search WORDS [from:NAME] [in:#ROOM] — find messages in your rooms and direct messages',
  async run(ctx, req) {
    const user = me(ctx);
    const text: string[] = [];
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
      text.push(token);
    }
    const words = searchWords(text.join(' '));
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
