/**
 * Signing in at startup: with the saved session token of the name if there is one, else with
 * the password (from --password-file, BANTER_PASSWORD or a prompt), else as a guest. A
 * password login's new token is saved for the next start.
 */
import { readFileSync, statSync } from 'node:fs';
import { RequestError, type BanterClient } from '../client/client.ts';
import { checkUserName, describeNameProblem, LIMITS, type ReplyData } from '../protocol/index.ts';
import type { TokenStore } from './tokens.ts';

export type AuthCode = 'AUTH_REQUIRED' | 'AUTH_FAILED' | 'AUTH_THROTTLED';

export type LoginResult =
  | { reply: ReplyData['login'] }
  /** The name itself was refused (taken, invalid). */
  | { refused: string }
  /** The name is registered and the credentials were missing or wrong. */
  | { auth: AuthCode; message: string }
  /** Anything else (e.g. the connection dropped during the login). */
  | { failed: string };

export interface SignInContext {
  client: BanterClient;
  server: string;
  tokens: TokenStore | undefined;
  /** Says something to the user (a saved token was refused, a token was saved…). */
  note(text: string): void;
}

function classify(err: unknown): LoginResult {
  if (err instanceof RequestError) {
    if (err.code === 'NAME_TAKEN' || err.code === 'NAME_INVALID' || err.code === 'NAME_CONFUSABLE') return { refused: `${err.message} (${err.code})` };
    if (err.code === 'AUTH_REQUIRED' || err.code === 'AUTH_FAILED' || err.code === 'AUTH_THROTTLED') return { auth: err.code, message: err.message };
    return { failed: `${err.message} (${err.code})` };
  }
  return { failed: String(err) };
}

export async function signIn(ctx: SignInContext, name: string, password: string | undefined): Promise<LoginResult> {
  const problem = checkUserName(name);
  if (problem) return { refused: `invalid name "${name}": ${describeNameProblem(problem)}` };
  const { client, tokens, server } = ctx;
  const saved = tokens?.get(server, name);
  if (saved !== undefined) {
    try {
      return { reply: await client.login(name, { token: saved }) };
    } catch (err) {
      if (!(err instanceof RequestError && err.code === 'AUTH_FAILED')) return classify(err);
      tokens!.remove(server, name);
      ctx.note(`the saved session of "${name}" is no longer valid (signed out elsewhere?); it was forgotten`);
    }
  }
  try {
    const reply = await client.login(name, password !== undefined ? { password } : {});
    if (reply.token !== undefined && tokens) {
      const err = tokens.save(server, reply.name, reply.token);
      ctx.note(err ? `could not save the session token: ${err}` : `signed in as ${reply.name}; the session is saved in ${tokens.path}`);
    }
    return { reply };
  } catch (err) {
    const result = classify(err);
    // A password for a name that is not registered is refused too: sign in as a guest then.
    if (password !== undefined && 'auth' in result && result.auth === 'AUTH_FAILED') {
      try {
        const reply = await client.login(name);
        ctx.note(`"${name}" is not a registered name: the password was not used (/register makes it an account)`);
        return { reply };
      } catch {
        return result;
      }
    }
    return result;
  }
}

/** Largest password file read (a password is at most LIMITS.passwordMaxBytes). */
const PASSWORD_FILE_MAX = 64 * 1024;

/**
 * The password given outside the command line: the first line of --password-file, else
 * BANTER_PASSWORD. Throws an Error with a readable message when the file is unusable.
 */
export function passwordFromOutside(file: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (file !== undefined) {
    let text: string;
    try {
      if (statSync(file).size > PASSWORD_FILE_MAX) throw new Error(`larger than ${PASSWORD_FILE_MAX} bytes`);
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`cannot read --password-file ${file}: ${(err as Error).message}`, { cause: err });
    }
    const first = text.split(/\r?\n/)[0]!;
    if (first === '') throw new Error(`--password-file ${file}: the first line is empty`);
    if (Buffer.byteLength(first) > LIMITS.passwordMaxBytes) throw new Error(`--password-file ${file}: longer than ${LIMITS.passwordMaxBytes} bytes`);
    return first;
  }
  const fromEnv = env.BANTER_PASSWORD;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined;
}
