/** Remembered names: the last one used (localStorage) and this tab's signed-in name (sessionStorage). */

export const LAST_NAME_KEY = 'banter.name';
/** Set while this tab is signed in, so that a reload joins again with the same name. */
export const SESSION_KEY = 'banter.session';

export function read(storage: () => Storage, key: string): string {
  try {
    return storage().getItem(key) ?? '';
  } catch {
    return '';
  }
}

export function write(storage: () => Storage, key: string, value: string | undefined): void {
  try {
    if (value === undefined) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // Storage may be disabled; remembering the name is only a convenience.
  }
}

/** Signs out of this tab: the next load shows the entry screen. */
export function forgetSession(): void {
  write(() => sessionStorage, SESSION_KEY, undefined);
}

/** A registered name's session token ({"name","token"} in localStorage): a reload signs in with it. */
export const TOKEN_KEY = 'banter.account';

export function readAccount(): { name: string; token: string } | undefined {
  try {
    const v = JSON.parse(read(() => localStorage, TOKEN_KEY) || 'null') as { name?: unknown; token?: unknown } | null;
    return v && typeof v.name === 'string' && typeof v.token === 'string' ? { name: v.name, token: v.token } : undefined;
  } catch {
    return undefined;
  }
}

export function writeAccount(account: { name: string; token: string } | undefined): void {
  write(() => localStorage, TOKEN_KEY, account ? JSON.stringify(account) : undefined);
}
