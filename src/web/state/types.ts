/** What the web client keeps per conversation. */
import type { ChatMessage, MemberInfo } from '../../protocol/index.ts';

export type Item =
  /** A chat message; `pending` until the server has stored it, `failed` when it refused it. */
  | { kind: 'msg'; key: string; msg: ChatMessage; pending?: boolean; failed?: string }
  /** Joins, parts, topic changes, connection changes. */
  | { kind: 'event'; key: string; ts: number; text: string }
  /** A server-wide notice from an administrator. */
  | { kind: 'notice'; key: string; ts: number; text: string }
  /** A private calculator result, visible only in this window. */
  | { kind: 'calc'; key: string; ts: number; expr: string; result?: string; error?: string }
  /** A request the server refused (shown only to this user). */
  | { kind: 'error'; key: string; ts: number; text: string }
  /** Messages the server did not resend (more were missed than it sends at once); `before` pages back. */
  | { kind: 'gap'; key: string; ts: number; before: number }
  /** An invitation to a room, with a button to join it. */
  | { kind: 'invite'; key: string; ts: number; room: string; by: string };

export interface Conv {
  /** Folded key: "#lobby" for rooms, "@bob" for direct conversations (changes when bob is renamed). */
  key: string;
  readonly kind: 'room' | 'dm';
  /** Display name: "#lobby" or "Bob". */
  name: string;
  items: Item[];
  /** Ids of the messages in `items` (a message delivered twice is shown once). */
  readonly ids: Set<string>;
  unread: number;
  mentions: number;
  topic: string;
  /** Room members by folded name (rooms only): all of them, or the pages loaded so far of a large room. */
  readonly members: Map<string, MemberInfo>;
  /** How many members the room has, as the server last said (large rooms: `room_members` summaries). */
  memberCount: number;
  /** Cursor of the next page of members; undefined when `members` is the whole list (docs/protocol.md, "Large rooms"). */
  membersNext: string | undefined;
  /** Still a member (rooms) / still shown (direct conversations). */
  joined: boolean;
  /** Who is typing here: display name -> time (ms) the indicator expires. */
  readonly typing: Map<string, number>;
  /** Last activity, for ordering direct conversations. */
  lastTs: number;
  /** Key of the first item that was unread when the conversation was opened ("New" divider). */
  newFrom: string | undefined;
  /** Server history: true while older messages may exist (paged in on scroll), undefined before the first load. */
  hasOlder: boolean | undefined;
  /** Highest seq sent to the server as read (direct conversations of registered users). */
  readSeq: number;
  /** A history page is being fetched. */
  loading: boolean;
  /** Message id to scroll to and highlight (a search hit). */
  highlight: string | undefined;
}
