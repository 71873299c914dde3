import type { ClientRequest, MemberInfo, ReplyData, RequestType, RoomState, UserInfo } from '../../protocol/index.ts';
import type { Accounts } from '../accounts/service.ts';
import type { CoreDeps, HistoryConfig } from '../chat.ts';
import type { Directory, RoomEntry, UserEntry } from '../directory.ts';
import type { Fact } from '../facts.ts';
import type { ModerationStore, ServerBan } from '../ports.ts';
import type { Session } from '../session.ts';

/**
 * The part of the core a command may use: the directory (read; changes go through `emit`),
 * the ports it needs and the account service. Not the connection table, not other
 * sessions, not the bus: so a command can be run against any object of this shape.
 */
export interface CommandCore {
  readonly dir: Directory;
  readonly deps: Pick<CoreDeps, 'store' | 'calc' | 'clock' | 'log' | 'config' | 'files'>;
  readonly accounts: Accounts;
  readonly history: HistoryConfig;
  /** Applies a fact locally and publishes it to other nodes. */
  emit(fact: Fact): void;
  /** One page of a room's members (see ChatCore.members). */
  members(room: RoomEntry, after?: string, limit?: number): { members: MemberInfo[]; count: number; next?: string };
  /** The default page of member and user lists (rooms.announceMax). */
  readonly pageSize: number;
  roomState(room: RoomEntry): RoomState;
  /** The room's newest seq for a login reply (see ChatCore.roomLastSeq). */
  roomLastSeq(room: RoomEntry): Promise<number>;
  userInfo(u: UserEntry): UserInfo;
  isPermanent(room: RoomEntry): boolean;
  /** Stored moderation state and the audit log. */
  readonly moderation: ModerationStore;
  /** Entries per room list (rooms.maxListEntries). */
  readonly maxListEntries: number;
  /** Server bans in force. */
  readonly serverBans: readonly ServerBan[];
  /** Whether the user is a server administrator (config `admins`). */
  isAdmin(user: UserEntry | undefined): boolean;
}

/** What a command may use: the narrow core view, the calling session and user. */
export interface CommandContext {
  readonly core: CommandCore;
  readonly session: Session;
  /** The logged-in user; always set for commands with needsLogin. */
  readonly user: UserEntry | undefined;
  /** Claims `name` for this connection and announces the user (login only); `lobby: false` skips #lobby; `account` when logged in to one. */
  bindUser(name: string, opts?: { lobby?: boolean; account?: { name: string; createdAt: number } }): Promise<UserEntry>;
  /**
   * Holds `name` for this connection while `fn` runs, so that nobody can log in with it
   * meanwhile (register: an account must never start while a guest holds its name, or the
   * guest's DMs would become the account's). NAME_TAKEN when someone is using it.
   */
  reserveName<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Claims `name` instead of the current name and announces the rename (nick only). */
  renameUser(name: string): Promise<UserEntry>;
  /**
   * Holds back every event for this connection until the command's reply has been sent.
   * A command that puts messages of a conversation in its reply calls `cover(conv, seq)`
   * with the highest seq it included; held `message` events of that conversation up to
   * that seq are then dropped as duplicates. Events are released in order right after
   * the reply (or error).
   */
  hold(): { cover(conv: string, seq: number): void };
  /**
   * Marks a login as running on this connection (login only, before its credentials are
   * checked) until the returned function is called; throws ALREADY_LOGGED_IN when the
   * connection already has a name or another login is running.
   */
  beginLogin(): () => void;
}

/** A command as data: the dispatcher in ChatCore.execute checks `needsLogin`, then runs it. */
export interface Command<T extends RequestType> {
  readonly name: T;
  readonly needsLogin: boolean;
  /** Syntax line and one-sentence description, shown by clients' help. */
  readonly help: string;
  run(ctx: CommandContext, req: Extract<ClientRequest, { type: T }>): Promise<ReplyData[T]>;
}

export function defineCommand<T extends RequestType>(c: Command<T>): Command<T> {
  return c;
}

/** The logged-in user of a context, for commands that require login. */
export function me(ctx: CommandContext): UserEntry {
  if (!ctx.user) throw new Error('command requires login but context has no user');
  return ctx.user;
}
