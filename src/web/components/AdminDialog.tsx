import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry } from '../../protocol/index.ts';
import { describeError } from '../lib/errors.ts';
import type { ChatStore } from '../state/store.ts';
import { AuditTable } from './AuditTable.tsx';
import { Dialog } from './Dialog.tsx';

/**
 * The server administrators' section (`/admin`): server bans by account or address range,
 * disconnecting a user, a notice to everyone, and the audit log. The server refuses
 * everyone else (NOT_ADMIN), which the dialog says.
 */
export function AdminDialog({ store, onClose }: { store: ChatStore; onClose: () => void }) {
  const [entries, setEntries] = useState<AuditEntry[] | undefined>();
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [mask, setMask] = useState('');
  const [reason, setReason] = useState('');
  const [victim, setVictim] = useState('');
  const [notice, setNotice] = useState('');
  const c = store.client;
  const load = (): void => {
    c?.request('audit', { limit: 200 }).then((r) => setEntries(r.entries), (e: unknown) => setError(describeError(e)));
  };
  useEffect(load, [c]);
  const run = (p: Promise<string> | undefined): void => {
    setError('');
    setDone('');
    p?.then((text) => { setDone(text); load(); }, (e: unknown) => setError(describeError(e)));
  };
  return (
    <Dialog title="Server administration" id="admin" onClose={onClose}>
      <div class="room-settings">
        {error && <p class="form-error" role="alert">{error}</p>}
        {done && <p role="status">{done}</p>}
        <fieldset>
          <legend>Server bans</legend>
          <form class="inline-form" onSubmit={(e) => e.preventDefault()}>
            <label>Account ($a:name) or address range (203.0.113.0/24) <input type="text" value={mask} onInput={(e) => setMask((e.target as HTMLInputElement).value)} /></label>
            <label>Reason <input type="text" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} /></label>
            {([[true, 'Ban'], [false, 'Lift ban']] as const).map(([on, label]) => (
              <button key={label} type="button" class="small-btn" onClick={() => run(c?.request('server_ban', reason.trim() ? { mask, on, reason: reason.trim() } : { mask, on })
                .then((r) => `Server bans: ${r.bans.length ? r.bans.join(', ') : 'none'}`))}>{label}</button>
            ))}
          </form>
        </fieldset>
        <fieldset>
          <legend>Users and notices</legend>
          <form class="inline-form" onSubmit={(e) => { e.preventDefault(); run(c?.request('kill', { name: victim }).then((r) => `Disconnected ${r.name}`)); }}>
            <label>Disconnect user <input type="text" value={victim} onInput={(e) => setVictim((e.target as HTMLInputElement).value)} /></label>
            <button type="submit" class="small-btn">Disconnect</button>
          </form>
          <form class="inline-form" onSubmit={(e) => { e.preventDefault(); run(c?.request('wallops', { text: notice }).then(() => 'Notice sent')); }}>
            <label>Notice to everyone <input type="text" value={notice} onInput={(e) => setNotice((e.target as HTMLInputElement).value)} /></label>
            <button type="submit" class="small-btn">Send notice</button>
          </form>
        </fieldset>
        <fieldset>
          <legend>Audit log</legend>
          {!entries ? <p class="muted small">{error ? 'Not available.' : 'Loading…'}</p> : (
            <AuditTable entries={entries} label="Audit log" />
          )}
        </fieldset>
      </div>
    </Dialog>
  );
}
