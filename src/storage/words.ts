/**
 * Word matching with the same rules as SQLite FTS5's default `unicode61` tokenizer, for
 * stores without a full-text index: a word is a run of letters and digits, compared
 * case-insensitively and without diacritics (é = e); a query word ending in `*` matches as a
 * prefix.
 */
const WORD = /[\p{L}\p{N}]+/gu;

/** Case and diacritics folded, as words are compared. */
export function foldWord(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

export function wordsOf(text: string): string[] {
  return (foldWord(text).match(WORD) ?? []);
}

export function matchesWords(text: string, query: readonly string[]): boolean {
  const words = wordsOf(text);
  return query.every((q) => {
    const w = foldWord(q);
    return w.endsWith('*') ? words.some((x) => x.startsWith(w.slice(0, -1))) : words.includes(w);
  });
}
