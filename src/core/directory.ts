/**
 * The cluster-wide view of who is online and which rooms exist, keyed by folded names.
 * Only `ChatCore.apply` mutates it, from facts, so every node converges on the same view.
 */
import { foldName, nameSkeleton, type Presence } from '../protocol/index.ts';
import { RANK_OP, rankOf, type RoomMod } from './moderation.ts';
import { PagedSet } from './page.ts';

export interface UserEntry {
  name: string;
  folded: string;
  node: string;
  presence: Presence;
  away: string;
  /** Folded room names. */
  rooms: Set<string>;
  /** The registered account the user logged in to (its registered spelling); absent for guests. Kept across renames. */
  account?: string;
  /** Who owns this user's rights (owner.ts): the account, or the live session for a guest. */
  principal: string;
  /** DM messages with ts >= dmSince are this user's to read (owner.ts). */
  dmSince: number;
}

export interface RoomEntry {
  name: string;
  folded: string;
  topic: string;
  /** Folded user names: a PagedSet keeps its first page (page.ts) and counts its changes (the fan-out's recipient lists, delivery.ts). */
  members: PagedSet;
  /** Principal (owner.ts) of the user who created the room, its first operator; '' for none. Never a bare name. */
  creator: string;
  /** Who set the topic last and when (ms since the epoch, this node's clock); unknown for older topics. */
  topicBy?: string;
  topicAt?: number;
  /** When this node first saw the room (ms since the epoch). */
  createdAt?: number;
  /** Settings, lists and roles (moderation.ts); absent until something is set. */
  mod?: RoomMod;
  /** The room's newest seq read from the store, once read (ChatCore.roomLastSeq). */
  storedSeq?: number;
  /** The highest seq of a message or change to the room applied here since the room exists (apply.ts). */
  factSeq?: number;
}

/** Whether the user is the room's creator: the same account, or the same live guest session. */
export function isRoomCreator(room: RoomEntry, user: UserEntry | undefined): boolean {
  return user !== undefined && room.creator !== '' && room.creator === user.principal;
}

/**
 * Whether the user is an operator of the room: its owner (creator), or a principal an owner
 * made an operator (moderation.ts). A guest's status ends with its session.
 */
export function isRoomOperator(room: RoomEntry, user: UserEntry | undefined): boolean {
  return user !== undefined && rankOf(room, user, false) >= RANK_OP;
}

export class Directory {
  readonly users = new Map<string, UserEntry>();
  readonly rooms = new Map<string, RoomEntry>();
  /** Lookalike skeleton -> folded name of the online user who has it. */
  private readonly skeletons = new Map<string, string>();
  /** Folded account -> how many online users are logged in to it (online admins without a pass over every user). */
  private readonly accountUsers = new Map<string, number>();

  /** The online user whose name looks like `name` without being it, if any. */
  lookalike(name: string): UserEntry | undefined {
    const folded = this.skeletons.get(nameSkeleton(name));
    return folded !== undefined && folded !== foldName(name) ? this.users.get(folded) : undefined;
  }

  user(name: string): UserEntry | undefined {
    return this.users.get(foldName(name));
  }

  room(name: string): RoomEntry | undefined {
    return this.rooms.get(foldName(name));
  }

  addUser(name: string, node: string, presence: Presence, principal: string, dmSince: number): UserEntry {
    const entry: UserEntry = { name, folded: foldName(name), node, presence, away: '', rooms: new Set(), principal, dmSince };
    const replaced = this.users.get(entry.folded);
    if (replaced?.account !== undefined) this.countAccount(replaced.account, -1);
    this.users.set(entry.folded, entry);
    this.skeletons.set(nameSkeleton(name), entry.folded);
    return entry;
  }

  /** Removes the user from every room; rooms left empty disappear unless `keep` says otherwise. */
  removeUser(folded: string, keep: (room: RoomEntry) => boolean): UserEntry | undefined {
    const user = this.users.get(folded);
    if (!user) return undefined;
    for (const r of user.rooms) this.leave(r, folded, keep);
    this.users.delete(folded);
    if (user.account !== undefined) this.countAccount(user.account, -1);
    const sk = nameSkeleton(user.name);
    if (this.skeletons.get(sk) === folded) this.skeletons.delete(sk);
    return user;
  }

  /** Records the account an online user is logged in to (kept across renames). */
  setAccount(user: UserEntry, account: string): void {
    if (user.account !== undefined) this.countAccount(user.account, -1);
    user.account = account;
    if (this.users.get(user.folded) === user) this.countAccount(account, 1);
  }

  /** How many online users are logged in to the (folded) account. */
  usersOfAccount(folded: string): number {
    return this.accountUsers.get(folded) ?? 0;
  }

  private countAccount(account: string, by: 1 | -1): void {
    const key = foldName(account);
    const n = (this.accountUsers.get(key) ?? 0) + by;
    if (n > 0) this.accountUsers.set(key, n);
    else this.accountUsers.delete(key);
  }

  join(roomName: string, userFolded: string): { room: RoomEntry; added: boolean } {
    const folded = foldName(roomName);
    let room = this.rooms.get(folded);
    if (!room) {
      room = { name: roomName, folded, topic: '', members: new PagedSet(), creator: this.users.get(userFolded)?.principal ?? '', createdAt: Date.now() };
      this.rooms.set(folded, room);
    }
    const added = !room.members.has(userFolded);
    room.members.add(userFolded);
    this.users.get(userFolded)?.rooms.add(folded);
    return { room, added };
  }

  leave(roomFolded: string, userFolded: string, keep: (room: RoomEntry) => boolean): boolean {
    const room = this.rooms.get(roomFolded);
    if (!room) return false;
    const removed = room.members.delete(userFolded);
    room.mod?.lastSpoke.delete(userFolded);
    this.users.get(userFolded)?.rooms.delete(roomFolded);
    if (room.members.size === 0 && !keep(room)) this.rooms.delete(roomFolded);
    return removed;
  }

  /**
   * The user registered their name: rights their guest session held (rooms it created) move
   * to the account, so they survive the session.
   */
  bindAccount(user: UserEntry, account: string, principal: string): void {
    const old = user.principal;
    this.setAccount(user, account);
    user.principal = principal;
    for (const room of this.rooms.values()) {
      if (room.creator === old) room.creator = principal;
      const role = room.mod?.roles.get(old);
      if (role !== undefined) {
        room.mod!.roles.delete(old);
        room.mod!.roles.set(principal, role);
      }
      if (room.mod?.alsoVoiced.delete(old)) room.mod.alsoVoiced.add(principal);
      if (room.mod?.invited.delete(old)) room.mod.invited.add(principal);
    }
  }

  /** Renames a user everywhere (rooms, slow-mode clock; roles follow the principal); `to` may differ from `from` in case only. */
  renameUser(from: string, to: string): UserEntry | undefined {
    const oldFolded = foldName(from);
    const user = this.users.get(oldFolded);
    if (!user) return undefined;
    const newFolded = foldName(to);
    this.users.delete(oldFolded);
    const sk = nameSkeleton(user.name);
    if (this.skeletons.get(sk) === oldFolded) this.skeletons.delete(sk);
    this.skeletons.set(nameSkeleton(to), newFolded);
    user.name = to;
    user.folded = newFolded;
    this.users.set(newFolded, user);
    if (newFolded !== oldFolded) {
      for (const r of user.rooms) {
        const room = this.rooms.get(r);
        if (!room) continue;
        room.members.delete(oldFolded);
        room.members.add(newFolded);
        const spoke = room.mod?.lastSpoke.get(oldFolded);
        if (spoke !== undefined) {
          room.mod!.lastSpoke.delete(oldFolded);
          room.mod!.lastSpoke.set(newFolded, spoke);
        }
      }
    }
    return user;
  }
}
