/**
 * What every slash command of the terminal client is made of, and the small helpers the
 * command tables share (commands.ts, commands-history.ts, commands-account.ts).
 */
import type { ChatSession } from './session.ts';

export interface TuiCommand {
  readonly name: string;
  readonly aliases: readonly string[];
  /** Syntax after the command name, e.g. "NAME TEXT". */
  readonly usage: string;
  readonly help: string;
  run(s: ChatSession, args: string): Promise<void> | void;
}

/** Usage lines by command name, filled by commands.ts once every table is built. */
export const USAGE = new Map<string, string>();

export function usageError(s: ChatSession, cmd: string): void {
  const usage = USAGE.get(cmd) ?? '';
  s.show({ type: 'error', code: 'USAGE', message: `usage: /${cmd}${usage ? ` ${usage}` : ''}` });
}

/** "dev" -> "#dev"; room names are given with or without the "#". */
export function roomArg(arg: string): string {
  return arg.startsWith('#') ? arg : `#${arg}`;
}

export function firstWord(args: string): [string, string] {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(args);
  return m ? [m[1]!, m[2]!] : ['', ''];
}
