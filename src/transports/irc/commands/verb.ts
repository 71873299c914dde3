import type { IrcConnection } from '../connection.ts';
import type { IrcMessage } from '../message.ts';

/**
 * A command as data (like ergo's irc/commands.go): the dispatcher in connection.ts checks
 * registration and `minParams` (ERR_NOTREGISTERED, ERR_NEEDMOREPARAMS) before `run`.
 */
export interface Verb {
  readonly name: string;
  readonly minParams: number;
  /** May be used before registration completes. */
  readonly beforeRegistration?: boolean;
  run(c: IrcConnection, msg: IrcMessage): Promise<void> | void;
}

export function defineVerb(v: Verb): Verb {
  return v;
}
