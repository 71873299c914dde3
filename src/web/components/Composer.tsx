import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { LIMITS } from '../../protocol/index.ts';
import { runSlash } from '../state/slash.ts';
import type { ChatStore } from '../state/store.ts';
import type { Conv } from '../state/types.ts';
import { DmDialog } from './DmDialog.tsx';
import { CalcIcon, DmIcon, SendIcon } from './icons.tsx';
import { startUpload, type PendingUpload } from '../state/files.ts';
import { formatSize } from '../../protocol/index.ts';

/** How often "typing" is sent while the user keeps typing. */
const TYPING_EVERY_MS = 3000;
/** Tallest the message field grows before it scrolls. */
const MAX_FIELD_PX = 200;

/** The message field with Send, Calculate and Direct message. Enter sends; Shift+Enter is a new line. */
export function Composer({ store, conv, onUsers }: { store: ChatStore; conv: Conv; onUsers: () => void }) {
  const drafts = useRef(new Map<string, string>());
  const [text, setText] = useState('');
  const [dm, setDm] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  const picker = useRef<HTMLInputElement>(null);
  const [uploads, setUploads] = useState<PendingUpload[]>([]);
  const [dragging, setDragging] = useState(false);

  /** Starts uploading files picked, dropped or pasted; they are sent with the next message. */
  const attach = (files: Iterable<File>): void => {
    const c = store.client;
    if (!c) return;
    const started = [...files].map((f) => startUpload(c, f, () => setUploads((list) => [...list])));
    if (started.length > 0) setUploads((list) => [...list, ...started]);
  };
  const remove = (u: PendingUpload): void => {
    u.cancel();
    setUploads((list) => list.filter((x) => x !== u));
  };
  const busy = uploads.some((u) => u.state === 'uploading');
  const ready = uploads.filter((u) => u.state === 'done' && u.file);

  // Each conversation keeps its own draft.
  useEffect(() => {
    setText(drafts.current.get(conv.key) ?? '');
    field.current?.focus();
  }, [conv.key]);

  // Grow with the content (a CSSOM property, which the CSP allows).
  useLayoutEffect(() => {
    const el = field.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_FIELD_PX)}px`;
  }, [text]);

  const update = (v: string): void => {
    setText(v);
    // Under the store's current conversation: text typed right after a switch, before this
    // component re-rendered for it, belongs to the conversation switched to.
    drafts.current.set(store.current, v);
    const now = Date.now();
    if (v.trim() && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      store.typing(conv);
    }
  };

  const clear = (): void => {
    update('');
    lastTyping.current = 0;
    field.current?.focus();
  };

  const send = (): void => {
    if (busy) return;
    if (ready.length > 0) {
      store.sendFiles(store.currentConv ?? conv, text.trim(), ready.map((u) => u.file!.id));
      setUploads([]);
      clear();
      return;
    }
    if (!text.trim()) return;
    // The store's current conversation, not this render's prop: a switch made just before
    // Enter may not have re-rendered yet (updates are batched), and the text must go where
    // the user just switched to.
    const target = store.currentConv ?? conv;
    if (runSlash(store, target, text, { openUsers: onUsers }) === 'send') store.sendTo(target, text.startsWith('//') ? text.slice(1) : text);
    clear();
  };

  const calc = (): void => {
    if (!text.trim()) {
      field.current?.focus();
      return;
    }
    store.calc(text.trim());
    clear();
  };

  const onKeyDown = (e: KeyboardEvent): void => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };

  const over = text.length > LIMITS.textMaxLength;
  return (
    <form
      class={`composer${dragging ? ' dragging' : ''}`} onSubmit={(e) => { e.preventDefault(); send(); }}
      onDragOver={(e) => { if (e.dataTransfer?.types.includes('Files')) { e.preventDefault(); setDragging(true); } }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => { if (e.dataTransfer?.files.length) { e.preventDefault(); attach(e.dataTransfer.files); } setDragging(false); }}
    >
      <div class={`composer-box${over ? ' over' : ''}`}>
        {uploads.length > 0 && (
          <ul class="uploads" aria-label="Files to send">
            {uploads.map((u) => (
              <li key={u.key} class={`upload ${u.state}`}>
                <span class="file-name">{u.name}</span> <span class="file-meta">{formatSize(u.size)}</span>
                {u.state === 'uploading' && <progress max={u.size || 1} value={u.loaded} aria-label={`Uploading ${u.name}`} />}
                {u.state === 'failed' && <span class="form-error" role="alert">{u.error}</span>}
                <button type="button" class="small-btn" onClick={() => remove(u)}>{u.state === 'uploading' ? 'Cancel' : 'Remove'}</button>
              </li>
            ))}
          </ul>
        )}
        <textarea
          ref={field} id="composer-field" aria-label="Message" rows={1} value={text} placeholder={`Message ${conv.name}`}
          aria-describedby="composer-hint" aria-invalid={over ? true : undefined}
          onInput={(e) => update(e.currentTarget.value)} onKeyDown={onKeyDown}
          onPaste={(e) => { if (e.clipboardData?.files.length) { e.preventDefault(); attach(e.clipboardData.files); } }}
        />
        <input ref={picker} type="file" multiple hidden aria-label="Files to attach" onChange={(e) => { attach(e.currentTarget.files ?? []); e.currentTarget.value = ''; }} />
        <div class="composer-bar">
          <div id="composer-hint" class="hint">
            {over
              ? <span class="form-error">{text.length - LIMITS.textMaxLength} characters over the limit</span>
              : <span><kbd>Enter</kbd> send · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line · <kbd>/help</kbd> commands</span>}
          </div>
          <div class="composer-actions">
            <button type="button" class="secondary" onClick={() => picker.current?.click()} title="Attach files (or drop or paste them here)">
              <span>Attach</span>
            </button>
            <button type="button" class="secondary" onClick={calc} title="Evaluate the text as a math expression; only you see the result">
              <CalcIcon /><span>Calculate</span>
            </button>
            <button type="button" class="secondary" onClick={() => setDm(true)} title="Send the text privately to one user">
              <DmIcon /><span>Direct message</span>
            </button>
            <button type="submit" class="primary" disabled={over || busy}>
              <SendIcon /><span>Send</span>
            </button>
          </div>
        </div>
      </div>
      {dm && (
        <DmDialog store={store} text={text} initial={conv.kind === 'dm' ? conv.name : ''}
          onClose={() => setDm(false)} onDone={() => { setDm(false); drafts.current.set(conv.key, ''); setText(''); }} />
      )}
    </form>
  );
}
