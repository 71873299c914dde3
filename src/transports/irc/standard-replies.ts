/**
 * IRCv3 standard replies: `FAIL|WARN|NOTE <command> <code> [<context>...] :<description>`.
 * Codes are the IRCv3 ones where a specification defines one for the case, else the core's
 * stable JSON error code (docs/errors.md), so a script reads the same code on IRC and on
 * the WebSocket protocol.
 */
import type { ErrorCode } from '../../protocol/index.ts';
import type { IrcConnection } from './connection.ts';

export type ReplyType = 'FAIL' | 'WARN' | 'NOTE';

/** Sends one standard reply from the server. */
export function standardReply(c: IrcConnection, type: ReplyType, command: string, code: string, context: readonly string[], description: string): void {
  c.sendLine({ source: c.server.name, command: type, params: [command, code, ...context, description], trailing: true });
}

/**
 * The FAIL code for a core error: the IRCv3 code that means the same thing where one is
 * specified (standard-replies, account-registration), else the core's own code.
 */
export function failCode(code: ErrorCode): string {
  switch (code) {
    case 'NOT_LOGGED_IN': return 'NEED_REGISTRATION';
    case 'AUTH_BUSY':
    case 'CALC_BUSY':
    case 'SEARCH_BUSY':
    case 'STORE_UNAVAILABLE':
    case 'PRESENCE_UNAVAILABLE':
      return 'TEMPORARILY_UNAVAILABLE';
    default: return code;
  }
}
