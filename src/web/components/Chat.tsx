import { useEffect, useRef, useState } from 'preact/hooks';
import { LOBBY } from '../../protocol/index.ts';
import type { ChatStore } from '../state/store.ts';
import { Composer } from './Composer.tsx';
import { inTextField, isJumpKey } from '../lib/shortcuts.ts';
import { CloseIcon, HelpIcon, MembersIcon, MenuIcon, UsersIcon } from './icons.tsx';
import { JumpDialog } from './JumpDialog.tsx';
import { LiveRegion } from './LiveRegion.tsx';
import { MembersPanel } from './MembersPanel.tsx';
import { KeyDialog, RoomSettingsDialog } from './RoomSettings.tsx';
import { AdminDialog } from './AdminDialog.tsx';
import { MessageList } from './MessageList.tsx';
import { SearchBox } from './SearchBox.tsx';
import { Sidebar } from './Sidebar.tsx';
import { StatusBar } from './StatusBar.tsx';
import { ShortcutsDialog } from './ShortcutsDialog.tsx';
import { Typing } from './Typing.tsx';
import { UsersDialog } from './UsersDialog.tsx';

/** The chat screen: sidebar, conversation, member list. On narrow screens the side panels slide over. */
export function Chat({ store }: { store: ChatStore }) {
  const [drawer, setDrawer] = useState<'none' | 'sidebar' | 'members'>('none');
  const [users, setUsers] = useState(false);
  const [jump, setJump] = useState(false);
  const [help, setHelp] = useState(false);
  const [settings, setSettings] = useState(false);
  const conv = store.currentConv ?? store.lobby();
  const menuButton = useRef<HTMLButtonElement>(null);
  const membersButton = useRef<HTMLButtonElement>(null);

  // A side panel opened as a drawer (narrow layouts) takes focus: the current conversation or
  // its first control. When it closes with focus inside (hidden, the browser has already moved
  // focus to the body), focus goes back to its button.
  useEffect(() => {
    if (drawer === 'none') return;
    const panel = document.querySelector<HTMLElement>(drawer === 'sidebar' ? '.sidebar' : '.members');
    if (!panel || getComputedStyle(panel).position !== 'absolute') return;
    (panel.querySelector<HTMLElement>('.conv.current') ?? panel.querySelector<HTMLElement>('button:not([disabled]), input, a[href]'))?.focus();
    const toggle = drawer === 'sidebar' ? menuButton.current : membersButton.current;
    return () => {
      const a = document.activeElement;
      if (!a || a === document.body || panel.contains(a)) toggle?.focus();
    };
  }, [drawer]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') setDrawer('none');
      // Ctrl+K (⌘K): jump to a conversation by name; "?" outside a text field: the shortcuts.
      // Not while another dialog is open (the page behind a modal dialog is inert).
      const modal = document.querySelector('dialog[open]') !== null;
      if (isJumpKey(e)) {
        e.preventDefault();
        if (!modal) setJump(true);
      }
      if (e.key === '?' && !e.ctrlKey && !e.altKey && !e.metaKey && !inTextField(e) && !modal) {
        e.preventDefault();
        setHelp(true);
      }
      // Alt+Up / Alt+Down: previous / next conversation.
      if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
        e.preventDefault();
        store.step(e.key === 'ArrowUp' ? -1 : 1);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  return (
    <div class={`chat drawer-${drawer}`}>
      <a class="skip-link" href="#composer-field" onClick={(e) => { e.preventDefault(); document.getElementById('composer-field')?.focus(); }}>
        Skip to the message field
      </a>
      <LiveRegion store={store} />
      <StatusBar store={store} />
      {store.banner && (
        <div class="banner" role="alert">
          <strong>Notice:</strong> <span>{store.banner}</span>
          <button type="button" class="icon-btn" aria-label="Dismiss notice" onClick={() => { store.banner = undefined; store.changed(); }}><CloseIcon /></button>
        </div>
      )}
      <div class="layout">
        <Sidebar store={store} onPick={() => setDrawer('none')} />
        <main class="main" aria-label={conv.name}>
          <header class="conv-header">
            <button type="button" class="icon-btn only-narrow" ref={menuButton} aria-label="Conversations" aria-expanded={drawer === 'sidebar'}
              onClick={() => setDrawer(drawer === 'sidebar' ? 'none' : 'sidebar')}><MenuIcon /></button>
            <div class="conv-title">
              <h1>{conv.name}</h1>
              {conv.kind === 'room'
                ? <p class="topic" title={conv.topic}>{conv.topic || `${store.memberCount(conv)} member${store.memberCount(conv) === 1 ? '' : 's'}`}</p>
                : <p class="topic">Direct message</p>}
            </div>
            <div class="header-actions">
              <SearchBox store={store} />
              <button type="button" class="secondary" onClick={() => setUsers(true)}><UsersIcon /><span>Users</span></button>
              <button type="button" class="icon-btn" aria-label="Keyboard shortcuts" aria-haspopup="dialog" title="Keyboard shortcuts (?)"
                onClick={() => setHelp(true)}><HelpIcon /></button>
              <button type="button" class="icon-btn only-medium" ref={membersButton} aria-label="Members" aria-expanded={drawer === 'members'}
                onClick={() => setDrawer(drawer === 'members' ? 'none' : 'members')}><MembersIcon /></button>
              {conv.kind === 'room' && conv.key !== LOBBY && (
                <button type="button" class="small-btn" onClick={() => void store.leaveRoom(conv)}>Leave</button>
              )}
              {conv.kind === 'dm' && (
                <button type="button" class="small-btn" onClick={() => store.closeDm(conv)}>Close</button>
              )}
            </div>
          </header>
          <MessageList store={store} conv={conv} me={store.me} length={conv.items.length} />
          <Typing conv={conv} />
          <Composer store={store} conv={conv} onUsers={() => setUsers(true)} />
        </main>
        <MembersPanel store={store} conv={conv} {...(conv.kind === 'room' && conv.key !== LOBBY ? { onSettings: () => setSettings(true) } : {})} />
        {drawer !== 'none' && <div class="scrim" aria-hidden="true" onClick={() => setDrawer('none')} />}
      </div>
      {users && <UsersDialog store={store} onClose={() => setUsers(false)} />}
      {jump && <JumpDialog store={store} onClose={() => setJump(false)} />}
      {help && <ShortcutsDialog onClose={() => setHelp(false)} />}
      {settings && conv.kind === 'room' && <RoomSettingsDialog store={store} conv={conv} onClose={() => setSettings(false)} />}
      {store.keyPrompt !== undefined && <KeyDialog store={store} room={store.keyPrompt} />}
      {store.adminOpen && <AdminDialog store={store} onClose={() => { store.adminOpen = false; store.changed(); }} />}
    </div>
  );
}
