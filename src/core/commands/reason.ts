import { REASON_MAX_LENGTH, sanitizeLine } from '../../protocol/index.ts';

/**
 * A free-text reason (part, kick) as others see it: one line, cleaned by `sanitizeLine` and
 * cut to REASON_MAX_LENGTH; undefined when nothing is left, so the caller can fall back to
 * its default. Reasons are decoration, so unsafe characters are dropped rather than refused.
 */
export function reasonText(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  return sanitizeLine(raw, REASON_MAX_LENGTH) || undefined;
}
