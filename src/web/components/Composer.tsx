import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { LIMITS } from '../../protocol/index.ts';
import { runSlash } from '../state/slash.ts';
import type { ChatStore } from '../state/store.ts';
import type { Conv } from '../state/types.ts';
import { DmDialog } from './DmDialog.tsx';
import { CalcIcon, DmIcon, SendIcon } from './icons.tsx';
import { startUpload, type PendingUpload } from '../state/files.ts';
import { foldName, formatSize } from '../../protocol/index.ts';
import { findMsg } from '../state/conv.ts';
import { preview } from './MessageFeatures.tsx';

/** Suggestions shown at most for an @mention being typed. */
const MAX_SUGGESTIONS = 8;
/** "@" and a partial name right before the caret (not after a name character or "@": e-mail addresses). */
const MENTION_AT_CARET = /(?:^|[^\p{L}\p{N}_@])@([A-Za-z_[\]\\^{}|][A-Za-z0-9_[\]\\^{}|-]*)?$/u;

/** Names that complete `@partial` in a conversation: members (rooms) or the other person, and @room/@here for operators. */
export function mentionCandidates(store: ChatStore, conv: Conv, partial: string): string[] {
  const p = foldName(partial);
  const names = conv.kind === 'room' ? [...conv.members.values()].map((m) => m.name) : [conv.name];
  const out = names.filter((n) => !store.isMe(n) && foldName(n).startsWith(p)).sort((a, b) => foldName(a).localeCompare(foldName(b)));
  const role = store.myRole(conv);
  if (conv.kind === 'room' && (role === 'owner' || role === 'op')) for (const x of ['room', 'here']) if (x.startsWith(p)) out.push(x);
  return out.slice(0, MAX_SUGGESTIONS);
}

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
  /** The @mention being completed: where its "@" is, the suggestions, the highlighted one. */
  const [suggest, setSuggest] = useState<{ at: number; names: string[]; active: number } | undefined>(undefined);

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

  const findMention = (v: string): void => {
    const el = field.current;
    const caret = el ? el.selectionStart : v.length;
    const m = MENTION_AT_CARET.exec(v.slice(0, caret));
    if (!m) {
      setSuggest(undefined);
      return;
    }
    const names = mentionCandidates(store, store.currentConv ?? conv, m[1] ?? '');
    setSuggest(names.length ? { at: caret - (m[1] ?? '').length - 1, names, active: 0 } : undefined);
  };

  const pick = (name: string): void => {
    const el = field.current;
    if (!suggest || !el) return;
    const caret = el.selectionStart;
    const v = `${text.slice(0, suggest.at)}@${name} ${text.slice(caret)}`;
    update(v);
    setSuggest(undefined);
    const at = suggest.at + name.length + 2;
    requestAnimationFrame(() => { el.focus(); el.setSelectionRange(at, at); });
  };

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
    if (runSlash(store, target, text, { openUsers: onUsers }) === 'send') {
      store.sendTo(target, text.startsWith('//') ? text.slice(1) : text, target.replyTo);
      target.replyTo = undefined;
    }
    setSuggest(undefined);
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
    if (suggest && !e.isComposing) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const n = suggest.names.length;
        setSuggest({ ...suggest, active: (suggest.active + (e.key === 'ArrowDown' ? 1 : -1) + n) % n });
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(suggest.names[suggest.active]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        setSuggest(undefined);
        return;
      }
    }
    if (e.key === 'Escape' && conv.replyTo !== undefined) {
      conv.replyTo = undefined;
      store.changed();
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };

  const over = text.length > LIMITS.textMaxLength;
  const replying = conv.replyTo !== undefined ? findMsg(conv, conv.replyTo)?.msg : undefined;
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
        {replying && (
          <div class="replying" role="note">
            <span>Replying to <strong dir="auto">{replying.from}</strong>: <span dir="auto">{preview(replying, 60)}</span></span>
            <button type="button" class="small-btn" aria-label="Cancel reply" onClick={() => { conv.replyTo = undefined; store.changed(); field.current?.focus(); }}>Cancel</button>
          </div>
        )}
        {suggest && (
          <ul class="suggestions" id="mention-suggestions" role="listbox" aria-label="People to mention">
            {suggest.names.map((n, i) => (
              <li key={n} id={`mention-opt-${i}`} role="option" aria-selected={i === suggest.active} class={i === suggest.active ? 'active' : ''}
                onMouseDown={(e) => { e.preventDefault(); pick(n); }}>@{n}</li>
            ))}
          </ul>
        )}
        <textarea
          ref={field} id="composer-field" aria-label="Message" rows={1} value={text} placeholder={`Message ${conv.name}`}
          aria-describedby="composer-hint" aria-invalid={over ? true : undefined}
          aria-autocomplete="list" aria-controls={suggest ? 'mention-suggestions' : undefined}
          aria-activedescendant={suggest ? `mention-opt-${suggest.active}` : undefined}
          onInput={(e) => { update(e.currentTarget.value); findMention(e.currentTarget.value); }} onKeyDown={onKeyDown}
          onBlur={() => setSuggest(undefined)}
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
