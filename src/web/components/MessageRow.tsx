import { memo } from 'preact/compat';
import { fullTime, shortTime } from '../lib/time.ts';
import { mentions } from '../lib/richtext.ts';
import type { Item } from '../state/types.ts';
import { Avatar } from './Avatar.tsx';
import { Attachments } from './Attachments.tsx';
import { RichText } from './RichText.tsx';
import { CalcIcon, LockIcon } from './icons.tsx';

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
  /** I operate this room: I may revoke the links of anyone's files in it. */
  operator?: boolean;
}

function Time({ ts }: { ts: number }) {
  return <time dateTime={new Date(ts).toISOString()} title={fullTime(ts)}>{shortTime(ts)}</time>;
}

function Body({ item, me, grouped, mine, act, operator }: RowProps) {
  switch (item.kind) {
    case 'msg': {
      const { msg } = item;
      if (msg.kind === 'action') {
        return <div class="event action" data-from={msg.from}><span class="text" dir="auto">* {msg.from} <RichText text={msg.text} me={me} /></span> <Time ts={msg.ts} /></div>;
      }
      const hl = !mine && mentions(msg.text, me);
      const cls = `msg${msg.kind === 'notice' ? ' msg-notice' : ''}${grouped ? ' grouped' : ''}${mine ? ' mine' : ''}${hl ? ' mentioned' : ''}${item.pending ? ' pending' : ''}${item.failed ? ' failed' : ''}`;
      return (
        <div class={cls} data-from={msg.from}>
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
            {msg.text !== '' && <div class="text" dir="auto"><RichText text={msg.text} me={me} /></div>}
            {msg.files && msg.files.length > 0 && <Attachments files={msg.files} canRevoke={mine || operator === true} />}
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

/** One row of the conversation; memoised so that a new message re-renders only itself. */
export const MessageRow = memo(function MessageRow(props: RowProps) {
  return (
    <li class={`row${props.hit ? ' hit' : ''}`} data-key={props.item.key}>
      {props.day && <div class="day-divider" role="separator"><span>{props.day}</span></div>}
      {props.fresh && <div class="new-divider" role="separator" aria-label="New messages"><span>New</span></div>}
      <Body {...props} />
    </li>
  );
});
