import { useEffect, useState } from 'preact/hooks';
import { checkUserName, foldName } from '../../protocol/index.ts';
import type { ChatStore } from '../state/store.ts';
import { Avatar } from './Avatar.tsx';
import { Dialog } from './Dialog.tsx';

/**
 * "Direct message": choose a user (from the list or by typing the name); the text from the
 * composer goes to them privately and their conversation opens in the sidebar.
 */
export function DmDialog({ store, text, initial, onDone, onClose }: {
  store: ChatStore; text: string; initial: string; onDone: () => void; onClose: () => void;
}) {
  const [to, setTo] = useState(initial);
  const [error, setError] = useState('');
  useEffect(() => {
    void store.refreshUsers();
  }, [store]);
  const others = [...store.users.values()].filter((u) => !store.isMe(u.name)).sort((a, b) => foldName(a.name).localeCompare(foldName(b.name)));

  const go = (name: string): void => {
    const n = name.trim();
    if (!n) {
      setError('Choose a user or type a name.');
      return;
    }
    if (store.isMe(n)) {
      setError('That is you. Choose someone else.');
      return;
    }
    const user = store.users.get(foldName(n));
    if (!user && checkUserName(n)) {
      setError(`No user named "${n}" is online.`);
      return;
    }
    // Not online: a registered name still gets it (the server keeps it until they are
    // back); otherwise the server's refusal shows on the message.
    store.sendDm(user?.name ?? n, text);
    onDone();
  };

  return (
    <Dialog id="dm" title="Direct message" onClose={onClose}>
      <form class="dm-form" onSubmit={(e) => { e.preventDefault(); go(to); }} noValidate>
        {text.trim()
          ? <p class="muted dm-preview">Sends privately: <q>{text.length > 120 ? `${text.slice(0, 120)}…` : text}</q></p>
          : <p class="muted">Opens a private conversation.</p>}
        <label for="dm-to">Recipient</label>
        <input id="dm-to" value={to} list="dm-users" autoFocus autoComplete="off" spellcheck={false}
          aria-invalid={error ? true : undefined} aria-describedby={error ? 'dm-error' : undefined}
          onInput={(e) => { setTo(e.currentTarget.value); setError(''); }} />
        <datalist id="dm-users">{others.map((u) => <option key={u.name} value={u.name} />)}</datalist>
        {error && <p id="dm-error" class="form-error" role="alert">{error}</p>}
        {others.length > 0 && (
          <ul class="user-list compact" aria-label="Pick a user">
            {others.map((u) => (
              <li key={u.name}>
                <button type="button" class="user-pick" onClick={() => go(u.name)}>
                  <Avatar name={u.name} presence={u.presence} small />
                  <span><span class="sr-only">Send to </span>{u.name}</span>
                  {u.presence === 'away' && <span class="muted"> (away)</span>}
                </button>
              </li>
            ))}
          </ul>
        )}
        <div class="dialog-actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary">{text.trim() ? 'Send privately' : 'Open conversation'}</button>
        </div>
      </form>
    </Dialog>
  );
}
