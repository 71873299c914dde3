// AUTHENTICATE PLAIN | AUTHENTICATE <base64 chunk> | AUTHENTICATE + | AUTHENTICATE *
/**
 * SASL PLAIN (IRCv3 SASL 3.1/3.2), before registration. The client names the mechanism,
 * the server answers `AUTHENTICATE +`, the client sends base64(authzid NUL authcid NUL
 * password) in chunks of at most 400 bytes (a chunk of exactly 400 means more follows; `+`
 * ends an exchange whose last chunk was 400 bytes). The password is checked and answered with 900+903
 * or 904 (through the core's `authenticate` command); registration then logs in to that
 * account with a one-use session token.
 */
import { checkUserName, foldName, LIMITS } from '../../../protocol/index.ts';
import { ChatError } from '../../../core/errors.ts';
import { SASL_MECHS } from '../caps.ts';
import type { IrcConnection } from '../connection.ts';
import { USER_HOST } from '../isupport.ts';
import { N } from '../numerics.ts';
import { defineVerb } from './verb.ts';

/** Bytes of one AUTHENTICATE chunk (the spec's 400). */
export const SASL_CHUNK_BYTES = 400;
/**
 * Base64 bytes of one whole exchange: PLAIN with two 32-character names and a 1024-byte
 * password needs at most 1,456; anything longer cannot be a valid login.
 */
export const SASL_MAX_BYTES = 1600;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export const authenticate = defineVerb({
  name: 'AUTHENTICATE',
  minParams: 1,
  beforeRegistration: true,
  async run(c, msg) {
    const arg = msg.params[0]!;
    if (c.saslAccount || (c.registered && c.core.dir.user(c.nick!)?.account !== undefined)) {
      return c.numeric(N.ERR_SASLALREADY, ['You have already authenticated using SASL']);
    }
    // No re-authentication after registration: the nick is the account, chosen at login.
    if (c.registered) return c.numeric(N.ERR_SASLFAIL, ['SASL authentication failed: only available before registration']);
    if (arg === '*') {
      c.sasl = undefined;
      return c.numeric(N.ERR_SASLABORTED, ['SASL authentication aborted']);
    }
    if (!c.sasl) {
      if (arg.toUpperCase() !== 'PLAIN') {
        c.numeric(N.RPL_SASLMECHS, [SASL_MECHS, 'are available SASL mechanisms']);
        return c.numeric(N.ERR_SASLFAIL, ['SASL authentication failed']);
      }
      c.sasl = { chunks: '' };
      c.sendLine({ command: 'AUTHENTICATE', params: ['+'] });
      return;
    }
    if (arg.length > SASL_CHUNK_BYTES || c.sasl.chunks.length + arg.length > SASL_MAX_BYTES) {
      c.sasl = undefined;
      return c.numeric(N.ERR_SASLTOOLONG, ['SASL message too long']);
    }
    if (arg !== '+') c.sasl.chunks += arg;
    if (arg.length === SASL_CHUNK_BYTES) return; // more follows
    const payload = c.sasl.chunks;
    c.sasl = undefined;
    await plain(c, payload);
  },
});

async function plain(c: IrcConnection, payload: string): Promise<void> {
  const failed = (why?: string): void => c.numeric(N.ERR_SASLFAIL, [why ? `SASL authentication failed: ${why}` : 'SASL authentication failed']);
  const creds = decodePlain(payload);
  if (!creds) {
    // A malformed exchange costs the connection's request budget like any bad request.
    c.core.chargeInvalid(c.id);
    return failed();
  }
  // The core's `authenticate` command: the same flood control, hash slots, throttle and
  // metrics as a web login.
  let r: { name: string; token: string };
  try {
    r = await c.execute('authenticate', { name: creds.authcid, password: creds.password });
  } catch (err) {
    if (err instanceof ChatError && err.code === 'AUTH_FAILED') return failed();
    if (err instanceof ChatError && err.code !== 'INTERNAL') return failed(err.message);
    throw err;
  }
  c.saslAccount = r;
  c.numeric(N.RPL_LOGGEDIN, [`${c.nick ?? '*'}!~${c.username ?? '*'}@${USER_HOST}`, r.name, `You are now logged in as ${r.name}`]);
  c.numeric(N.RPL_SASLSUCCESS, ['SASL authentication successful']);
}

/**
 * `authzid NUL authcid NUL password`, base64; undefined when malformed. The authorization
 * identity may be empty or must name the same account: nobody logs in as someone else.
 */
export function decodePlain(b64: string): { authcid: string; password: string } | undefined {
  if (b64 === '' || !BASE64.test(b64)) return undefined;
  let text: string;
  try {
    text = utf8.decode(Buffer.from(b64, 'base64'));
  } catch {
    return undefined;
  }
  const parts = text.split('\0');
  if (parts.length !== 3) return undefined;
  const [authzid, authcid, password] = parts as [string, string, string];
  if (checkUserName(authcid) || password === '' || Buffer.byteLength(password) > LIMITS.passwordMaxBytes) return undefined;
  if (authzid !== '' && foldName(authzid) !== foldName(authcid)) return undefined;
  return { authcid, password };
}
