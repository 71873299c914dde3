/** Conversation keys and item lists, shared by the store and its event handlers. */
import { foldName } from '../../protocol/index.ts';
import type { ChatMessage } from '../../protocol/index.ts';
import type { Conv, Item } from './types.ts';

/** Items kept per conversation; older ones are dropped (bounds memory in long sessions). */
export const MAX_ITEMS_PER_CONV = 20_000;

let localSeq = 0;
/** A key for items that exist only in this window (notices, calculator results, pending messages). */
export const localKey = (): string => `local-${++localSeq}`;

export function roomKey(name: string): string {
  return foldName(name);
}

export function dmKey(name: string): string {
  return `@${foldName(name)}`;
}

export function newConv(key: string, kind: 'room' | 'dm', name: string): Conv {
  return { key, kind, name, items: [], ids: new Set(), unread: 0, mentions: 0, topic: '', members: new Map(), memberCount: 0, membersNext: undefined, joined: true, typing: new Map(), lastTs: 0, newFrom: undefined, hasOlder: undefined, readSeq: 0, loading: false, highlight: undefined };
}

export function pushItem(conv: Conv, item: Item): void {
  conv.items.push(item);
  if (conv.items.length > MAX_ITEMS_PER_CONV) {
    const dropped = conv.items.splice(0, conv.items.length - MAX_ITEMS_PER_CONV);
    for (const d of dropped) if (d.kind === 'msg') conv.ids.delete(d.msg.id);
  }
}

/** Replaces `old` with `next` in place, or removes it when `next` is undefined. */
export function replaceItem(conv: Conv, old: Item, next: Item | undefined): void {
  const i = conv.items.indexOf(old);
  if (i < 0) return;
  if (next) conv.items[i] = next;
  else conv.items.splice(i, 1);
}

export function eventItem(text: string): Item {
  return { kind: 'event', key: localKey(), ts: Date.now(), text };
}

/** The key of the oldest of the `conv.unread` newest messages from others. */
export function firstUnreadKey(conv: Conv, isMe: (name: string) => boolean): string | undefined {
  let n = conv.unread;
  if (n <= 0) return undefined;
  for (let i = conv.items.length - 1; i >= 0; i--) {
    const it = conv.items[i]!;
    if (it.kind === 'msg' && !isMe(it.msg.from) && --n === 0) return it.key;
  }
  return undefined;
}

/** Lowest server seq among the messages shown (undefined when none came from the server yet). */
export function oldestSeq(conv: Conv): number | undefined {
  for (const it of conv.items) if (it.kind === 'msg' && it.msg.seq > 0) return it.msg.seq;
  return undefined;
}

/**
 * Merges messages from the server's history into the list, ordered by seq, each once:
 * messages older than everything shown go first, others before the first shown message
 * with a higher seq (local items such as notices stay where they are). Returns how many were added.
 */
export function mergeMessages(conv: Conv, msgs: readonly ChatMessage[]): number {
  const fresh = msgs.filter((m) => !conv.ids.has(m.id));
  if (fresh.length === 0) return 0;
  for (const m of fresh) conv.ids.add(m.id);
  const oldest = oldestSeq(conv);
  const items = conv.items;
  if (oldest === undefined || fresh.at(-1)!.seq < oldest) {
    // The common cases: a first load, or an older page. Before the first message (at the
    // top when there is none: it was all said before the local lines, e.g. "bob joined",
    // that this window added).
    const at = oldest === undefined ? items.findIndex((it) => it.kind === 'msg') : items.findIndex((it) => it.kind === 'msg' && it.msg.seq > 0);
    items.splice(at < 0 ? 0 : at, 0, ...fresh.map((m): Item => ({ kind: 'msg', key: m.id, msg: m })));
  } else {
    for (const m of fresh) {
      const at = items.findIndex((it) => it.kind === 'msg' && it.msg.seq > m.seq);
      const item: Item = { kind: 'msg', key: m.id, msg: m };
      if (at < 0) items.push(item);
      else items.splice(at, 0, item);
    }
  }
  const last = fresh.at(-1)!;
  if (last.ts > conv.lastTs) conv.lastTs = last.ts;
  if (items.length > MAX_ITEMS_PER_CONV) {
    const dropped = items.splice(0, items.length - MAX_ITEMS_PER_CONV);
    for (const d of dropped) if (d.kind === 'msg') conv.ids.delete(d.msg.id);
  }
  return fresh.length;
}
