import { useEffect } from 'preact/hooks';
import { foldName } from '../../protocol/index.ts';
import type { ChatStore } from '../state/store.ts';
import { Avatar } from './Avatar.tsx';
import { Dialog } from './Dialog.tsx';

/** Everyone connected, with presence; pick one to open a direct conversation. */
export function UsersDialog({ store, onClose }: { store: ChatStore; onClose: () => void }) {
  useEffect(() => {
    void store.refreshUsers();
  }, [store]);
  const users = [...store.users.values()].sort((a, b) => foldName(a.name).localeCompare(foldName(b.name)));
  const online = users.filter((u) => u.presence === 'online').length;
  return (
    <Dialog id="users" title="Users" onClose={onClose}>
      <p class="muted">{users.length} connected · {online} online · {users.length - online} away</p>
      <ul class="user-list" aria-label="Connected users">
        {users.map((u) => {
          const me = store.isMe(u.name);
          return (
            <li key={u.name} class="user-row">
              <Avatar name={u.name} presence={u.presence} />
              <span class="user-main">
                <span><span class="user-name">{u.name}</span>{me && <span class="muted"> (you)</span>}</span>
                <span class="user-sub">{u.presence === 'away' ? `Away${u.away && u.away !== 'away' ? `: ${u.away}` : ''}` : 'Online'}</span>
              </span>
              {!me && (
                <button type="button" class="small-btn" aria-label={`Message ${u.name}`} onClick={() => { store.openDm(u.name); onClose(); }}>
                  Message
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </Dialog>
  );
}
