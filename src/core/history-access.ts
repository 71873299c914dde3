/**
 * Who may read which conversation's history: a room's members, and the two people of a
 * private conversation. Transports page through history with this instead of calling the
 * MessageStore directly, so the permission rule lives in one place.
 */
import { foldName, isRoomName, type ChatMessage } from '../protocol/index.ts';
import type { ChatCore } from './chat.ts';
import { convKey } from './conv.ts';
import { ChatError } from './errors.ts';
import type { HistoryQuery } from './ports.ts';

export interface HistoryReader {
  /** Ascending by seq, per the MessageStore contract. */
  page(q: HistoryQuery): Promise<ChatMessage[]>;
}

/** A reader for `target` ("#room" or a user name) as seen by the user `me` (folded name). */
export function historyReader(core: ChatCore, me: string, target: string): HistoryReader {
  const user = core.dir.users.get(foldName(me));
  if (!user) throw new ChatError('NOT_LOGGED_IN');
  let conv: string;
  if (target.startsWith('#')) {
    if (!isRoomName(target)) throw new ChatError('ROOM_INVALID', `invalid room name "${target}"`);
    const room = core.dir.room(target);
    if (!room) throw new ChatError('NO_SUCH_ROOM', `no room ${target}`);
    if (!room.members.has(user.folded)) throw new ChatError('NOT_IN_ROOM', `you are not in ${room.name}`);
    conv = convKey(user.name, room.name);
  } else {
    conv = convKey(user.name, target);
  }
  return { page: (q) => core.deps.store.history(conv, q) };
}
