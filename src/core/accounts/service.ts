/**
 * Accounts: registration, password and token login, logout, password change, and the
 * limits that keep password hashing and guessing from being abused. Protocol-agnostic; the
 * login/register/logout/change_password commands (and IRC SASL) call it with the calling
 * connection (`AuthSource`: its id and remote address).
 *
 * Hashing budget (every scrypt run: register, password login, change_password): at most
 * `hashesPerConnection` per connection and `hashesPerIp` per client address in flight, and
 * at most `maxConcurrentHashes` computing with `maxQueuedHashes` waiting server-wide; beyond
 * any of these the request is refused with AUTH_BUSY ("try again in N s") before any work.
 *
 * Wrong passwords are throttled so that an attacker cannot lock the owner out:
 * - per (name, address): the first `freeFailures` cost nothing extra; after that each further
 *   failure locks that name *for that address only* for `baseLockMs * 2^(failures -
 *   freeFailures)`, at most `maxLockMs`. A correct password from the address clears it.
 *   One check per pair runs at a time (AUTH_BUSY otherwise), so guesses sent together
 *   cannot all slip in before the lock.
 * - per address, over all names (password spraying): the same doubling lock after
 *   `ipFreeFailures` failures.
 * - per name, over all addresses (a distributed attack): once `accountSlowAfter` failures
 *   happened within about an hour (a token bucket refilling that many per hour), every password check for the name waits
 *   `accountSlowMs` before hashing. It slows guessing and never refuses, so the owner's
 *   correct password still gets in; token logins never pass through any of this.
 * Locked attempts are refused with AUTH_THROTTLED before any hashing. An address's failure
 * record is forgotten an hour after its last failure (once no lock is running). Addresses
 * are keyed by IPv4 address or IPv6 /64 (see ../ip.ts); with `exemptLoopback`, loopback
 * clients (a reverse proxy on the host) skip the per-address limits (hash slots, address
 * lock, registrations); the per-connection, (name, address) and per-name ones still apply.
 *
 * Registrations: a token bucket per address (`registerBurst` at once, then
 * `registerPerHour`), charged only when a registration is about to be hashed; beyond it
 * REGISTRATION_THROTTLED ("try again in N s").
 *
 * Every map here is bounded (MAX_THROTTLE_ENTRIES, least recently used forgotten first) and
 * in-flight counters are deleted when they drop to zero.
 */
import { LIMITS } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { ipKey, isLoopback, remoteIp } from '../ip.ts';
import type { AccountRecord, AccountStore, Clock } from '../ports.ts';
import { TokenBucket } from '../rate-limit.ts';
import type { Session } from '../session.ts';
import { hashPassword, newToken, passwordLengthOk, tokenHash, verifyPassword, type ScryptParams } from './password.ts';

/** Who is asking: the calling connection (a Session satisfies this). */
export type AuthSource = Pick<Session, 'id' | 'remote'>;

export interface AccountsConfig {
  scrypt: ScryptParams;
  /** Wrong passwords for one name from one address before that pair is locked. */
  freeFailures: number;
  /** Wrong passwords from one address (over all names) before the address is locked. */
  ipFreeFailures: number;
  baseLockMs: number;
  maxLockMs: number;
  /** Wrong passwords for one name (from all addresses) per hour before its checks are slowed. */
  accountSlowAfter: number;
  /** Delay before each password check of a slowed name. */
  accountSlowMs: number;
  /** Password hashes computing at once (each takes 128 MiB at the default parameters). */
  maxConcurrentHashes: number;
  /** Hashes waiting for a slot before new ones are refused with AUTH_BUSY. */
  maxQueuedHashes: number;
  /** Hashes (running or waiting) one connection may have. */
  hashesPerConnection: number;
  /** Hashes (running or waiting) one client address may have. */
  hashesPerIp: number;
  /** Registrations one address may make at once, then `registerPerHour`. */
  registerBurst: number;
  registerPerHour: number;
  /** Loopback clients skip the per-address limits (limits.exemptLoopback). */
  exemptLoopback: boolean;
}

export const DEFAULT_ACCOUNTS_CONFIG: Omit<AccountsConfig, 'scrypt'> = {
  freeFailures: 5, ipFreeFailures: 20, baseLockMs: 1000, maxLockMs: 15 * 60_000,
  accountSlowAfter: 100, accountSlowMs: 2000,
  maxConcurrentHashes: 2, maxQueuedHashes: 64, hashesPerConnection: 1, hashesPerIp: 4,
  registerBurst: 3, registerPerHour: 5, exemptLoopback: true,
};

/** Entries kept at most in each throttle map (least recently used forgotten first). */
const MAX_THROTTLE_ENTRIES = 100_000;
/** A failure record is forgotten this long after its last failure (unless still locked). */
const FAILURE_MEMORY_MS = 60 * 60_000;
const HOUR_MS = 60 * 60_000;

interface Failures {
  count: number;
  lockedUntil: number;
  last: number;
}

/** Where a request comes from, as throttle keys. */
interface Origin {
  conn: string;
  ip: string;
  /** False for an exempt loopback address: no per-address limits. */
  limited: boolean;
}

/** Used when no account store is configured: nobody is registered and registering fails. */
export const NO_ACCOUNTS: AccountStore = {
  get: async () => undefined,
  create: async () => false,
  setHash: async () => undefined,
  addSession: async () => undefined,
  sessionUser: async () => undefined,
  deleteSession: async () => false,
  deleteSessions: async () => 0,
  close: async () => undefined,
};

export class Accounts {
  readonly store: AccountStore;
  private readonly clock: Clock;
  private readonly cfg: AccountsConfig;
  /** "folded\0address" -> wrong passwords for that name from that address. */
  private readonly pairFailures = new Map<string, Failures>();
  /** address -> wrong passwords from it for any name. */
  private readonly ipFailures = new Map<string, Failures>();
  /** folded name -> its failures from all addresses (slows, never locks). */
  private readonly nameFailures = new Map<string, TokenBucket>();
  /** address -> registrations. */
  private readonly registrations = new Map<string, TokenBucket>();
  /** (name, address) pairs with a password check running. */
  private readonly pairsChecking = new Set<string>();
  /** Hashes in flight (running, waiting or slowed) per connection id and per address. */
  private readonly connHashes = new Map<string, number>();
  private readonly ipHashes = new Map<string, number>();
  /** The session token each authenticated connection logged in with (for logout). */
  private readonly tokens = new WeakMap<object, string>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Moving average of one hash's wall time, for the "try again in N s" of AUTH_BUSY. */
  private hashMs = 250;

  constructor(store: AccountStore, clock: Clock, cfg: AccountsConfig) {
    this.store = store;
    this.clock = clock;
    this.cfg = cfg;
  }

  get(folded: string): Promise<AccountRecord | undefined> {
    return this.store.get(folded);
  }

  checkLength(password: string): void {
    if (!passwordLengthOk(password, LIMITS.passwordMinBytes, LIMITS.passwordMaxBytes)) {
      throw new ChatError('PASSWORD_INVALID', `a password must be ${LIMITS.passwordMinBytes}–${LIMITS.passwordMaxBytes} bytes long`);
    }
  }

  /** Registers `name` for the connection `src`; resolves with a session token. */
  async register(name: string, folded: string, password: string, src: AuthSource): Promise<string> {
    this.checkLength(password);
    if (await this.store.get(folded)) throw new ChatError('NAME_REGISTERED', `"${name}" is already registered`);
    const from = this.origin(src);
    const hash = await this.hashing(from, () => {
      this.chargeRegistration(from);
      return this.slot(() => hashPassword(password, this.cfg.scrypt));
    });
    if (!(await this.store.create({ name, folded, hash, createdAt: this.clock.now() }))) throw new ChatError('NAME_REGISTERED', `"${name}" is already registered`);
    return this.issue(folded);
  }

  /**
   * Checks a password for a registered account on behalf of `src` (throttled, see the top
   * of this file); throws AUTH_FAILED, AUTH_THROTTLED or AUTH_BUSY.
   */
  async checkPassword(acct: AccountRecord, password: string, src: AuthSource): Promise<void> {
    const from = this.origin(src);
    const now = this.clock.now();
    const pairKey = `${acct.folded}\0${from.ip}`;
    const pair = this.live(this.pairFailures, pairKey, now);
    if (pair && pair.lockedUntil > now) throw new ChatError('AUTH_THROTTLED', `too many wrong passwords for "${acct.name}"; try again in ${Math.ceil((pair.lockedUntil - now) / 1000)} s`);
    const ip = from.limited ? this.live(this.ipFailures, from.ip, now) : undefined;
    if (ip && ip.lockedUntil > now) throw new ChatError('AUTH_THROTTLED', `too many wrong passwords from your address; try again in ${Math.ceil((ip.lockedUntil - now) / 1000)} s`);
    if (!passwordLengthOk(password, 1, LIMITS.passwordMaxBytes)) return this.fail(acct, from, pairKey);
    // One check per (name, address) at a time, so that the lock is always looked at after the
    // previous guess's outcome (without it, guesses sent together would all get through).
    if (this.pairsChecking.has(pairKey)) throw this.busy(`a password check for "${acct.name}" from your address is already running`);
    this.pairsChecking.add(pairKey);
    let ok: boolean;
    try {
      ok = await this.hashing(from, async () => {
        if ((this.nameFailures.get(acct.folded)?.waitMs(this.clock.now()) ?? 0) > 0) {
          await new Promise((resolve) => setTimeout(resolve, this.cfg.accountSlowMs));
        }
        return this.slot(() => verifyPassword(password, acct.hash));
      });
    } finally {
      this.pairsChecking.delete(pairKey);
    }
    if (!ok) return this.fail(acct, from, pairKey);
    this.pairFailures.delete(pairKey);
  }

  /** A new session token for the account (its SHA-256 is what gets stored). */
  async issue(folded: string): Promise<string> {
    const { token, hash } = newToken();
    await this.store.addSession(hash, folded, this.clock.now());
    return token;
  }

  /** Remembers which token a connection (its Session object) is authenticated with. */
  bindToken(session: object, token: string | undefined): void {
    if (token === undefined) this.tokens.delete(session);
    else this.tokens.set(session, token);
  }

  tokenOf(session: object): string | undefined {
    return this.tokens.get(session);
  }

  /** Throws AUTH_FAILED unless `token` is a live session of `folded`. No throttle applies: a valid token always works. */
  async checkToken(folded: string, token: string): Promise<void> {
    if ((await this.store.sessionUser(tokenHash(token))) !== folded) throw new ChatError('AUTH_FAILED', 'the session token is not valid for this name; log in with the password');
  }

  revokeToken(token: string): Promise<boolean> {
    return this.store.deleteSession(tokenHash(token));
  }

  revokeAll(folded: string): Promise<number> {
    return this.store.deleteSessions(folded);
  }

  /** Changes the password (old one checked, throttled), revokes every session, returns a new token. */
  async changePassword(acct: AccountRecord, oldPassword: string, newPassword: string, src: AuthSource): Promise<{ token: string; revoked: number }> {
    this.checkLength(newPassword);
    await this.checkPassword(acct, oldPassword, src);
    const hash = await this.hashing(this.origin(src), () => this.slot(() => hashPassword(newPassword, this.cfg.scrypt)));
    await this.store.setHash(acct.folded, hash);
    const revoked = await this.store.deleteSessions(acct.folded);
    return { token: await this.issue(acct.folded), revoked };
  }

  private origin(src: AuthSource): Origin {
    const addr = remoteIp(src.remote);
    return { conn: src.id, ip: ipKey(addr), limited: !(this.cfg.exemptLoopback && isLoopback(addr)) };
  }

  /** Records a wrong password against the (name, address) pair, the address and the name. */
  private fail(acct: AccountRecord, from: Origin, pairKey: string): never {
    const now = this.clock.now();
    this.count(this.pairFailures, pairKey, this.cfg.freeFailures, now);
    if (from.limited) this.count(this.ipFailures, from.ip, this.cfg.ipFreeFailures, now);
    let name = this.nameFailures.get(acct.folded);
    if (!name) name = remember(this.nameFailures, acct.folded, new TokenBucket({ burst: this.cfg.accountSlowAfter, ratePerSec: this.cfg.accountSlowAfter / 3600 }, now));
    // Debt beyond an hour's worth is not taken, so an attack's slowdown ends within about an hour of it.
    name.reserve(now, HOUR_MS);
    throw new ChatError('AUTH_FAILED', 'wrong password');
  }

  private count(map: Map<string, Failures>, key: string, free: number, now: number): void {
    const f = this.live(map, key, now) ?? { count: 0, lockedUntil: 0, last: now };
    f.count++;
    f.last = now;
    const over = f.count - free;
    if (over >= 0) f.lockedUntil = now + Math.min(this.cfg.maxLockMs, this.cfg.baseLockMs * 2 ** Math.min(over, 40));
    remember(map, key, f);
  }

  /** The failure record under `key`, unless it is old enough to be forgotten. */
  private live(map: Map<string, Failures>, key: string, now: number): Failures | undefined {
    const f = map.get(key);
    if (f && now - f.last > FAILURE_MEMORY_MS && f.lockedUntil <= now) {
      map.delete(key);
      return undefined;
    }
    return f;
  }

  private chargeRegistration(from: Origin): void {
    if (!from.limited) return;
    const now = this.clock.now();
    let bucket = this.registrations.get(from.ip);
    if (!bucket) bucket = remember(this.registrations, from.ip, new TokenBucket({ burst: this.cfg.registerBurst, ratePerSec: this.cfg.registerPerHour / 3600 }, now));
    if (bucket.reserve(now, 0) < 0) {
      throw new ChatError('REGISTRATION_THROTTLED', `too many registrations from your address; try again in ${Math.ceil(bucket.waitMs(now) / 1000)} s`);
    }
  }

  /**
   * Runs `fn` (which hashes) within the connection's, the address's and the server's hash
   * budget; refuses with AUTH_BUSY before doing anything when one is used up.
   */
  private async hashing<T>(from: Origin, fn: () => Promise<T>): Promise<T> {
    const conn = this.connHashes.get(from.conn) ?? 0;
    if (conn >= this.cfg.hashesPerConnection) throw this.busy('a password check for this connection is already running');
    const ip = from.limited ? this.ipHashes.get(from.ip) ?? 0 : 0;
    if (from.limited && ip >= this.cfg.hashesPerIp) throw this.busy('too many password checks from your address are running');
    if (this.running >= this.cfg.maxConcurrentHashes && this.waiting.length >= this.cfg.maxQueuedHashes) throw this.busy('too many logins in progress');
    this.connHashes.set(from.conn, conn + 1);
    if (from.limited) this.ipHashes.set(from.ip, ip + 1);
    try {
      return await fn();
    } finally {
      decrement(this.connHashes, from.conn);
      if (from.limited) decrement(this.ipHashes, from.ip);
    }
  }

  private busy(why: string): ChatError {
    const ahead = (this.running + this.waiting.length) / this.cfg.maxConcurrentHashes;
    return new ChatError('AUTH_BUSY', `${why}; try again in ${Math.max(1, Math.ceil((ahead * this.hashMs) / 1000))} s`);
  }

  /** Runs a hash when a slot is free; refuses with AUTH_BUSY when too many are waiting. */
  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.cfg.maxConcurrentHashes) {
      if (this.waiting.length >= this.cfg.maxQueuedHashes) throw this.busy('too many logins in progress');
      // The finishing hash hands its slot straight to us, so `running` never exceeds the cap.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    const started = performance.now();
    try {
      return await fn();
    } finally {
      this.hashMs = 0.8 * this.hashMs + 0.2 * (performance.now() - started);
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** Sets `key` as the most recently used entry, forgetting the least recently used one when full. */
function remember<V>(map: Map<string, V>, key: string, value: V): V {
  map.delete(key);
  if (map.size >= MAX_THROTTLE_ENTRIES) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
  return value;
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 1) - 1;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}
