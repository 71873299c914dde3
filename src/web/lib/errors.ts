/** Readable messages for the error codes a person can cause (docs/errors.md); others keep the server's text. */
import { RequestError } from '../../client/client.ts';

export function describeError(err: unknown, name = ''): string {
  if (!(err instanceof RequestError)) return err instanceof Error ? err.message : String(err);
  switch (err.code) {
    case 'AUTH_REQUIRED': return `“${name || 'This name'}” is registered. Enter its password to sign in, or pick another name.`;
    case 'AUTH_FAILED': return 'Wrong password (or the name is not registered: leave Password empty to join as a guest).';
    case 'AUTH_THROTTLED': {
      const wait = /in (\d+) s/.exec(err.message)?.[1];
      return `Too many wrong passwords. Try again ${wait ? `in ${wait} seconds` : 'later'}.`;
    }
    case 'PASSWORD_INVALID': return 'The password must be 8 to 1024 bytes long.';
    case 'NAME_REGISTERED': return 'This name is already registered.';
    case 'NOT_REGISTERED': return 'Only registered names can do that: register your name in the account menu first.';
    case 'SEARCH_INVALID': return `Cannot search for that: ${err.message}`;
    case 'ROOM_INVITE_ONLY': return 'This room is invite-only: ask one of its operators to invite you.';
    case 'ROOM_KEY_REQUIRED': return 'This room needs a key (password) to join, and that one was not it.';
    case 'ROOM_FULL': return 'This room is full (it has a member limit).';
    case 'BANNED_FROM_ROOM': return 'You are banned from this room.';
    case 'ROOM_MODERATED': return 'This room is moderated: only members with voice and operators can write.';
    case 'MUTED': return 'You are muted in this room: you can read but not write.';
    case 'SLOW_MODE': return `Slow mode: ${err.message.replace(/^.*: /, '')} before writing again.`;
    case 'NOT_ROOM_OPERATOR': return 'Only operators of this room can do that.';
    case 'RANK_TOO_LOW': return `Not allowed: ${err.message}.`;
    case 'MODE_INVALID': return `That setting is not valid: ${err.message}.`;
    case 'LIST_FULL': return 'That list is full.';
    case 'NOT_ADMIN': return 'Only server administrators can do that.';
    case 'SERVER_BANNED': return 'You are banned from this server.';
    case 'OFFLINE': case 'DISCONNECTED': return 'Not connected; try again when the connection is back.';
    default: return err.message;
  }
}
