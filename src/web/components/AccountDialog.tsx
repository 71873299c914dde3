import { useState } from 'preact/hooks';
import { describeError } from '../lib/errors.ts';
import { writeAccount } from '../lib/session.ts';
import type { ChatStore } from '../state/store.ts';
import { Dialog } from './Dialog.tsx';

/**
 * The account menu: a guest registers the current name with a password (and stays signed in
 * across reloads); a registered user changes the password (which signs out every other
 * session) or signs out everywhere.
 */
export function AccountDialog({ store, onClose }: { store: ChatStore; onClose: () => void }) {
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [old, setOld] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const c = store.client;
  // Chosen when the dialog opens, so that a successful registration stays on screen.
  const [registered] = useState(store.registered);

  const run = async (e: Event, action: () => Promise<string>): Promise<void> => {
    e.preventDefault();
    setError('');
    setDone('');
    if (pw !== pw2) {
      setError('The two passwords differ.');
      return;
    }
    setBusy(true);
    try {
      setDone(await action());
      setPw('');
      setPw2('');
      setOld('');
      if (c?.token) writeAccount({ name: store.me, token: c.token });
    } catch (err) {
      setError(describeError(err, store.me));
    } finally {
      setBusy(false);
    }
  };

  const register = (): Promise<string> => c!.register(pw).then((r) => {
    store.registered = true;
    store.admin = r.admin === true;
    store.changed();
    return `${store.me} is now registered. Only you can use this name, and this browser stays signed in.`;
  });
  const change = (): Promise<string> => c!.changePassword(old, pw).then((r) => `Password changed. ${r.revoked > 1 ? 'Your other sessions were signed out.' : ''}`.trim());

  const fields = (
    <>
      <label for="acct-pw">{registered ? 'New password' : 'Password'}</label>
      <input id="acct-pw" type="password" autoComplete="new-password" value={pw} minLength={8} required onInput={(e) => setPw(e.currentTarget.value)} />
      <label for="acct-pw2">Repeat password</label>
      <input id="acct-pw2" type="password" autoComplete="new-password" value={pw2} required onInput={(e) => setPw2(e.currentTarget.value)} />
    </>
  );
  return (
    <Dialog id="account" title="Account" onClose={onClose}>
      {registered
        ? (
          <form class="dm-form" onSubmit={(e) => void run(e, change)}>
            <p class="muted"><strong>{store.me}</strong> is a registered name. Changing the password signs out your other sessions.</p>
            <label for="acct-old">Current password</label>
            <input id="acct-old" type="password" autoComplete="current-password" value={old} required onInput={(e) => setOld(e.currentTarget.value)} />
            {fields}
            {error && <p class="form-error" role="alert">{error}</p>}
            {done && <p class="form-ok" role="status">{done}</p>}
            <div class="dialog-actions">
              <button type="button" onClick={onClose}>Close</button>
              <button type="submit" class="primary" disabled={busy}>Change password</button>
            </div>
          </form>
        )
        : done
          ? (
            <div class="dm-form">
              <p class="form-ok" role="status">{done}</p>
              <div class="dialog-actions"><button type="button" class="primary" onClick={onClose}>Done</button></div>
            </div>
          )
          : (
            <form class="dm-form" onSubmit={(e) => void run(e, register)}>
              <p class="muted">You are a guest: when you leave, anyone may take <strong>{store.me}</strong>. Register it with a password (8 characters or more) to keep it, to read your direct messages from anywhere and to get messages sent while you are away.</p>
              {fields}
              {error && <p class="form-error" role="alert">{error}</p>}
              <div class="dialog-actions">
                <button type="button" onClick={onClose}>Close</button>
                <button type="submit" class="primary" disabled={busy}>Register</button>
              </div>
            </form>
          )}
    </Dialog>
  );
}
