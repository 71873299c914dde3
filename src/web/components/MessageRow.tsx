import { memo } from 'preact/compat';
import { useEffect, useRef, useState } from 'preact/hooks';
import { foldName, type ChatMessage } from '../../protocol/index.ts';
import { fullTime, shortTime } from '../lib/time.ts';
import type { Item } from '../state/types.ts';
import { Avatar } from './Avatar.tsx';
import { Attachments } from './Attachments.tsx';
import { Markdown, RichText } from './RichText.tsx';
import { CalcIcon, EditIcon, LockIcon, ReplyIcon, SmileIcon, ThreadIcon, TrashIcon } from './icons.tsx';

/** What a message row's controls do (MessageList and the thread panel; stable per conversation). */
export interface RowActions {
  reply(msg: ChatMessage): void;
  thread(msg: ChatMessage): void;
  pickReaction(msg: ChatMessage): void;
  toggleReaction(msg: ChatMessage, emoji: string): void;
  edit(msg: ChatMessage): void;
  saveEdit(msg: ChatMessage, text: string): Promise<boolean>;
  cancelEdit(): void;
  remove(msg: ChatMessage): void;
  /** Shows a message of the conversation (a reply quote's original). */
  show(id: string): void;
}

/** What a message row may offer and shows besides the message (primitives, so the row stays memoised). */
export interface RowFeatures {
  canEdit?: boolean;
  canDelete?: boolean;
  editing?: boolean;
  /** Whether the message is for me (mentions me, `@room`): highlighted. */
  forMe?: boolean;
  /** The message this one replies to: its author and first line ("" when not loaded). */
  quoteFrom?: string;
  quoteText?: string;
  /** Unread replies in this message's thread. */
  threadUnread?: number;
  /** In the thread panel: no thread link or reply-in-thread. */
  inThread?: boolean;
}

interface RowProps {
  item: Item;
  me: string;
  /** Continues a run of messages from the same sender: no avatar or name. */
  grouped: boolean;
  mine: boolean;
  day: string | undefined;
  /** The first message that was unread when the conversation was opened. */
  fresh?: boolean;
  /** A search hit jumped to: highlighted. */
  hit?: boolean;
  /** Runs an item's button (load a gap, join an invitation's room). */
  act?: (item: Item) => void;
  actions?: RowActions;
  features?: RowFeatures;
  /** I operate this room: I may revoke the links of anyone's files in it. */
  operator?: boolean;
}

function Time({ ts }: { ts: number }) {
  return <time dateTime={new Date(ts).toISOString()} title={fullTime(ts)}>{shortTime(ts)}</time>;
}

/** Hover (and focus) actions of a message. */
function Actions({ msg, actions, f }: { msg: ChatMessage; actions: RowActions; f: RowFeatures }) {
  return (
    <div class="msg-actions" role="group" aria-label="Message actions">
      <button type="button" class="icon-btn" aria-label="Reply" title="Reply" onClick={() => actions.reply(msg)}><ReplyIcon /></button>
      {!f.inThread && <button type="button" class="icon-btn" aria-label="Reply in thread" title="Reply in thread" onClick={() => actions.thread(msg)}><ThreadIcon /></button>}
      <button type="button" class="icon-btn" aria-label="Add reaction" title="Add reaction" aria-haspopup="dialog" onClick={() => actions.pickReaction(msg)}><SmileIcon /></button>
      {f.canEdit && <button type="button" class="icon-btn" aria-label="Edit" title="Edit" onClick={() => actions.edit(msg)}><EditIcon /></button>}
      {f.canDelete && <button type="button" class="icon-btn" aria-label="Delete" title="Delete" aria-haspopup="dialog" onClick={() => actions.remove(msg)}><TrashIcon /></button>}
    </div>
  );
}

/** Reaction chips: the emoji, the count, who reacted (tooltip and name); pressing one toggles mine. */
function Reactions({ msg, me, actions }: { msg: ChatMessage; me: string; actions: RowActions | undefined }) {
  if (!msg.reactions?.length) return null;
  const meF = foldName(me);
  return (
    <div class="reactions" role="group" aria-label="Reactions">
      {msg.reactions.map((r) => {
        const mineR = r.by.some((n) => foldName(n) === meF);
        const who = r.by.length < r.count ? `${r.by.join(', ')} and ${r.count - r.by.length} more` : r.by.join(', ');
        return (
          <button key={r.emoji} type="button" class={`reaction${mineR ? ' mine' : ''}`} aria-pressed={mineR} title={`Reacted with ${r.emoji}: ${who}`}
            aria-label={`${r.emoji} ${r.count}, reacted by ${who}`} onClick={() => actions?.toggleReaction(msg, r.emoji)}>
            <span class="reaction-emoji" aria-hidden="true">{r.emoji}</span> <span class="reaction-count" aria-hidden="true">{r.count}</span>
          </button>
        );
      })}
    </div>
  );
}

/** In-place editing: Enter saves, Shift+Enter is a new line, Escape cancels. */
function EditBox({ msg, actions }: { msg: ChatMessage; actions: RowActions }) {
  const [text, setText] = useState(msg.text);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current;
    el?.focus();
    el?.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const save = (): void => {
    if (busy) return;
    if (text === msg.text || !text.trim()) {
      actions.cancelEdit();
      return;
    }
    setBusy(true);
    void actions.saveEdit(msg, text).then(() => setBusy(false));
  };
  return (
    <div class="edit-box">
      <textarea ref={ref} class="edit-field" aria-label="Edit message" value={text} rows={Math.min(8, text.split('\n').length)}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); actions.cancelEdit(); }
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); save(); }
        }} />
      <div class="edit-hint muted">Enter to save · Esc to cancel
        <button type="button" class="small-btn" onClick={save} disabled={busy}>Save</button>
        <button type="button" class="small-btn" onClick={() => actions.cancelEdit()}>Cancel</button>
      </div>
    </div>
  );
}

function Body({ item, me, grouped, mine, act, actions, features, operator }: RowProps) {
  switch (item.kind) {
    case 'msg': {
      const { msg } = item;
      const f = features ?? {};
      if (msg.kind === 'action' && !msg.deleted) {
        return <div class="event action" data-from={msg.from}><span class="text" dir="auto">* {msg.from} <RichText text={msg.text} me={me} /></span> <Time ts={msg.ts} /></div>;
      }
      const hl = !mine && !msg.deleted && !!f.forMe;
      const cls = `msg${msg.kind === 'notice' ? ' msg-notice' : ''}${grouped ? ' grouped' : ''}${mine ? ' mine' : ''}${hl ? ' mentioned' : ''}${item.pending ? ' pending' : ''}${item.failed ? ' failed' : ''}${msg.deleted ? ' deleted' : ''}`;
      const live = actions && !item.pending && !item.failed && msg.seq > 0 && !msg.deleted;
      return (
        <div class={cls} data-from={msg.from} data-id={msg.seq > 0 ? msg.id : undefined} tabIndex={live ? -1 : undefined}>
          {/* First in the row, so that Tab from a focused message reaches its actions first (shown at its top right). */}
          {live && !f.editing && <Actions msg={msg} actions={actions} f={f} />}
          {grouped ? <span class="gutter"><Time ts={msg.ts} /></span> : <Avatar name={msg.from} />}
          <div class="msg-main">
            {!grouped && (
              <div class="msg-head">
                <span class="author" dir="auto">{msg.from}</span>
                {mine && <span class="you-tag">you</span>}
                {msg.kind === 'notice' && <span class="you-tag">notice</span>}
                <Time ts={msg.ts} />
              </div>
            )}
            {msg.replyTo !== undefined && (
              <button type="button" class="reply-quote" onClick={() => actions?.show(msg.replyTo!)}
                aria-label={f.quoteFrom ? `In reply to ${f.quoteFrom}: ${f.quoteText ?? ''}` : 'In reply to an earlier message'}>
                <ReplyIcon /> {f.quoteFrom ? <><span class="quote-author" dir="auto">{f.quoteFrom}</span> <span class="quote-text" dir="auto">{f.quoteText}</span></> : <span class="quote-text">an earlier message</span>}
              </button>
            )}
            {msg.deleted
              ? <div class="text tombstone">Message deleted</div>
              : f.editing && actions ? <EditBox msg={msg} actions={actions} />
                : msg.text !== '' && <div class="text" dir="auto"><Markdown text={msg.text} me={me} />{msg.editedAt !== undefined && <> <span class="edited" title={`Edited ${fullTime(msg.editedAt)}`}>(edited)</span></>}</div>}
            {!msg.deleted && msg.files && msg.files.length > 0 && <Attachments files={msg.files} canRevoke={mine || operator === true} />}
            {!msg.deleted && <Reactions msg={msg} me={me} actions={actions} />}
            {!f.inThread && (msg.replies ?? 0) > 0 && (
              <button type="button" class={`thread-link${f.threadUnread ? ' unread' : ''}`} onClick={() => actions?.thread(msg)}>
                {msg.replies} {msg.replies === 1 ? 'reply' : 'replies'}{f.threadUnread ? `, ${f.threadUnread} unread` : ''}
              </button>
            )}
            {item.pending && <div class="msg-state">Sending…</div>}
            {item.failed && <div class="msg-state error" role="alert">Not sent: {item.failed}</div>}
          </div>
        </div>
      );
    }
    case 'event':
      return <div class="event"><span dir="auto">{item.text}</span> <Time ts={item.ts} /></div>;
    case 'notice':
      return <div class="notice" role="note"><strong>Server notice</strong> <span class="text" dir="auto">{item.text}</span> <Time ts={item.ts} /></div>;
    case 'gap':
      return (
        <div class="gap" role="note">
          <span>Some messages from while you were away are not shown.</span>
          <button type="button" class="small-btn" onClick={() => act?.(item)}>Load missed messages</button>
        </div>
      );
    case 'invite':
      return (
        <div class="event invite">
          <span>{item.by} invited you to {item.room}</span>
          <button type="button" class="small-btn" onClick={() => act?.(item)}>Join {item.room}</button> <Time ts={item.ts} />
        </div>
      );
    case 'error':
      return <div class="event error" role="alert"><span>{item.text}</span></div>;
    case 'calc':
      return (
        <div class="calc" role="note" aria-label="Calculator result, only visible to you">
          <div class="calc-head"><CalcIcon /> Calculator <span class="private"><LockIcon /> only visible to you</span> <Time ts={item.ts} /></div>
          <div class="calc-body">
            <code class="expr">{item.expr}</code>
            {item.result !== undefined && <> <span class="eq">=</span> <output class="result">{item.result}</output></>}
            {item.error !== undefined && <span class="calc-error"> {item.error}</span>}
            {item.result === undefined && item.error === undefined && <span class="muted"> …</span>}
          </div>
        </div>
      );
  }
}

function sameFeatures(a: RowFeatures | undefined, b: RowFeatures | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const ka = Object.keys(a) as (keyof RowFeatures)[];
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function sameProps(a: RowProps, b: RowProps): boolean {
  for (const k of Object.keys(b) as (keyof RowProps)[]) if (k !== 'features' && a[k] !== b[k]) return false;
  return Object.keys(a).length === Object.keys(b).length && sameFeatures(a.features, b.features);
}

/** One row of the conversation; memoised so that a new message re-renders only itself. */
export const MessageRow = memo(function MessageRow(props: RowProps) {
  return (
    <li class={`row${props.hit ? ' hit' : ''}`} data-key={props.item.key}>
      {props.day && <div class="day-divider" role="separator"><span>{props.day}</span></div>}
      {props.fresh && <div class="new-divider" role="separator" aria-label="New messages"><span>New</span></div>}
      <Body {...props} />
    </li>
  );
}, sameProps);
