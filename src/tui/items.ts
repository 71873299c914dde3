/**
 * What the terminal client shows: server events as received, plus the client's own lines
 * (request results, errors, status). Each item is rendered as one text line (format.ts) or
 * one JSON line (`--json`).
 */
import type { MemberInfo, RoomSummary, ServerEvent, UserInfo } from '../protocol/index.ts';

/** Server events worth showing (the envelope frames hello/reply/error are handled by the client). */
export type ShownEvent = Exclude<ServerEvent, { type: 'hello' | 'reply' | 'error' }>;

export type Item =
  | ShownEvent
  | { type: 'calc'; expr: string; result: string }
  | { type: 'users'; users: UserInfo[] }
  | { type: 'rooms'; rooms: RoomSummary[] }
  | { type: 'members'; room: string; members: MemberInfo[] }
  | { type: 'error'; code: string; message: string }
  | { type: 'info'; text: string }
  | { type: 'status'; status: 'connected' | 'disconnected' | 'reconnected' | 'closed'; text: string };
