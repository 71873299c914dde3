import { useState } from 'preact/hooks';
import { foldName } from '../../protocol/index.ts';
import type { ChatStore } from '../state/store.ts';
import type { Conv } from '../state/types.ts';
import { Avatar } from './Avatar.tsx';
import { BellIcon, HashIcon, KeyIcon, Logo, ShieldIcon, SignOutIcon } from './icons.tsx';
import { forgetSession, writeAccount } from '../lib/session.ts';
import { AccountDialog } from './AccountDialog.tsx';

/** The unread count; its name says it in words ("3 unread, 1 for you"), not by colour. */
function Badge({ conv }: { conv: Conv }) {
  if (!conv.unread) return null;
  return (
    <span class={`badge${conv.mentions ? ' hot' : ''}`} role="img" aria-label={`${conv.unread} unread${conv.mentions ? `, ${conv.mentions} for you` : ''}`}>
      {conv.unread > 99 ? '99+' : conv.unread}
    </span>
  );
}

function ConvButton({ store, conv, onPick }: { store: ChatStore; conv: Conv; onPick: () => void }) {
  const current = store.current === conv.key;
  const user = conv.kind === 'dm' ? store.users.get(foldName(conv.name)) : undefined;
  return (
    <li>
      <button type="button" class={`conv${current ? ' current' : ''}${conv.unread ? ' unread' : ''}`} aria-current={current ? 'page' : undefined}
        onClick={() => { store.select(conv.key); onPick(); }}>
        {conv.kind === 'room'
          ? <span class="conv-icon"><HashIcon /></span>
          : <Avatar name={conv.name} presence={user?.presence} small />}
        <span class="conv-name">{conv.kind === 'room' ? conv.name.slice(1) : conv.name}</span>
        {conv.kind === 'dm' && !user && <span class="muted small">offline</span>}
        {conv.kind === 'dm' && user && <span class="sr-only">, {user.presence}</span>}
        <Badge conv={conv} />
      </button>
    </li>
  );
}

function JoinRoom({ store, onPick }: { store: ChatStore; onPick: () => void }) {
  const [room, setRoom] = useState('');
  const [error, setError] = useState('');
  const [known, setKnown] = useState<string[]>([]);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!room.trim()) return;
    try {
      await store.joinRoom(room);
      setRoom('');
      setError('');
      onPick();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="join-room" onSubmit={submit}>
      <label for="join-room" class="sr-only">Room name</label>
      <input id="join-room" value={room} placeholder="#new-room" autoComplete="off" spellcheck={false} list="known-rooms"
        aria-describedby={error ? 'join-room-error' : undefined} onInput={(e) => { setRoom(e.currentTarget.value); setError(''); }}
        onFocus={() => { void store.otherRooms().then(setKnown); }} />
      <datalist id="known-rooms">{known.map((r) => <option key={r} value={r} />)}</datalist>
      <button type="submit" class="small-btn">Join room</button>
      {error && <p id="join-room-error" class="form-error" role="alert">{error}</p>}
    </form>
  );
}

/** Rooms and direct conversations with unread counts; who I am, away status and notifications. */
export function Sidebar({ store, onPick }: { store: ChatStore; onPick: () => void }) {
  const { rooms, dms } = store.sidebar();
  const me = store.myPresence;
  const away = me?.presence === 'away';
  const online = store.status === 'online';
  const [account, setAccount] = useState(false);
  return (
    <>
    <nav class="sidebar" aria-label="Conversations">
      <div class="brand"><Logo /> <span>Banter</span></div>
      <section aria-labelledby="rooms-h">
        <h2 id="rooms-h" class="section-h">Rooms</h2>
        <ul class="conv-list">{rooms.map((c) => <ConvButton key={c.key} store={store} conv={c} onPick={onPick} />)}</ul>
        <JoinRoom store={store} onPick={onPick} />
      </section>
      <section aria-labelledby="dms-h">
        <h2 id="dms-h" class="section-h">Direct messages</h2>
        {dms.length === 0 && <p class="muted small empty">No direct messages yet. Pick someone with Users or Direct message.</p>}
        <ul class="conv-list">{dms.map((c) => <ConvButton key={c.key} store={store} conv={c} onPick={onPick} />)}</ul>
      </section>
      <div class="me-card">
        <Avatar name={store.me} presence={online ? (away ? 'away' : 'online') : undefined} />
        <div class="me-main">
          <span class="me-name">{store.me}{store.registered && <span class="reg-tag" title="Registered name" aria-label="(registered)"> ✓</span>}</span>
          <span class="me-status">{online ? (away ? `Away${me?.away && me.away !== 'away' ? `: ${me.away}` : ''}` : 'Online') : 'Offline'}</span>
        </div>
        <div class="me-icons">
          {typeof Notification !== 'undefined' && (
            <button type="button" class={`icon-btn${store.notifications ? ' on' : ''}`} aria-pressed={store.notifications}
              aria-label="Desktop notifications" title="Desktop notifications for direct messages and mentions while this tab is hidden"
              onClick={() => void store.setNotifications(!store.notifications)}>
              <BellIcon />
            </button>
          )}
          <button type="button" class="icon-btn" aria-label="Account" title={store.registered ? 'Account: change password' : 'Account: register this name'}
            aria-haspopup="dialog" onClick={() => setAccount(true)}>
            <KeyIcon />
          </button>
          {store.admin && (
            <button type="button" class="icon-btn" aria-label="Server administration" title="Server administration: server bans, disconnecting users, notices, the audit log"
              aria-haspopup="dialog" onClick={() => { store.adminOpen = true; store.changed(); }}>
              <ShieldIcon />
            </button>
          )}
          <button type="button" class="icon-btn" aria-label="Sign out" title="Sign out"
            onClick={() => { forgetSession(); writeAccount(undefined); void store.logout().then(() => location.assign('/')); }}>
            <SignOutIcon />
          </button>
        </div>
        <button type="button" class="small-btn me-away" aria-pressed={away} onClick={() => void store.setAway(away ? undefined : '')}>
          {away ? 'Set online' : 'Set away'}
        </button>
      </div>
    </nav>
    {/* Outside the nav: the drawer's hidden state and colours must not reach the dialog. */}
    {account && <AccountDialog store={store} onClose={() => setAccount(false)} />}
    </>
  );
}
