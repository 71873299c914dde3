/**
 * The web app's keyboard shortcuts: one list for the Keyboard shortcuts dialog, `/help` and
 * the key handler's documentation (docs/web.md lists the same).
 */
export interface Shortcut {
  /** Keys as shown, e.g. "Alt+↑". */
  keys: string;
  what: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: 'Ctrl+K', what: 'jump to a conversation or person by name (⌘K on a Mac)' },
  { keys: 'Alt+↑ / Alt+↓', what: 'previous / next conversation' },
  { keys: 'Enter', what: 'send the message; Shift+Enter starts a new line' },
  { keys: 'Escape', what: 'close a dialog or a side panel (focus returns where it was)' },
  { keys: 'Tab / Shift+Tab', what: 'move between controls; the first Tab offers "Skip to the message field"' },
  { keys: 'Page Up / Page Down', what: 'scroll the conversation when it has focus' },
  { keys: '?', what: 'show these shortcuts (outside a text field)' },
];

/** The shortcuts as lines of text, for `/help`. */
export function shortcutLines(): string {
  return SHORTCUTS.map((s) => `${s.keys} — ${s.what}`).join('\n');
}

/** Whether a key event is Ctrl+K (or ⌘K). */
export function isJumpKey(e: KeyboardEvent): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k';
}

/** Whether the event's target takes text, where "?" is a character and not a shortcut. */
export function inTextField(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
}
