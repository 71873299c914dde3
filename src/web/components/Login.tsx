import { useState } from 'preact/hooks';
import { checkUserName, describeNameProblem, LIMITS } from '../../protocol/index.ts';
import type { ChatStore } from '../state/store.ts';
import { Logo } from './icons.tsx';

const LAST_NAME_KEY = 'banter.name';

function lastName(): string {
  try {
    return localStorage.getItem(LAST_NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

export function Login({ store }: { store: ChatStore }) {
  const [name, setName] = useState(lastName);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const n = name.trim();
    const problem = checkUserName(n);
    if (problem) {
      setError(`That name won't work: ${describeNameProblem(problem)}.`);
      return;
    }
    setBusy(true);
    setError('');
    try {
      await store.login(n);
      try {
        localStorage.setItem(LAST_NAME_KEY, n);
      } catch {
        // Storage may be disabled; remembering the name is only a convenience.
      }
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
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
