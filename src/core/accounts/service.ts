/**
 * Accounts: registration, password and token login, logout, password change, and the
 * per-account throttle on wrong passwords. Protocol-agnostic; the login/register/logout/
 * change_password commands call it.
 *
 * Throttle (per folded name, kept in this process): the first `freeFailures` wrong
 * passwords cost nothing extra; after that each further failure locks the name for
 * `baseLockMs * 2^(failures - freeFailures)`, at most `maxLockMs`. While locked, attempts
 * are refused with AUTH_THROTTLED before any hashing (so they cost no CPU either), and only
 * one password check per name runs at a time. A correct password clears the count.
 */
import { LIMITS } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import type { AccountRecord, AccountStore, Clock } from '../ports.ts';
import { hashPassword, newToken, passwordLengthOk, tokenHash, verifyPassword, type ScryptParams } from './password.ts';

export interface AccountsConfig {
  scrypt: ScryptParams;
  /** Wrong passwords allowed before the lock starts. */
  freeFailures: number;
  baseLockMs: number;
  maxLockMs: number;
  /** Password hashes computing at once (each takes 128 MiB at the default parameters). */
  maxConcurrentHashes: number;
  /** Hashes waiting for a slot before new ones are refused with RATE_LIMITED. */
  maxQueuedHashes: number;
}

export const DEFAULT_ACCOUNTS_CONFIG: Omit<AccountsConfig, 'scrypt'> = {
  freeFailures: 5, baseLockMs: 1000, maxLockMs: 15 * 60_000, maxConcurrentHashes: 2, maxQueuedHashes: 64,
};

/** Throttle entries kept at most (oldest forgotten first). */
const MAX_THROTTLE_ENTRIES = 100_000;

interface Throttle {
  failures: number;
  lockedUntil: number;
  busy: boolean;
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
  private readonly throttle = new Map<string, Throttle>();
  /** The session token each authenticated connection logged in with (for logout). */
  private readonly tokens = new WeakMap<object, string>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

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

  /** Registers `name`; resolves with a session token. */
  async register(name: string, folded: string, password: string): Promise<string> {
    this.checkLength(password);
    if (await this.store.get(folded)) throw new ChatError('NAME_REGISTERED', `"${name}" is already registered`);
    const hash = await this.slot(() => hashPassword(password, this.cfg.scrypt));
    if (!(await this.store.create({ name, folded, hash, createdAt: this.clock.now() }))) throw new ChatError('NAME_REGISTERED', `"${name}" is already registered`);
    return this.issue(folded);
  }

  /** Checks a password for a registered account (throttled); throws AUTH_FAILED / AUTH_THROTTLED. */
  async checkPassword(acct: AccountRecord, password: string): Promise<void> {
    const now = this.clock.now();
    let t = this.throttle.get(acct.folded);
    if (t && t.lockedUntil > now) throw new ChatError('AUTH_THROTTLED', `too many wrong passwords for "${acct.name}"; try again in ${Math.ceil((t.lockedUntil - now) / 1000)} s`);
    if (t?.busy) throw new ChatError('AUTH_THROTTLED', `a password check for "${acct.name}" is already running; try again shortly`);
    if (!passwordLengthOk(password, 1, LIMITS.passwordMaxBytes)) return this.fail(acct);
    if (!t) {
      t = { failures: 0, lockedUntil: 0, busy: false };
      this.remember(acct.folded, t);
    }
    t.busy = true;
    let ok: boolean;
    try {
      ok = await this.slot(() => verifyPassword(password, acct.hash));
    } finally {
      t.busy = false;
    }
    if (!ok) return this.fail(acct);
    this.throttle.delete(acct.folded);
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

  /** Throws AUTH_FAILED unless `token` is a live session of `folded`. */
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
  async changePassword(acct: AccountRecord, oldPassword: string, newPassword: string): Promise<{ token: string; revoked: number }> {
    this.checkLength(newPassword);
    await this.checkPassword(acct, oldPassword);
    const hash = await this.slot(() => hashPassword(newPassword, this.cfg.scrypt));
    await this.store.setHash(acct.folded, hash);
    const revoked = await this.store.deleteSessions(acct.folded);
    return { token: await this.issue(acct.folded), revoked };
  }

  private fail(acct: AccountRecord): never {
    let t = this.throttle.get(acct.folded);
    if (!t) {
      t = { failures: 0, lockedUntil: 0, busy: false };
      this.remember(acct.folded, t);
    }
    t.failures++;
    const over = t.failures - this.cfg.freeFailures;
    if (over >= 0) t.lockedUntil = this.clock.now() + Math.min(this.cfg.maxLockMs, this.cfg.baseLockMs * 2 ** over);
    throw new ChatError('AUTH_FAILED', 'wrong password');
  }

  private remember(folded: string, t: Throttle): void {
    if (this.throttle.size >= MAX_THROTTLE_ENTRIES) {
      const oldest = this.throttle.keys().next().value;
      if (oldest !== undefined) this.throttle.delete(oldest);
    }
    this.throttle.set(folded, t);
  }

  /** Runs a hash when a slot is free; refuses with RATE_LIMITED when too many are waiting. */
  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.cfg.maxConcurrentHashes) {
      if (this.waiting.length >= this.cfg.maxQueuedHashes) throw new ChatError('RATE_LIMITED', 'too many logins in progress; try again shortly');
      // The finishing hash hands its slot straight to us, so `running` never exceeds the cap.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
