import { useEffect, useState } from 'preact/hooks';
import { RequestError } from '../../client/client.ts';
import { checkUserName, describeNameProblem, LIMITS } from '../../protocol/index.ts';
import type { ChatStore } from '../state/store.ts';
import { forgetSession, LAST_NAME_KEY, read, readAccount, SESSION_KEY, write, writeAccount } from '../lib/session.ts';
import { Logo } from './icons.tsx';

const RESUME_RETRIES = 5;
const RESUME_RETRY_MS = 500;

export function Login({ store }: { store: ChatStore }) {
  const [name, setName] = useState(() => read(() => localStorage, LAST_NAME_KEY));
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const join = async (n: string, auth: { password?: string; token?: string }, resumed: boolean, attempt = 0): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      await store.login(n, auth);
      write(() => localStorage, LAST_NAME_KEY, store.me);
      write(() => sessionStorage, SESSION_KEY, store.me);
      // A password login of a registered name returns a session token: stay signed in across reloads.
      const token = store.client?.token;
      if (token) writeAccount({ name: store.me, token });
      else if (!store.registered) writeAccount(undefined);
    } catch (err) {
      const code = (err as Error).cause instanceof RequestError ? ((err as Error).cause as RequestError).code : '';
      // After a reload the server may not have seen the old page's connection close yet.
      if (resumed && attempt < RESUME_RETRIES && code === 'NAME_TAKEN') {
        setTimeout(() => void join(n, auth, true, attempt + 1), RESUME_RETRY_MS);
        return;
      }
      if (resumed) forgetSession();
      if (auth.token) writeAccount(undefined);
      setError(auth.token && code === 'AUTH_FAILED'
        ? `Your session as ${n} has ended. Enter the password to sign in again.`
        : `${resumed && code !== 'AUTH_REQUIRED' ? `Could not rejoin as ${n}: ` : ''}${(err as Error).message}`);
      setBusy(false);
    }
  };

  // A reload signs in again: with the stored session token of a registered name, or (a
  // guest) with the name this tab used.
  useEffect(() => {
    const account = readAccount();
    const resume = read(() => sessionStorage, SESSION_KEY);
    if (account && !checkUserName(account.name)) {
      setName(account.name);
      void join(account.name, { token: account.token }, true);
    } else if (resume && !checkUserName(resume)) {
      setName(resume);
      void join(resume, {}, true);
    }
  }, []);

  const submit = (e: Event): void => {
    e.preventDefault();
    const n = name.trim();
    const problem = checkUserName(n);
    if (problem) {
      setError(`That name won't work: ${describeNameProblem(problem)}.`);
      return;
    }
    void join(n, password ? { password } : {}, false);
  };

  return (
    <main class="login">
      <form class="login-card" onSubmit={submit} aria-labelledby="login-title" noValidate>
        <Logo size={48} />
        <h1 id="login-title">Welcome to Banter</h1>
        <p class="muted">Pick a name to join the conversation. Registered names sign in with their password.</p>
        <label for="login-name">Name</label>
        <input
          id="login-name" name="name" value={name} autoFocus autoComplete="nickname" spellcheck={false}
          maxLength={LIMITS.nameMaxLength} aria-invalid={error ? true : undefined} aria-describedby={error ? 'login-error' : undefined}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <label for="login-password">Password <span class="muted small">(only for a registered name)</span></label>
        <input
          id="login-password" name="password" type="password" value={password} autoComplete="current-password"
          aria-label="Password" onInput={(e) => setPassword(e.currentTarget.value)}
        />
        {error && <p id="login-error" class="form-error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Joining…' : 'Join'}</button>
      </form>
    </main>
  );
}
