/**
 * Facts are the only way shared chat state changes. A command produces facts; the core
 * applies each fact to its directory and delivers the resulting events to its local
 * sessions; the bus carries the same fact to every other node, which does the same.
 */
import type { ChatMessage, MessageUpdateEvent, ModeChange, Presence } from '../protocol/index.ts';
import type { ModSnapshot } from './moderation.ts';

export type Fact =
  /**
   * `session` is the origin node's session id; `dmSince` the start of the user's DM history
   * (see owner.ts). Both are absent in facts from older nodes: then DM history is withheld
   * and room rights stay with the session.
   */
  | { kind: 'user_online'; name: string; node: string; presence: Presence; rooms: string[]; account?: string; session?: string; dmSince?: number }
  | { kind: 'user_offline'; name: string; reason: string }
  | { kind: 'presence'; name: string; presence: Presence; away: string }
  | { kind: 'room_join'; room: string; name: string }
  | { kind: 'room_part'; room: string; name: string; reason: string }
  | { kind: 'topic'; room: string; topic: string; by: string }
  | { kind: 'message'; msg: ChatMessage }
  /** An edit, deletion or reaction change, already stored with its own seq (the event as delivered). */
  | { kind: 'message_update'; update: MessageUpdateEvent }
  | { kind: 'typing'; from: string; to: string }
  | { kind: 'tagmsg'; id: string; from: string; to: string; tags: Record<string, string>; ts: number }
  | { kind: 'notice'; text: string }
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'kick'; room: string; name: string; by: string; reason: string }
  | { kind: 'room_op'; room: string; name: string; by: string; op: boolean }
  | { kind: 'invite'; room: string; name: string; by: string }
  /** The user is now logged in to `account` (registered the name they are using). */
  | { kind: 'account'; name: string; account: string }
  /**
   * Cluster resynchronisation (src/core/cluster.ts; ChatCore.apply ignores these): a node
   * that starts, or was cut off from the bus, asks every node for its local state, and
   * publishes its own (`to: '*'`), so the others can add what they missed and drop what
   * is gone.
   */
  | { kind: 'sync_request'; node: string }
  | { kind: 'sync_state'; node: string; to: string; users: SyncUser[]; rooms: SyncRoom[] }
  /** Checked room setting, list or voice changes (moderation.ts); `op` changes travel as room_op. */
  | { kind: 'room_mode'; room: string; by: string; changes: ModeChange[] }
  /** A server ban (`$a:account` or an IP range) added or lifted by an admin; matching users are disconnected. */
  | { kind: 'server_ban'; mask: string; on: boolean; by: string; reason: string }
  /** An account (folded) marked or unmarked a server administrator (`banter admin grant|revoke`). */
  | { kind: 'server_admin'; account: string; on: boolean }
  /** An admin disconnects a user (IRC KILL): the node that holds the connection closes it. */
  | { kind: 'kill'; name: string; by: string; reason: string };

/** One user as its node reports it in a `sync_state`. */
export interface SyncUser {
  name: string;
  presence: Presence;
  away: string;
  /** Room names (display spelling). */
  rooms: string[];
  account?: string;
  /** The session id on its node (guests: their rights belong to it; see owner.ts). */
  session?: string;
  dmSince?: number;
}

/** A room's shared state as one node knows it. */
export interface SyncRoom {
  name: string;
  topic: string;
  topicBy?: string;
  /** The creator's principal (owner.ts). */
  creator?: string;
  /** Display names of the members an operator promoted. */
  operators: string[];
  /** Settings, lists, roles and invitations (absent from older nodes, and when nothing was set). */
  mod?: ModSnapshot;
}
