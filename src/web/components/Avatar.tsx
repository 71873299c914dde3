import type { Presence } from '../../protocol/index.ts';

/** A stable colour class (8 hues, defined in styles.css) from a name. */
export function hueClass(name: string): string {
  let h = 0;
  for (const ch of name.toLowerCase()) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hue-${h % 8}`;
}

export function Avatar({ name, presence, small }: { name: string; presence?: Presence | undefined; small?: boolean }) {
  return (
    <span class={`avatar ${hueClass(name)}${small ? ' small' : ''}`} aria-hidden="true">
      {name.slice(0, 1).toUpperCase()}
      {presence && <span class={`dot ${presence}`} />}
    </span>
  );
}
