/**
 * Password hashing with scrypt (memory-hard; node:crypto, no native addon). The hash string
 * carries its parameters, so raising them later only affects new hashes:
 *
 *   scrypt$<log2 N>$<r>$<p>$<salt, base64>$<key, base64>
 *
 * Default parameters are OWASP's current minimum for scrypt: N = 2^17, r = 8, p = 1 (128 MiB
 * of memory and roughly a quarter to half a second of one core per hash). `crypto.scrypt`
 * runs on libuv's thread pool, so hashing never blocks the event loop; `HashQueue` caps
 * how many run at once (memory: 128 MiB each).
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}

export const OWASP_SCRYPT: ScryptParams = { log2N: 17, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, prm: ScryptParams): Promise<Buffer> {
  const N = 2 ** prm.log2N;
  // scrypt needs 128 * N * r bytes; allow twice that so Node's own bookkeeping fits.
  const maxmem = 256 * N * prm.r;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { N, r: prm.r, p: prm.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, prm: ScryptParams): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, prm);
  return `scrypt$${prm.log2N}$${prm.r}$${prm.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Constant-time comparison against a stored hash; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [log2N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![log2N, r, p].every((n) => Number.isInteger(n) && n > 0) || log2N > 24) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  const key = await derive(password, salt, { log2N, r, p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Length rule, checked before any hashing: 8–1024 bytes of UTF-8. */
export function passwordLengthOk(password: string, minBytes: number, maxBytes: number): boolean {
  const n = Buffer.byteLength(password, 'utf8');
  return n >= minBytes && n <= maxBytes;
}

/** A fresh session token (256 random bits) and the hash under which it is stored. */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: tokenHash(token) };
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
