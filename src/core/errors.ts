// Not the protocol barrel: worker threads import this, and need none of the wire schemas (zod).
import { ERROR_CODES, type ErrorCode } from '../protocol/errors.ts';

/** A failure the client is allowed to see: a stable code and a human message. */
export class ChatError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message?: string) {
    super(message ?? ERROR_CODES[code]);
    this.code = code;
    this.name = 'ChatError';
  }
}
