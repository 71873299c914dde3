/**
 * Slash commands about my name and account: /nick, /register, /password, /logout. Passwords
 * are asked without echo in a terminal; in pipe mode they are given as arguments.
 */
import { RequestError } from '../client/client.ts';
import { firstWord, usageError, type TuiCommand } from './command-kit.ts';
import type { ChatSession } from './session.ts';

/** Asks for a password (TTY); undefined when cancelled or not in a terminal. */
async function askPassword(s: ChatSession, question: string): Promise<string | undefined> {
  return s.output.ask?.(question, true);
}

/** Asks twice; undefined (after saying why) when cancelled or the two differ. */
async function askNewPassword(s: ChatSession, question: string): Promise<string | undefined> {
  const first = await askPassword(s, question);
  if (!first) return cancelled(s);
  const again = await askPassword(s, 'Again, to be sure: ');
  if (again === undefined) return cancelled(s);
  if (again !== first) {
    s.show({ type: 'error', code: 'PASSWORD_MISMATCH', message: 'the two passwords differ; nothing changed' });
    return undefined;
  }
  return first;
}

function cancelled(s: ChatSession): undefined {
  s.show({ type: 'info', text: 'cancelled' });
  return undefined;
}

/** Saves the session token for the next start and says where (never the token itself). */
function keepToken(s: ChatSession, token: string): string {
  if (!s.tokens) return 'the session token is not saved';
  const err = s.tokens.save(s.server, s.me, token);
  return err ? `could not save the session token: ${err}` : `this computer stays signed in (token saved in ${s.tokens.path})`;
}

export const ACCOUNT_COMMANDS: readonly TuiCommand[] = [
  {
    name: 'nick', aliases: ['name'], usage: 'NEWNAME', help: 'change your name (everyone sees it)',
    async run(s, args) {
      if (!args || /\s/.test(args)) return usageError(s, 'nick');
      // The user_renamed event that everyone receives is the confirmation.
      await s.request('nick', { name: args });
    },
  },
  {
    name: 'register', aliases: [], usage: '[PASSWORD]',
    help: 'make your name an account only you can use',
    async run(s, args) {
      let password: string | undefined = args || undefined;
      if (password === undefined) {
        if (!s.output.ask) return s.show({ type: 'error', code: 'USAGE', message: 'usage: /register PASSWORD (in pipe mode the password is the argument)' });
        password = await askNewPassword(s, `Password for ${s.me} (8 or more characters): `);
        if (password === undefined) return;
      }
      try {
        const r = await s.client.register(password);
        s.registered = true;
        s.show({ type: 'info', text: `registered ${r.name}; ${keepToken(s, r.token)}` });
      } catch (err) {
        s.showError(err);
      }
    },
  },
  {
    name: 'password', aliases: ['passwd'], usage: '[OLD NEW]', help: 'change your password (signs out your other sessions)',
    async run(s, args) {
      let old: string | undefined;
      let neu: string | undefined;
      if (args) {
        [old, neu] = firstWord(args);
        if (!neu || /\s/.test(neu)) return usageError(s, 'password');
      } else {
        if (!s.output.ask) return s.show({ type: 'error', code: 'USAGE', message: 'usage: /password OLD NEW (in pipe mode; neither may contain spaces)' });
        old = await askPassword(s, 'Current password: ');
        if (!old) return cancelled(s);
        neu = await askNewPassword(s, 'New password: ');
        if (neu === undefined) return;
      }
      try {
        const r = await s.client.changePassword(old, neu);
        s.show({ type: 'info', text: `password changed; ${r.revoked} session${r.revoked === 1 ? '' : 's'} signed out; ${keepToken(s, r.token)}` });
      } catch (err) {
        s.showError(err);
      }
    },
  },
  {
    name: 'logout', aliases: ['signout'], usage: '[all]', help: 'sign this computer out of the account (all: every session)',
    async run(s, args) {
      if (args && args !== 'all') return usageError(s, 'logout');
      try {
        const r = await s.client.logout(args === 'all');
        const removed = s.tokens?.remove(s.server, s.me) ? ` and removed from ${s.tokens!.path}` : '';
        s.show({ type: 'info', text: `signed out: ${r.revoked} session token${r.revoked === 1 ? '' : 's'} revoked${removed}; the next start needs the password` });
      } catch (err) {
        if (err instanceof RequestError && err.code === 'NOT_REGISTERED') s.show({ type: 'error', code: err.code, message: 'you are not signed in to an account (a guest name); /register makes it one' });
        else s.showError(err);
      }
    },
  },
];
