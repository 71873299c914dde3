import { useRef, useState } from 'preact/hooks';
import { foldName } from '../../protocol/index.ts';
import type { ChatStore } from '../state/store.ts';
import { Dialog } from './Dialog.tsx';

/** Most entries listed at once (the rest is found by typing more of the name). */
const JUMP_MAX = 50;

interface Target { key: string; label: string; detail: string; open: () => void }

/**
 * Ctrl+K: jump to a conversation (or start one with a connected user) by typing part of its
 * name. Enter opens the first match; ↓ and ↑ move through the list.
 */
export function JumpDialog({ store, onClose }: { store: ChatStore; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const list = useRef<HTMLUListElement>(null);
  const q = foldName(query.trim().replace(/^[#@]/, ''));
  const { rooms, dms } = store.sidebar();
  const targets: Target[] = [];
  for (const c of [...rooms, ...dms]) {
    const unread = c.unread ? `, ${c.unread} unread${c.mentions ? `, ${c.mentions} for you` : ''}` : '';
    targets.push({ key: c.key, label: c.name, detail: `${c.kind === 'room' ? 'room' : 'direct message'}${unread}`, open: () => store.select(c.key) });
  }
  for (const u of store.users.values()) {
    if (store.isMe(u.name) || dms.some((c) => foldName(c.name) === foldName(u.name))) continue;
    targets.push({ key: `user:${u.name}`, label: u.name, detail: `start a direct message, ${u.presence}`, open: () => store.openDm(u.name) });
  }
  const matches = targets.filter((t) => !q || foldName(t.label).replace(/^#/, '').includes(q)).slice(0, JUMP_MAX);

  const go = (t: Target | undefined): void => {
    if (!t) return;
    onClose();
    t.open();
  };
  const move = (e: KeyboardEvent): void => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const buttons = [...(list.current?.querySelectorAll('button') ?? [])];
    if (buttons.length === 0) return;
    e.preventDefault();
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = e.key === 'ArrowDown' ? Math.min(i + 1, buttons.length - 1) : i - 1;
    if (next < 0) (e.currentTarget as HTMLElement).querySelector('input')?.focus();
    else buttons[next]!.focus();
  };

  return (
    <Dialog id="jump" title="Jump to conversation" onClose={onClose}>
      <form class="dm-form" onSubmit={(e) => { e.preventDefault(); go(matches[0]); }} onKeyDown={move}>
        <label for="jump-to">Conversation or person</label>
        <input id="jump-to" value={query} autoFocus autoComplete="off" spellcheck={false} aria-describedby="jump-hint"
          onInput={(e) => setQuery(e.currentTarget.value)} />
        <p id="jump-hint" class="muted small">Enter opens the first match; ↓ and ↑ move through the list.</p>
        <p class="sr-only" aria-live="polite">{matches.length === 0 ? 'No match' : `${matches.length} match${matches.length === 1 ? '' : 'es'}`}</p>
        {matches.length === 0
          ? <p class="muted">Nothing matches “{query.trim()}”.</p>
          : (
            <ul class="user-list compact jump-list" ref={list} aria-label="Matches">
              {matches.map((t) => (
                <li key={t.key}>
                  <button type="button" class="user-pick" onClick={() => go(t)}>
                    <span>{t.label}</span>
                    <span class="muted small">{t.detail}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
      </form>
    </Dialog>
  );
}
