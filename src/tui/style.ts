/**
 * Colours via node:util styleText. A Style either colours or is a no-op, decided once: only
 * when stdout is a terminal, TERM is not "dumb" and NO_COLOR is unset or empty (no-color.org).
 */
import { styleText } from 'node:util';

type Format = Parameters<typeof styleText>[0];

export interface Style {
  readonly enabled: boolean;
  paint(format: Format, text: string): string;
  /** A stable colour per name so the same person always looks the same. */
  nick(name: string): string;
}

const NICK_COLOURS = ['red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'redBright', 'greenBright', 'blueBright', 'magentaBright'] as const;

export function colourWanted(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (!isTTY) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return env.TERM !== 'dumb';
}

export function makeStyle(enabled: boolean): Style {
  return {
    enabled,
    paint: (format, text) => (enabled ? styleText(format, text, { validateStream: false }) : text),
    nick(name) {
      if (!enabled) return name;
      let h = 0;
      for (const ch of name.toLowerCase()) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
      return styleText(NICK_COLOURS[h % NICK_COLOURS.length]!, name, { validateStream: false });
    },
  };
}
