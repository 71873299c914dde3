import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { foldName } from '../../protocol/index.ts';
import { dayKey, dayLabel } from '../lib/time.ts';
import { fillGap, loadOlder } from '../state/history.ts';
import type { ChatStore } from '../state/store.ts';
import type { Conv, Item } from '../state/types.ts';
import { DownIcon } from './icons.tsx';
import { MessageRow } from './MessageRow.tsx';
import { rowFeatures, useRowActions } from './MessageFeatures.tsx';

/**
 * The conversation, windowed: only the newest PAGE items are in the DOM, and older pages are
 * added as the reader scrolls up (the scroll position is kept). A room with 10,000 messages
 * therefore renders a few hundred rows, and a new message re-renders one memoised row.
 */
const PAGE = 150;
/** Messages from the same sender within this time are grouped under one header. */
const GROUP_MS = 5 * 60_000;
const NEAR_PX = 80;

function sender(it: Item | undefined): string | undefined {
  return it?.kind === 'msg' && !it.failed && it.msg.kind !== 'action' ? foldName(it.msg.from) : undefined;
}
function tsOf(it: Item): number {
  return it.kind === 'msg' ? it.msg.ts : it.ts;
}

/** How long a search hit stays highlighted. */
const HIGHLIGHT_MS = 4000;

export function MessageList({ store, conv, me, length }: { store: ChatStore; conv: Conv; me: string; length: number }) {
  const [limit, setLimit] = useState(PAGE);
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [showJump, setShowJump] = useState(false);
  /** scrollHeight before older items were added at the top, to keep the view still. */
  const growFrom = useRef<number | undefined>(undefined);

  useEffect(() => {
    setLimit(PAGE);
    atBottom.current = true;
    setShowJump(false);
  }, [conv.key]);

  const items = conv.items;
  const start = Math.max(0, items.length - limit);
  const meFolded = foldName(me);

  // A search hit: render enough rows to include it, scroll it into view, highlight it a while.
  const hit = conv.highlight;
  const hitIndex = hit ? items.findIndex((it) => it.key === hit) : -1;
  if (hitIndex >= 0 && hitIndex < start) setLimit(items.length - hitIndex + 20);
  useLayoutEffect(() => {
    if (!hit || hitIndex < start) return;
    const row = ref.current?.querySelector<HTMLElement>(`li[data-key="${CSS.escape(hit)}"]`);
    if (!row) return;
    atBottom.current = false;
    row.scrollIntoView({ block: 'center' });
    const t = setTimeout(() => {
      if (conv.highlight === hit) {
        conv.highlight = undefined;
        store.changed();
      }
    }, HIGHLIGHT_MS);
    return () => clearTimeout(t);
  }, [hit, hitIndex >= start]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (hit) return;
    if (growFrom.current !== undefined) {
      el.scrollTop += el.scrollHeight - growFrom.current;
      growFrom.current = undefined;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  });

  const onScroll = (): void => {
    const el = ref.current;
    if (!el) return;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_PX;
    atBottom.current = bottom;
    setShowJump(!bottom);
    if (el.scrollTop < NEAR_PX * 3 && start > 0 && growFrom.current === undefined) {
      growFrom.current = el.scrollHeight;
      setLimit((l) => l + PAGE);
    } else if (el.scrollTop < NEAR_PX * 3 && start === 0 && conv.hasOlder && !conv.loading && growFrom.current === undefined) {
      // Everything here is shown: ask the server for the page before it.
      const from = el.scrollHeight;
      void loadOlder(store, conv).then((n) => {
        if (n > 0) {
          growFrom.current = from;
          setLimit((l) => l + n);
        }
      });
    } else if (bottom && limit > PAGE) {
      // Back at the newest messages: drop the extra pages again to keep the DOM small.
      setLimit(PAGE);
    }
  };

  const jump = (): void => {
    atBottom.current = true;
    setShowJump(false);
    setLimit(PAGE);
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  // Stable per conversation, so that memoised rows do not re-render for it.
  const act = useCallback((it: Item): void => {
    if (it.kind === 'gap') void fillGap(store, conv, it.key);
    else if (it.kind === 'invite') store.joinRoom(it.room).catch((err: unknown) => store.error(conv, (err as Error).message));
  }, [store, conv]);

  const actions = useRowActions(store, conv);

  // ↑/↓ in the log move between messages (each shows its actions while focused; Tab reaches them).
  const onKeyDown = (e: KeyboardEvent): void => {
    if ((e.key !== 'ArrowUp' && e.key !== 'ArrowDown') || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target as HTMLElement;
    if (t !== ref.current && !t.matches('.msg[data-id]')) return;
    const rowsEl = [...(ref.current?.querySelectorAll<HTMLElement>('.msg[data-id]') ?? [])];
    if (rowsEl.length === 0) return;
    const i = rowsEl.indexOf(t);
    const next = i < 0 ? rowsEl[e.key === 'ArrowUp' ? rowsEl.length - 1 : 0] : rowsEl[i + (e.key === 'ArrowUp' ? -1 : 1)];
    if (!next) return;
    e.preventDefault();
    next.focus();
    next.scrollIntoView({ block: 'nearest' });
  };

  const rows = [];
  // Room operators may revoke the links of anyone's files (the server decides; this only shows the button).
  const role = conv.kind === 'room' ? store.myRole(conv) : undefined;
  const operator = role === 'owner' || role === 'op';
  for (let i = start; i < items.length; i++) {
    const it = items[i]!;
    const prev = i > 0 ? items[i - 1] : undefined;
    const ts = tsOf(it);
    const newDay = !prev || dayKey(tsOf(prev)) !== dayKey(ts);
    const from = sender(it);
    const grouped = !newDay && from !== undefined && from === sender(prev) && prev !== undefined && ts - tsOf(prev) < GROUP_MS;
    rows.push(
      <MessageRow key={it.key} item={it} me={me} grouped={grouped && it.key !== conv.newFrom} mine={from === meFolded} day={newDay ? dayLabel(ts) : undefined}
        fresh={it.key === conv.newFrom} hit={it.key === hit} act={act} actions={actions} features={rowFeatures(store, conv, it)} operator={operator} />,
    );
  }

  return (
    // The scroller is the log (focusable, so that the keyboard scrolls it). It is not a live
    // region: history pages and bursts would be read out row by row; LiveRegion announces.
    <div class="scroller" ref={ref} onScroll={onScroll} onKeyDown={onKeyDown} role="log" aria-label={`Conversation in ${conv.name}`} aria-live="off" tabIndex={0}>
      <ol class="messages" data-count={length}>
        {start > 0 && <li class="older muted">Scroll up for older messages ({start} more)</li>}
        {start === 0 && conv.hasOlder && (
          <li class="older muted">
            {conv.loading ? 'Loading older messages…' : <>Scroll up for older messages or <button type="button" class="link-btn" onClick={() => void loadOlder(store, conv)}>load them</button></>}
          </li>
        )}
        {start === 0 && !conv.hasOlder && (
          <li class="conv-start">
            <h2>{conv.kind === 'room' ? `Welcome to ${conv.name}` : `Your conversation with ${conv.name}`}</h2>
            <p class="muted">{conv.kind === 'room' ? (conv.topic || 'This is the start of the room.') : 'Only the two of you can see these messages.'}</p>
          </li>
        )}
        {rows}
      </ol>
      {showJump && (
        <button type="button" class="jump" onClick={jump}><DownIcon /> Jump to latest</button>
      )}
    </div>
  );
}
