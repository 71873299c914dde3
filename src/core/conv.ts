import { foldName } from '../protocol/index.ts';

/** Storage key of a conversation: the folded room name, or "@a@b" for a DM (folded names, sorted). */
export function convKey(from: string, to: string): string {
  if (to.startsWith('#')) return foldName(to);
  const [a, b] = [foldName(from), foldName(to)].sort() as [string, string];
  return `@${a}@${b}`;
}
