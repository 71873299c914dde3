import { useEffect, useState } from 'preact/hooks';
import { RequestError } from '../../client/client.ts';
import { checkUserName, describeNameProblem, LIMITS } from '../../protocol/index.ts';
import type { ChatStore } from '../state/store.ts';
import { forgetSession, LAST_NAME_KEY, read, SESSION_KEY, write } from '../lib/session.ts';
import { Logo } from './icons.tsx';

const RESUME_RETRIES = 5;
const RESUME_RETRY_MS = 500;

export function Login({ store }: { store: ChatStore }) {
  const [name, setName] = useState(() => read(() => localStorage, LAST_NAME_KEY));
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const join = async (n: string, resumed: boolean, attempt = 0): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      await store.login(n);
      write(() => localStorage, LAST_NAME_KEY, n);
      write(() => sessionStorage, SESSION_KEY, n);
    } catch (err) {
      // After a reload the server may not have seen the old page's connection close yet.
      if (resumed && attempt < RESUME_RETRIES && (err as Error).cause instanceof RequestError && ((err as Error).cause as RequestError).code === 'NAME_TAKEN') {
        setTimeout(() => void join(n, true, attempt + 1), RESUME_RETRY_MS);
        return;
      }
      if (resumed) forgetSession();
      setError(`${resumed ? `Could not rejoin as ${n}: ` : ''}${(err as Error).message}`);
      setBusy(false);
    }
  };

  // A reload of a signed-in tab joins again with the same name.
  useEffect(() => {
    const resume = read(() => sessionStorage, SESSION_KEY);
    if (resume && !checkUserName(resume)) {
      setName(resume);
      void join(resume, true);
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
    void join(n, false);
  };

  return (
    <main class="login">
      <form class="login-card" onSubmit={submit} aria-labelledby="login-title" noValidate>
        <Logo size={48} />
        <h1 id="login-title">Welcome to Banter</h1>
        <p class="muted">Pick a name to join the conversation.</p>
        <label for="login-name">Name</label>
        <input
          id="login-name" name="name" value={name} autoFocus autoComplete="nickname" spellcheck={false}
          maxLength={LIMITS.nameMaxLength} aria-invalid={error ? true : undefined} aria-describedby={error ? 'login-error' : undefined}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        {error && <p id="login-error" class="form-error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Joining…' : 'Join'}</button>
      </form>
    </main>
  );
}
