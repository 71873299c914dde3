import type { ClientRequest, ReplyData, RequestType } from '../../protocol/index.ts';
import type { ChatCore } from '../chat.ts';
import type { UserEntry } from '../directory.ts';
import type { Session } from '../session.ts';

/** What a command may use: the core (directory, emit, ports), the calling session and user. */
export interface CommandContext {
  readonly core: ChatCore;
  readonly session: Session;
  /** The logged-in user; always set for commands with needsLogin. */
  readonly user: UserEntry | undefined;
  /** Claims `name` for this connection and announces the user (login only); `lobby: false` skips #lobby; `account` when logged in to one. */
  bindUser(name: string, opts?: { lobby?: boolean; account?: string }): Promise<UserEntry>;
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
