import type { Presence } from '../../protocol/index.ts';

/** A stable colour class (8 hues, defined in styles.css) from a name. */
export function hueClass(name: string): string {
  let h = 0;
  for (const ch of name.toLowerCase()) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hue-${h % 8}`;
}

/**
 * Decorative (hidden from assistive technology): the initial is drawn by CSS from
 * data-initial, so that it is not part of the visible text of a button it sits in either
 * (a button "B bob" would not match its accessible name "bob, online" for speech input).
 * Presence is always said in text next to it, never by the dot's colour alone.
 */
export function Avatar({ name, presence, small }: { name: string; presence?: Presence | undefined; small?: boolean }) {
  return (
    <span class={`avatar ${hueClass(name)}${small ? ' small' : ''}`} aria-hidden="true" data-initial={name.slice(0, 1).toUpperCase()}>
      {presence && <span class={`dot ${presence}`} />}
    </span>
  );
}
