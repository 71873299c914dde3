/**
 * Stable error codes: the one registry. Codes are part of the wire contract; never rename
 * or reuse one. `docs/errors.md` lists the same codes (test/errors-doc.test.ts keeps them
 * in sync).
 */
export const ERROR_CODES = {
  BAD_JSON: 'The frame is not valid JSON.',
  BAD_REQUEST: 'The frame is JSON but does not match the schema for its type.',
  UNKNOWN_TYPE: 'The frame has a type the server does not know.',
  NOT_LOGGED_IN: 'The request needs a name first: send `login`.',
  ALREADY_LOGGED_IN: 'This connection already has a name.',
  NAME_INVALID: 'The name breaks the name rules.',
  NAME_TAKEN: 'Another connected user has this name (compared case-insensitively).',
  NAME_CONFUSABLE: 'The name looks like the name of a connected user (e.g. I for l, 0 for O, rn for m).',
  NO_SUCH_USER: 'No connected user has this name.',
  NO_SUCH_ROOM: 'The room does not exist.',
  ROOM_INVALID: 'The room name breaks the room name rules.',
  NOT_IN_ROOM: 'You are not a member of this room.',
  CANNOT_LEAVE_LOBBY: '#lobby cannot be left.',
  TEXT_EMPTY: 'The message text is empty.',
  TEXT_TOO_LONG: 'The message text is longer than the limit.',
  TEXT_INVALID: 'The text contains control characters or invalid Unicode.',
  REQUEST_ID_REUSED: 'This request id was used for a different message within the resend window; nothing was sent. Use a new id for each new message.',
  TOO_MANY_ROOMS: 'You are in as many rooms as the server allows.',
  CALC_TOO_LONG: 'The expression is longer than the limit.',
  CALC_SYNTAX: 'The expression could not be parsed.',
  CALC_FORBIDDEN: 'The expression uses something the calculator does not allow.',
  CALC_ERROR: 'The expression could not be evaluated (e.g. unknown unit, wrong argument).',
  CALC_PRECISION: 'The answer cannot be given exactly (or to all 15 shown digits) with the calculator\'s precision: integers are exact up to 10,000 digits, other numbers carry 64 significant digits. The calculator refuses rather than round.',
  CALC_TIMEOUT: 'The evaluation took longer than the time limit or exceeded its memory bound.',
  CALC_BUSY: 'The calculator queue is full; try again shortly.',
  RATE_LIMITED: 'Too many requests: slow down.',
  INTERNAL: 'Something went wrong on the server; details are in the server log.',
  AUTH_REQUIRED: 'The name is registered: log in with its password or a session token.',
  AUTH_FAILED: 'Wrong password, or the session token is unknown, revoked or belongs to another name.',
  AUTH_THROTTLED: 'Too many wrong passwords for this name from your address, or from your address for any name; wait before trying again (the message says how long). Other addresses are not affected.',
  AUTH_BUSY: 'Too many password checks in flight (on this connection, from your address, or on the whole server); nothing was checked: try again (the message says when).',
  REGISTRATION_THROTTLED: 'Too many registrations from your address; try again later (the message says when).',
  PASSWORD_INVALID: 'The password is shorter or longer than allowed (8–1024 bytes of UTF-8).',
  NAME_REGISTERED: 'The name is already registered.',
  NOT_REGISTERED: 'The request needs a registered name (send `register` first).',
  SEARCH_INVALID: 'The search query has no word to look for, more than 16 different words, a prefix shorter than 3 letters or digits before its `*`, or a malformed filter.',
  SEARCH_TIMEOUT: 'The search took longer than the time limit (search.timeoutMs) and was stopped; use longer or more specific words, from: or in:.',
  SEARCH_BUSY: 'Too many searches are waiting (search.maxQueue); try again shortly.',
  UNAUTHORIZED: 'HTTP API: the request lacks the right `Authorization: Bearer` token (401).',
  NO_SUCH_CONNECTION: 'Admin API: no connection with this id on this server (404).',
  BODY_TOO_LARGE: 'HTTP API: the request body is larger than http.maxBodyBytes (413).',
  METHOD_NOT_ALLOWED: 'HTTP API: the route exists but not for this method (405).',
  BAD_URL: 'HTTP: the request target is not a path (or absolute http URL) with valid %-escapes (400).',
  BAD_HTTP: 'HTTP: the request is not valid HTTP/1.1: malformed request line or headers (400), headers over 16 KiB (431), or not received within http.headersTimeoutMs / http.requestTimeoutMs (408).',
  HOST_NOT_ALLOWED: 'HTTP: the Host header names a host this server does not answer to; see http.allowedHosts (421).',
  TOO_MANY_CONNECTIONS: 'HTTP: too many concurrent connections from your address (limits.perIp) (429).',
  NOT_FOUND: 'HTTP: no route or file at this path (404).',
  NOT_ROOM_OPERATOR: 'Only an operator of the room (its creator, or a member an operator promoted) may do this.',
  USER_NOT_IN_ROOM: 'The named user is not a member of this room.',
  ALREADY_IN_ROOM: 'The named user is already a member of this room.',
  PRESENCE_UNAVAILABLE: 'Cluster mode: the presence service (Redis) is unreachable, so no name can be claimed now; logins and renames work again when it is back.',
  STORE_UNAVAILABLE: 'The database is unreachable or did not answer in time: the message was NOT stored; send it again (the same request id is never stored twice).',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(s: string): s is ErrorCode {
  return Object.hasOwn(ERROR_CODES, s);
}
