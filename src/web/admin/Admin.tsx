/**
 * /admin: asks for the admin token, then lists connected clients (refreshed every 2 s) with
 * a Disconnect button each, and sends server-wide notices.
 */
import { useEffect, useState } from 'preact/hooks';
import { LIMITS } from '../../protocol/index.ts';
import { Logo } from '../components/icons.tsx';
import { fullTime } from '../lib/time.ts';
import { AdminError, disconnectClient, listClients, sendNotice, type AdminClient } from './api.ts';

const POLL_MS = 2000;
const TOKEN_KEY = 'banter.adminToken';

function savedToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

function since(ts: number, now: number): string {
  const s = Math.max(0, Math.round((now - ts) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function TokenForm({ onToken, error }: { onToken: (t: string) => void; error: string }) {
  const [value, setValue] = useState('');
  return (
    <main class="login">
      <form class="login-card" onSubmit={(e) => { e.preventDefault(); if (value.trim()) onToken(value.trim()); }}>
        <Logo size={48} />
        <h1>Banter admin</h1>
        <p class="muted">Enter the admin token configured on the server.</p>
        <label for="admin-token">Admin token</label>
        <input id="admin-token" type="password" autoComplete="current-password" value={value} autoFocus
          onInput={(e) => setValue(e.currentTarget.value)} />
        {error && <p class="form-error" role="alert">{error}</p>}
        <button type="submit" class="primary">Sign in</button>
      </form>
    </main>
  );
}

function NoticeForm({ token }: { token: string }) {
  const [text, setText] = useState('');
  const [state, setState] = useState<{ ok: boolean; msg: string } | undefined>(undefined);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!text.trim()) return;
    try {
      await sendNotice(token, text.trim());
      setText('');
      setState({ ok: true, msg: 'Notice sent to everyone.' });
    } catch (err) {
      setState({ ok: false, msg: (err as Error).message });
    }
  };
  return (
    <section class="card" aria-labelledby="notice-h">
      <h2 id="notice-h" class="section-h">Server-wide notice</h2>
      <form onSubmit={submit}>
        <div>
          <label for="notice-text">Notice text</label>
          <input id="notice-text" value={text} maxLength={LIMITS.textMaxLength} onInput={(e) => { setText(e.currentTarget.value); setState(undefined); }} />
        </div>
        <button type="submit" class="primary">Send notice</button>
      </form>
      {state && <p class={state.ok ? 'ok-text' : 'form-error'} role="status">{state.msg}</p>}
    </section>
  );
}

export function Admin() {
  const [token, setToken] = useState(savedToken);
  const [clients, setClients] = useState<AdminClient[] | undefined>(undefined);
  const [error, setError] = useState('');
  const [now, setNow] = useState(Date.now());
  const [tick, setTick] = useState(0);

  useEffect(() => {
    document.title = 'Admin · Banter';
  }, []);

  useEffect(() => {
    if (!token) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      try {
        const list = await listClients(token);
        if (stopped) return;
        setClients(list);
        setError('');
        setNow(Date.now());
      } catch (err) {
        if (stopped) return;
        if (err instanceof AdminError && (err.status === 401 || err.status === 403)) {
          try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* storage disabled */ }
          setToken('');
          setClients(undefined);
        }
        setError((err as Error).message);
      }
      if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [token, tick]);

  if (!token) {
    return <TokenForm error={error} onToken={(t) => {
      try { sessionStorage.setItem(TOKEN_KEY, t); } catch { /* storage disabled */ }
      setError('');
      setToken(t);
    }} />;
  }

  const disconnect = async (c: AdminClient): Promise<void> => {
    try {
      await disconnectClient(token, c.id);
      setTick((n) => n + 1);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <main class="admin">
      <header>
        <Logo />
        <h1>Banter admin</h1>
        <a href="/">Open chat</a>
        <button type="button" class="small-btn" onClick={() => {
          try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* storage disabled */ }
          setToken('');
          setClients(undefined);
        }}>Sign out</button>
      </header>
      {error && <p class="form-error" role="alert">{error}</p>}
      <section class="card" aria-labelledby="clients-h">
        <h2 id="clients-h" class="section-h">Connected clients {clients ? `— ${clients.length}` : ''}</h2>
        {!clients ? <p class="muted">Loading…</p> : (
          // Focusable, so that a keyboard can scroll the table sideways on a narrow screen.
          <div class="table-wrap" role="region" aria-labelledby="clients-h" tabIndex={0}>
            <table>
              <thead>
                <tr><th>Id</th><th>Name</th><th>Transport</th><th>Remote</th><th>Connected</th><th>Rooms</th><th class="num">Queued</th><th><span class="sr-only">Actions</span></th></tr>
              </thead>
              <tbody>
                {clients.map((c) => (
                  <tr key={c.id}>
                    <td><code>{c.id}</code></td>
                    <td>{c.name ?? <span class="muted">(not logged in)</span>}</td>
                    <td>{c.transport}</td>
                    <td><code>{c.remote}</code></td>
                    <td title={fullTime(c.connectedAt)}>{since(c.connectedAt, now)} ago</td>
                    <td>{c.rooms.join(', ')}</td>
                    <td class="num">{bytes(c.queuedBytes)}</td>
                    <td>
                      <button type="button" class="small-btn" aria-label={`Disconnect ${c.name ?? c.id}`} onClick={() => void disconnect(c)}>Disconnect</button>
                    </td>
                  </tr>
                ))}
                {clients.length === 0 && <tr><td colSpan={8} class="muted">Nobody is connected.</td></tr>}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <NoticeForm token={token} />
    </main>
  );
}
