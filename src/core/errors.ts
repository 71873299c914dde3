// Not the protocol barrel: worker threads import this, and need none of the wire schemas (zod).
import { ERROR_CODES, type ErrorCode } from '../protocol/errors.ts';

/** A failure the client is allowed to see: a stable code and a human message. */
export class ChatError extends Error {
  readonly code: ErrorCode;
  /** The room the refusal is about, when the request did not name it (a rename refused by a room's ban). */
  readonly room: string | undefined;
  constructor(code: ErrorCode, message?: string, room?: string) {
    super(message ?? ERROR_CODES[code]);
    this.code = code;
    this.room = room;
    this.name = 'ChatError';
  }
}
