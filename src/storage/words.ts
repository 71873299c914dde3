/**
 * Word matching with the same rules as SQLite FTS5's default `unicode61` tokenizer, for
 * stores without a full-text index: a word is a run of letters and digits, compared
 * case-insensitively; a query word ending in `*` matches as a prefix.
 */
const WORD = /[\p{L}\p{N}]+/gu;

export function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []);
}

export function matchesWords(text: string, query: readonly string[]): boolean {
  const words = wordsOf(text);
  return query.every((q) => {
    const w = q.toLowerCase();
    return w.endsWith('*') ? words.some((x) => x.startsWith(w.slice(0, -1))) : words.includes(w);
  });
}
