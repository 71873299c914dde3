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
