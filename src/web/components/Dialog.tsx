import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { CloseIcon } from './icons.tsx';

const TABBABLE = 'a[href], button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Tab from the last control goes to the first and Shift+Tab from the first to the last, so
 * that focus cycles inside instead of leaving for the browser's own controls.
 */
function trapTab(e: KeyboardEvent): void {
  if (e.key !== 'Tab') return;
  const d = e.currentTarget as HTMLElement;
  const all = [...d.querySelectorAll<HTMLElement>(TABBABLE)].filter((el) => el.getClientRects().length > 0);
  const first = all[0];
  const last = all[all.length - 1];
  if (!first || !last) return;
  if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  } else if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  }
}

/**
 * A modal <dialog>: the browser makes the rest of the page inert, Tab cycles inside it
 * (trapTab) and Escape closes it. On close, focus goes back to the control that opened it,
 * unless the action that closed it moved focus on purpose (opening a conversation focuses its
 * field).
 */
export function Dialog({ title, onClose, children, id }: { title: string; onClose: () => void; children: ComponentChildren; id: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  // Taken down: `close()` below queues a `close` event (a task) that would otherwise call this
  // dialog's onClose after it is gone, and close whatever the same state opened meanwhile
  // (Ctrl+K right after a jump opened a new jump dialog that this event shut at once).
  const gone = useRef(false);
  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    if (d && !d.open) d.showModal();
    return () => {
      gone.current = true;
      const inside = !!d && d.contains(document.activeElement);
      d?.close();
      const lost = inside || document.activeElement === document.body || document.activeElement === null;
      if (lost && opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby={`${id}-title`} onClose={() => { if (!gone.current) onClose(); }} onKeyDown={trapTab}
      onClick={(e) => { if (e.target === ref.current) onClose(); }}>
      <div class="dialog-body">
        <header class="dialog-head">
          <h2 id={`${id}-title`}>{title}</h2>
          <button type="button" class="icon-btn" aria-label="Close" onClick={onClose}><CloseIcon /></button>
        </header>
        {children}
      </div>
    </dialog>
  );
}
