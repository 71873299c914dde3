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
    case 'OFFLINE': case 'DISCONNECTED': return 'Not connected; try again when the connection is back.';
    default: return err.message;
  }
}
