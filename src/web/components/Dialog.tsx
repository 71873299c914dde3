import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { CloseIcon } from './icons.tsx';

/**
 * A modal <dialog>: the browser makes the rest of the page inert (focus stays inside) and
 * Escape closes it. On close, focus goes back to the control that opened it, unless the
 * action that closed it moved focus on purpose (opening a conversation focuses its field).
 */
export function Dialog({ title, onClose, children, id }: { title: string; onClose: () => void; children: ComponentChildren; id: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    if (d && !d.open) d.showModal();
    return () => {
      const inside = !!d && d.contains(document.activeElement);
      d?.close();
      const lost = inside || document.activeElement === document.body || document.activeElement === null;
      if (lost && opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby={`${id}-title`} onClose={onClose}
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
