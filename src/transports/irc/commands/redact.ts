// REDACT <target> <msgid> [:<reason>]   (IRCv3 draft/message-redaction; Banter keeps no reason)
import { ChatError } from '../../../core/errors.ts';
import type { IrcConnection } from '../connection.ts';
import { defineVerb } from './verb.ts';

function fail(c: IrcConnection, code: string, params: string[], text: string): void {
  c.sendLine({ source: c.server.name, command: 'FAIL', params: ['REDACT', code, ...params, text], trailing: true });
}

/**
 * Deletes a message through the core's `delete` (the author, an operator of the room or a
 * server admin; a tombstone stays). Refusals are the spec's FAIL codes; other core errors
 * (flood control) become their numeric.
 */
export const redact = defineVerb({
  name: 'REDACT',
  minParams: 2,
  async run(c, msg) {
    const target = msg.params[0]!;
    const msgid = msg.params[1]!;
    try {
      await c.execute('delete', { to: target, msgid });
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      switch (err.code) {
        case 'NO_SUCH_MESSAGE':
        case 'BAD_REQUEST':
          return fail(c, 'UNKNOWN_MSGID', [target, msgid], 'This message does not exist or you cannot see it');
        case 'DELETE_FORBIDDEN':
          return fail(c, 'REDACT_FORBIDDEN', [target, msgid], 'You are not allowed to delete this message');
        case 'NO_SUCH_ROOM':
        case 'ROOM_INVALID':
        case 'NOT_IN_ROOM':
        case 'NO_SUCH_USER':
        case 'NAME_INVALID':
          return fail(c, 'INVALID_TARGET', [target], 'You cannot delete messages in this conversation');
        default:
          c.fail(err, { command: 'REDACT', target });
      }
    }
  },
});
