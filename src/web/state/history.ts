/**
 * Server history in the web client: the recent messages of a conversation when it is
 * opened, older pages on demand, gaps after a long disconnect, read marks, unread counts
 * from the login, search and jumping to a hit.
 */
import { RequestError } from '../../client/client.ts';
import { type ChatMessage, type UnreadInfo } from '../../protocol/index.ts';
import { describeError } from '../lib/errors.ts';
import { dmKey, eventItem, localKey, mergeMessages, oldestSeq, pushItem, roomKey } from './conv.ts';
import type { ChatStore } from './store.ts';
import type { Conv } from './types.ts';

/** Messages asked for per older page (the server's `history.pageMax` is 200). */
export const HISTORY_PAGE = 100;
/** Older pages fetched at most to reach a search hit before loading the hit's surroundings instead. */
export const JUMP_MAX_PAGES = 5;
/** Search results asked for. */
export const SEARCH_LIMIT = 50;

/** Merges a reply's messages; `initial`: the newest messages (fewer than asked means there is nothing older). */
export function mergeReply(conv: Conv, msgs: readonly ChatMessage[], initial: boolean, asked = 50): number {
  const n = mergeMessages(conv, msgs);
  if (initial && conv.hasOlder === undefined) conv.hasOlder = msgs.length >= asked;
  return n;
}

/** The history request target of a conversation: "#room" or the other person's name. */
function target(conv: Conv): string {
  return conv.name;
}

/** Loads the newest messages of a conversation (rooms: any member; DMs: registered users). */
export async function loadHistory(store: ChatStore, conv: Conv): Promise<void> {
  const c = store.client;
  if (!c || conv.loading) return;
  conv.loading = true;
  try {
    const r = await c.history(target(conv), { limit: HISTORY_PAGE });
    mergeReply(conv, r.messages, true, HISTORY_PAGE);
    conv.hasOlder ??= r.messages.length >= HISTORY_PAGE;
    if (store.current === conv.key && !store.isHidden()) markRead(store, conv);
  } catch (err) {
    // NOT_REGISTERED (a guest's DM) and NOT_IN_ROOM mean there is nothing to show.
    if (!(err instanceof RequestError && (err.code === 'NOT_REGISTERED' || err.code === 'NOT_IN_ROOM'))) pushItem(conv, eventItem(`Could not load the history: ${describeError(err)}`));
    conv.hasOlder = false;
  } finally {
    conv.loading = false;
    store.changed();
  }
}

/** Loads the page before the oldest message shown; resolves to how many were added. */
export async function loadOlder(store: ChatStore, conv: Conv): Promise<number> {
  const c = store.client;
  const before = oldestSeq(conv);
  if (!c || conv.loading || conv.hasOlder === false || before === undefined) return 0;
  conv.loading = true;
  store.changed();
  try {
    const r = await c.history(target(conv), { before, limit: HISTORY_PAGE });
    conv.hasOlder = r.messages.length >= HISTORY_PAGE;
    return mergeMessages(conv, r.messages);
  } catch {
    return 0;
  } finally {
    conv.loading = false;
    store.changed();
  }
}

/** Fills a gap the server reported after a reconnect; the marker goes when nothing is missing any more. */
export async function fillGap(store: ChatStore, conv: Conv, key: string): Promise<void> {
  const c = store.client;
  const i = conv.items.findIndex((it) => it.key === key);
  const gap = conv.items[i];
  if (!c || !gap || gap.kind !== 'gap') return;
  try {
    const r = await c.history(target(conv), { before: gap.before, limit: 200 });
    // Known messages below the gap: once the page reaches one of them, the gap is closed.
    let below = 0;
    for (const it of conv.items.slice(0, i)) if (it.kind === 'msg' && it.msg.seq > 0 && it.msg.seq < gap.before) below = Math.max(below, it.msg.seq);
    const reached = r.messages.length < 200 || (r.messages[0]?.seq ?? 0) <= below + 1;
    const first = r.messages[0];
    conv.items.splice(conv.items.indexOf(gap), 1);
    mergeMessages(conv, r.messages.filter((m) => m.seq > below));
    if (!reached && first) {
      const at = conv.items.findIndex((it) => it.kind === 'msg' && it.msg.id === first.id);
      conv.items.splice(at < 0 ? 0 : at, 0, { ...gap, key: localKey(), before: first.seq });
    }
  } catch (err) {
    pushItem(conv, eventItem(`Could not load the missed messages: ${describeError(err)}`));
  }
  store.changed();
}

/** The server resent only the newest of what was missed in `to`: mark where messages are missing. */
export function noteGap(store: ChatStore, to: string, oldest: number): void {
  const conv = store.convs.get(to.startsWith('#') ? roomKey(to) : dmKey(to));
  if (!conv) return;
  conv.items.push({ kind: 'gap', key: localKey(), ts: Date.now(), before: oldest });
  store.changed();
}

/** Unread direct messages reported by the login (registered users; the messages came with it). */
export function applyUnread(store: ChatStore, unread: readonly UnreadInfo[]): void {
  for (const u of unread) {
    const conv = store.ensureConv(dmKey(u.to), 'dm', u.to);
    conv.joined = true;
    conv.unread = u.count;
    conv.mentions = u.count;
    if (conv.hasOlder === undefined) void loadHistory(store, conv);
  }
}

/**
 * Tells the server the newest message of a conversation has been seen (registered users:
 * the mark belongs to the account, so the next session on any device starts from it).
 */
export function markRead(store: ChatStore, conv: Conv): void {
  const c = store.client;
  if (!c || !store.registered || c.status !== 'online') return;
  let seq = 0;
  for (let i = conv.items.length - 1; i >= 0 && !seq; i--) {
    const it = conv.items[i]!;
    if (it.kind === 'msg' && it.msg.seq > 0) seq = it.msg.seq;
  }
  if (seq > conv.readSeq) {
    conv.readSeq = seq;
    c.markRead(conv.name, seq).catch(() => { conv.readSeq = 0; });
  }
}

/** Where a search hit lives: the room, or the other person of a direct message. */
export function convOfHit(store: ChatStore, msg: ChatMessage): { kind: 'room' | 'dm'; name: string } {
  if (msg.to.startsWith('#')) return { kind: 'room', name: msg.to };
  return { kind: 'dm', name: store.isMe(msg.from) ? msg.to : msg.from };
}

/** Searches the conversations this user can see; throws a readable error. */
export async function search(store: ChatStore, query: string): Promise<ChatMessage[]> {
  const c = store.client;
  if (!c) return [];
  try {
    return (await c.search(query, SEARCH_LIMIT)).results;
  } catch (err) {
    throw new Error(describeError(err), { cause: err });
  }
}

/**
 * Opens the conversation of a search hit and highlights the message: pages back until it
 * is loaded, or (when it is far back) loads the messages around it below a gap marker.
 */
export async function jumpTo(store: ChatStore, msg: ChatMessage): Promise<void> {
  const where = convOfHit(store, msg);
  let conv: Conv;
  if (where.kind === 'dm') conv = store.openDm(where.name);
  else {
    conv = store.ensureConv(roomKey(where.name), 'room', where.name);
    store.select(conv.key);
  }
  for (let i = 0; i < JUMP_MAX_PAGES && !conv.ids.has(msg.id); i++) {
    if (conv.loading) await waitIdle(conv);
    const oldest = oldestSeq(conv);
    if (oldest !== undefined && oldest < msg.seq) break;
    if (conv.hasOlder === false) break;
    if (oldest === undefined) await loadHistory(store, conv);
    else if (await loadOlder(store, conv) === 0) break;
  }
  if (!conv.ids.has(msg.id) && store.client) {
    try {
      const r = await store.client.history(where.name, { after: Math.max(0, msg.seq - 20), limit: 50 });
      const above = oldestSeq(conv);
      mergeMessages(conv, r.messages);
      const first = r.messages[0];
      if (first && above !== undefined && first.seq < above) {
        // What lies between the loaded surroundings and the newer messages stays loadable.
        const last = r.messages.at(-1)!;
        const at = conv.items.findIndex((it) => it.kind === 'msg' && it.msg.seq > last.seq);
        if (at >= 0) conv.items.splice(at, 0, { kind: 'gap', key: localKey(), ts: last.ts, before: (conv.items[at] as { msg: ChatMessage }).msg.seq });
      }
    } catch (err) {
      store.error(conv, describeError(err));
      return;
    }
  }
  conv.highlight = msg.id;
  store.changed();
}

function waitIdle(conv: Conv): Promise<void> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (!conv.loading) {
        clearInterval(t);
        resolve();
      }
    }, 20);
  });
}
