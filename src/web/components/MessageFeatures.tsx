/**
 * The message features' UI around the rows (docs/web.md, "Message actions"): the row actions
 * of a conversation, the reaction picker, the delete confirmation, the thread panel and the
 * mentions view.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import { plainText, type ChatMessage } from '../../protocol/index.ts';
import { canDelete, canEdit, closeThread, deleteMessage, editMessage, loadMentions, openThread, textMentionsMe, REACTIONS, reactedByMe, toggleReaction } from '../state/features.ts';
import { findMsg } from '../state/conv.ts';
import { jumpTo } from '../state/history.ts';
import type { ChatStore } from '../state/store.ts';
import type { Conv, Item } from '../state/types.ts';
import { Dialog } from './Dialog.tsx';
import { CloseIcon } from './icons.tsx';
import { MessageRow, type RowActions, type RowFeatures } from './MessageRow.tsx';
import { shortTime } from '../lib/time.ts';

/** The first line of a message as plain text, for quotes and previews. */
export function preview(msg: ChatMessage, max = 80): string {
  if (msg.deleted) return 'message deleted';
  const line = plainText(msg.text).split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Row actions for one conversation (stable while the conversation is the same). */
export function useRowActions(store: ChatStore, conv: Conv): RowActions {
  return useMemo<RowActions>(() => ({
    reply(msg) {
      conv.replyTo = msg.id;
      store.changed();
      document.getElementById('composer-field')?.focus();
    },
    thread(msg) { void openThread(store, conv, msg); },
    pickReaction(msg) {
      store.picker = { conv, msg };
      store.changed();
    },
    toggleReaction(msg, emoji) { void toggleReaction(store, conv, msg, emoji); },
    edit(msg) {
      store.editing = msg.id;
      store.changed();
    },
    async saveEdit(msg, text) {
      const ok = await editMessage(store, conv, msg, text);
      if (ok && store.editing === msg.id) {
        store.editing = undefined;
        store.changed();
        document.querySelector<HTMLElement>(`[data-id="${CSS.escape(msg.id)}"]`)?.focus();
      }
      return ok;
    },
    cancelEdit() {
      const id = store.editing;
      store.editing = undefined;
      store.changed();
      if (id) setTimeout(() => document.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"]`)?.focus(), 0);
    },
    remove(msg) {
      store.confirmDelete = { conv, msg };
      store.changed();
    },
    show(id) {
      if (findMsg(conv, id)) {
        conv.highlight = id;
        store.changed();
      }
    },
  }), [store, conv]);
}

/** What a row shows besides its message (primitives; see RowFeatures). */
export function rowFeatures(store: ChatStore, conv: Conv, it: Item, inThread = false): RowFeatures | undefined {
  if (it.kind !== 'msg') return undefined;
  const msg = it.msg;
  const f: RowFeatures = { forMe: !store.isMe(msg.from) && textMentionsMe(store, msg) };
  if (inThread) f.inThread = true;
  if (canEdit(store, msg)) f.canEdit = true;
  if (canDelete(store, conv, msg)) f.canDelete = true;
  if (store.editing === msg.id) f.editing = true;
  if (msg.replyTo !== undefined) {
    const q = findMsg(conv, msg.replyTo)?.msg ?? (store.thread?.root.id === msg.replyTo ? store.thread.root : store.thread?.replies.find((r) => r.id === msg.replyTo));
    if (q) {
      f.quoteFrom = q.from;
      f.quoteText = preview(q);
    }
  }
  const unread = conv.threadUnread.get(msg.id);
  if (unread) f.threadUnread = unread;
  return f;
}

/** The reaction picker: a small built-in set, one button each, arrow keys move between them. */
export function ReactionPicker({ store }: { store: ChatStore }) {
  const p = store.picker;
  const grid = useRef<HTMLDivElement>(null);
  if (!p) return null;
  const close = (): void => {
    store.picker = undefined;
    store.changed();
  };
  const onKey = (e: KeyboardEvent): void => {
    const dir = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
    if (!dir) return;
    const all = [...(grid.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
    const i = all.indexOf(document.activeElement as HTMLButtonElement);
    all[(i + dir + all.length) % all.length]?.focus();
    e.preventDefault();
  };
  return (
    <Dialog id="reaction-picker" title="Add a reaction" onClose={close}>
      <div class="picker" ref={grid} role="group" aria-label="Emoji" onKeyDown={onKey}>
        {REACTIONS.map((r) => {
          const on = reactedByMe(store, p.msg, r.emoji);
          return (
            <button key={r.emoji} type="button" class={`picker-emoji${on ? ' mine' : ''}`} aria-pressed={on} aria-label={r.name} title={r.name}
              onClick={() => { void toggleReaction(store, p.conv, p.msg, r.emoji); close(); }}>{r.emoji}</button>
          );
        })}
      </div>
    </Dialog>
  );
}

export function DeleteDialog({ store }: { store: ChatStore }) {
  const d = store.confirmDelete;
  if (!d) return null;
  const close = (): void => {
    store.confirmDelete = undefined;
    store.changed();
  };
  return (
    <Dialog id="delete-message" title="Delete this message?" onClose={close}>
      <p class="muted">{store.isMe(d.msg.from) ? 'Your message' : `${d.msg.from}’s message`} will be replaced by “message deleted” for everyone: “{preview(d.msg)}”</p>
      <div class="dialog-actions">
        <button type="button" class="secondary" onClick={close}>Cancel</button>
        <button type="button" class="primary danger" onClick={() => { void deleteMessage(store, d.conv, d.msg); close(); }}>Delete</button>
      </div>
    </Dialog>
  );
}

/** The thread panel: the root and its replies, with a composer that replies in the thread. */
export function ThreadPanel({ store }: { store: ChatStore }) {
  const t = store.thread;
  const [text, setText] = useState('');
  const actions = useRowActions(store, t?.conv ?? store.lobby());
  if (!t) return null;
  const send = (): void => {
    if (!text.trim()) return;
    store.sendTo(t.conv, text, t.root.id);
    setText('');
  };
  const items: Item[] = [t.root, ...t.replies].map((m) => ({ kind: 'msg', key: m.id, msg: m }));
  return (
    <aside class="thread-panel" aria-label="Thread">
      <header class="thread-head">
        <h2>Thread <span class="muted">in {t.conv.name}</span></h2>
        <button type="button" class="icon-btn" aria-label="Close thread" onClick={() => closeThread(store)}><CloseIcon /></button>
      </header>
      <ol class="messages thread-messages" aria-label={`Replies to ${t.root.from}`}>
        {items.map((it, i) => (
          <MessageRow key={it.key} item={it} me={store.me} grouped={false} mine={it.kind === 'msg' && store.isMe(it.msg.from)} day={undefined}
            actions={actions} features={rowFeatures(store, t.conv, it, true)} {...(i === 1 ? { fresh: false } : {})} />
        ))}
        {t.loading && <li class="muted older">Loading replies…</li>}
        {t.error && <li class="event error" role="alert">{t.error}</li>}
        {!t.loading && t.replies.length === 0 && <li class="muted older">No replies yet.</li>}
      </ol>
      <form class="thread-composer" onSubmit={(e) => { e.preventDefault(); send(); }}>
        <textarea class="thread-field" aria-label="Reply in thread" placeholder="Reply in thread…" rows={2} value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); } }} />
        <button type="submit" class="primary">Reply</button>
      </form>
    </aside>
  );
}

/** The mentions view: messages that mention me, newest first; picking one opens it. */
export function MentionsDialog({ store }: { store: ChatStore }) {
  const close = (): void => {
    store.mentionsOpen = false;
    store.changed();
  };
  const list = store.mentionList;
  return (
    <Dialog id="mentions" title="Mentions" onClose={close}>
      {store.mentionError && <p class="error" role="alert">{store.mentionError}</p>}
      {!list && !store.mentionError && <p class="muted">Loading…</p>}
      {list && list.length === 0 && <p class="muted">Nobody has mentioned you yet.</p>}
      {list && list.length > 0 && (
        <ul class="results mention-results" aria-label="Messages that mention you">
          {list.map((m) => (
            <li key={m.id}>
              <button type="button" class="result" onClick={() => { close(); void jumpTo(store, m); }}>
                <span class="result-head"><strong dir="auto">{m.from}</strong> in {m.to.startsWith('#') ? m.to : 'a direct message'} · {shortTime(m.ts)}</span>
                <span class="result-text" dir="auto">{preview(m, 200)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}

/** Opens the mentions view and loads it. */
export function openMentions(store: ChatStore): void {
  store.mentionsOpen = true;
  void loadMentions(store);
}
