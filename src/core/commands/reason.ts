import { LIMITS, normalizeText } from '../../protocol/index.ts';

/**
 * A free-text reason (part, kick): newlines become spaces, cut to `awayMaxLength`; undefined
 * when empty or unusable, so the caller can fall back to its default. Reasons are
 * decoration, so a bad one is dropped rather than refused.
 */
export function reasonText(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const norm = normalizeText(raw.replace(/[\r\n]+/g, ' ').slice(0, LIMITS.awayMaxLength));
  return 'problem' in norm ? undefined : norm.text.trim();
}
