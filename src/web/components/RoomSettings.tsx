import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry, ListEntry, ModeChange, RoomSettings as Settings } from '../../protocol/index.ts';
import { SETTING_LABELS } from '../lib/moderation.ts';
import type { ChatStore } from '../state/store.ts';
import type { Conv } from '../state/types.ts';
import { AuditTable } from './AuditTable.tsx';
import { Dialog } from './Dialog.tsx';

const LISTS = [
  ['ban', 'Bans', 'cannot join or write'], ['mute', 'Mutes', 'can read, not write'],
  ['except', 'Ban exceptions', 'not affected by bans and mutes'], ['invex', 'Invite exceptions', 'may join when invite-only'],
] as const;

/**
 * The room settings panel: every setting, list and invitation. Operators change them; other
 * members see them. Every change is one `mode` request, checked by the server.
 */
export function RoomSettingsDialog({ store, conv, onClose }: { store: ChatStore; conv: Conv; onClose: () => void }) {
  const [s, setS] = useState<Settings | undefined>();
  const [error, setError] = useState('');
  const [key, setKey] = useState('');
  const [limit, setLimit] = useState('');
  const [slow, setSlow] = useState('');
  const [mask, setMask] = useState('');
  const [list, setList] = useState<'ban' | 'mute' | 'except' | 'invex'>('ban');
  const [invitee, setInvitee] = useState('');
  const [audit, setAudit] = useState<AuditEntry[] | undefined>();
  const role = store.myRole(conv);
  const canEdit = role === 'owner' || role === 'op';

  const load = (): void => {
    store.roomSettings(conv).then((r) => {
      setS(r);
      if (r) { setLimit(r.limit ? String(r.limit) : ''); setSlow(r.slow ? String(r.slow) : ''); }
    }, (e: unknown) => setError((e as Error).message));
  };
  useEffect(load, [conv.key]);
  // The room's moderation log: its operators (and admins) may read it; nobody else asks.
  const loadAudit = (): void => {
    if (!canEdit) return;
    store.client?.request('audit', { room: conv.name, limit: 100 }).then((r) => setAudit(r.entries), () => setAudit(undefined));
  };
  useEffect(loadAudit, [conv.key, canEdit]);

  const apply = async (changes: ModeChange[]): Promise<void> => {
    setError('');
    try {
      const r = await store.mode(conv, changes);
      if (r) setS(r.settings);
      loadAudit();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const entries = (l: readonly ListEntry[], name: typeof list) => (
    <ul class="mod-list" aria-label={LISTS.find((x) => x[0] === name)![1]}>
      {l.length === 0 && <li class="muted small">None</li>}
      {l.map((e) => (
        <li key={e.mask}>
          <code>{e.mask}</code> <span class="muted small">by {e.by}</span>
          {canEdit && <button type="button" class="small-btn" aria-label={`Remove ${e.mask}`} onClick={() => void apply([{ mode: name, on: false, arg: e.mask }])}>Remove</button>}
        </li>
      ))}
    </ul>
  );

  return (
    <Dialog title={`Settings of ${conv.name}`} id="room-settings" onClose={onClose}>
      {!s ? <p>{error || 'Loading…'}</p> : (
        <div class="room-settings">
          {error && <p class="form-error" role="alert">{error}</p>}
          {!canEdit && <p class="muted small">Only the room's operators can change these.</p>}
          <fieldset>
            <legend>Room</legend>
            {(Object.keys(SETTING_LABELS) as (keyof typeof SETTING_LABELS)[]).map((k) => (
              <label key={k} class="check">
                <input type="checkbox" checked={s[k]} disabled={!canEdit} onChange={(e) => void apply([{ mode: k, on: (e.target as HTMLInputElement).checked }])} />
                <span>{SETTING_LABELS[k].label}</span> <span class="muted small">— {SETTING_LABELS[k].help}</span>
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Joining and writing</legend>
            <form class="inline-form" onSubmit={(e) => { e.preventDefault(); void apply([key ? { mode: 'key', on: true, arg: key } : { mode: 'key', on: false }]).then(() => setKey('')); }}>
              <label>Join key {s.key ? '(set)' : '(none)'} <input type="text" value={key} disabled={!canEdit} onInput={(e) => setKey((e.target as HTMLInputElement).value)} placeholder={s.key && s.key !== '*' ? s.key : ''} /></label>
              <button type="submit" class="small-btn" disabled={!canEdit}>{key ? 'Set key' : 'Remove key'}</button>
            </form>
            <form class="inline-form" onSubmit={(e) => { e.preventDefault(); void apply([limit ? { mode: 'limit', on: true, arg: limit } : { mode: 'limit', on: false }]); }}>
              <label>Member limit <input type="number" min="1" value={limit} disabled={!canEdit} onInput={(e) => setLimit((e.target as HTMLInputElement).value)} placeholder="none" /></label>
              <button type="submit" class="small-btn" disabled={!canEdit}>Apply limit</button>
            </form>
            <form class="inline-form" onSubmit={(e) => { e.preventDefault(); void apply([slow ? { mode: 'slow', on: true, arg: slow } : { mode: 'slow', on: false }]); }}>
              <label>Slow mode (seconds between messages) <input type="number" min="1" value={slow} disabled={!canEdit} onInput={(e) => setSlow((e.target as HTMLInputElement).value)} placeholder="off" /></label>
              <button type="submit" class="small-btn" disabled={!canEdit}>Apply slow mode</button>
            </form>
          </fieldset>
          {LISTS.map(([name, title, help]) => (
            <fieldset key={name}>
              <legend>{title}</legend>
              <p class="muted small">{help}</p>
              {entries(s[name], name)}
            </fieldset>
          ))}
          {canEdit && (
            <form class="inline-form" onSubmit={(e) => { e.preventDefault(); if (mask.trim()) void apply([{ mode: list, on: true, arg: mask.trim() }]).then(() => setMask('')); }}>
              <label>Mask (nick, nick!user@host, $a:account) <input type="text" value={mask} onInput={(e) => setMask((e.target as HTMLInputElement).value)} /></label>
              <select aria-label="List" value={list} onChange={(e) => setList((e.target as HTMLSelectElement).value as typeof list)}>
                {LISTS.map(([n, t]) => <option key={n} value={n}>{t}</option>)}
              </select>
              <button type="submit" class="small-btn">Add</button>
            </form>
          )}
          <form class="inline-form" onSubmit={(e) => { e.preventDefault(); if (invitee.trim()) void store.moderate(conv, 'invite', { room: conv.name, name: invitee.trim() }).then(() => setInvitee('')); }}>
            <label>Invite by name <input type="text" value={invitee} onInput={(e) => setInvitee((e.target as HTMLInputElement).value)} /></label>
            <button type="submit" class="small-btn">Invite</button>
          </form>
          {canEdit && audit && (
            <fieldset>
              <legend>Moderation log</legend>
              <AuditTable entries={audit} label={`Moderation log of ${conv.name}`} room={false} />
            </fieldset>
          )}
        </div>
      )}
    </Dialog>
  );
}

/** Asks for a room's join key (the server said ROOM_KEY_REQUIRED). */
export function KeyDialog({ store, room }: { store: ChatStore; room: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const close = (): void => { store.keyPrompt = undefined; store.changed(); };
  return (
    <Dialog title={`${room} needs a key`} id="room-key" onClose={close}>
      <form onSubmit={(e) => {
        e.preventDefault();
        setError('');
        store.joinRoom(room, key).then(close, (err: unknown) => setError((err as Error).message));
      }}>
        <p>This room is protected with a key. Ask its operators for it.</p>
        <label>Room key <input type="password" value={key} autoFocus onInput={(e) => setKey((e.target as HTMLInputElement).value)} /></label>
        {error && <p class="form-error" role="alert">{error}</p>}
        <button type="submit">Join {room}</button>
      </form>
    </Dialog>
  );
}
