/**
 * Tab completion: the word before the cursor is completed from the command names (first
 * word starting with "/"), room names (words starting with "#") or user names.
 */
import { foldName } from '../protocol/index.ts';

export interface CompletionSource {
  commands(): string[];
  rooms(): Iterable<string>;
  users(): Iterable<string>;
}

/** node:readline completer result: candidates and the substring they replace. */
export function complete(line: string, src: CompletionSource): [string[], string] {
  const word = /(\S*)$/.exec(line)![1]!;
  const isFirst = line.length === word.length;
  let pool: Iterable<string>;
  if (isFirst && word.startsWith('/')) pool = src.commands();
  else if (word.startsWith('#')) pool = src.rooms();
  else pool = src.users();
  const prefix = foldName(word);
  const hits = [...new Set(pool)].filter((c) => foldName(c).startsWith(prefix)).sort((a, b) => foldName(a).localeCompare(foldName(b)));
  // A single match gets a trailing space so the next word can be typed at once.
  return [hits.length === 1 ? [`${hits[0]!} `] : hits, word];
}
