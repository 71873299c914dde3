/**
 * What the terminal client shows: server events as received, plus the client's own lines
 * (request results, errors, status). Each item is rendered as one text line (format.ts) or
 * one JSON line (`--json`).
 */
import type { ChatMessage, MemberInfo, RoomSummary, ServerEvent, UserInfo } from '../protocol/index.ts';

/** Server events worth showing (the envelope frames hello/reply/error are handled by the client). */
export type ShownEvent = Exclude<ServerEvent, { type: 'hello' | 'reply' | 'error' }>;

export type Item =
  | ShownEvent
  | { type: 'calc'; expr: string; result: string }
  /** `count`/`next`: one page of more (`/users +` shows the next). */
  | { type: 'users'; users: UserInfo[]; count?: number; next?: string }
  | { type: 'rooms'; rooms: RoomSummary[] }
  /** `count`/`next`: one page of a large room (`/members +` shows the next). */
  | { type: 'members'; room: string; members: MemberInfo[]; count?: number; next?: string }
  | { type: 'error'; code: string; message: string }
  | { type: 'info'; text: string }
  /** An earlier message (join history, /history, /jump), not a live one. */
  | { type: 'history'; msg: ChatMessage }
  /** One /search result. */
  | { type: 'search'; msg: ChatMessage }
  /** After a reconnect, more was missed in `to` ("#room" or "@name") than the server resends: older ones are before seq `before`. */
  | { type: 'gap'; to: string; before: number }
  /** At login: unread direct messages from one person. */
  | { type: 'unread'; from: string; count: number }
  | { type: 'status'; status: 'connected' | 'disconnected' | 'reconnected' | 'closed'; text: string };
