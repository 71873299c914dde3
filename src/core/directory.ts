/**
 * The cluster-wide view of who is online and which rooms exist, keyed by folded names.
 * Only `ChatCore.apply` mutates it, from facts, so every node converges on the same view.
 */
import { foldName, nameSkeleton, type Presence } from '../protocol/index.ts';

export interface UserEntry {
  name: string;
  folded: string;
  node: string;
  presence: Presence;
  away: string;
  /** Folded room names. */
  rooms: Set<string>;
}

export interface RoomEntry {
  name: string;
  folded: string;
  topic: string;
  /** Folded user names. */
  members: Set<string>;
  /** Folded name of the user who created the room (its first operator). */
  creator: string;
}

export class Directory {
  readonly users = new Map<string, UserEntry>();
  readonly rooms = new Map<string, RoomEntry>();
  /** Lookalike skeleton -> folded name of the online user who has it. */
  private readonly skeletons = new Map<string, string>();

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

  addUser(name: string, node: string, presence: Presence): UserEntry {
    const entry: UserEntry = { name, folded: foldName(name), node, presence, away: '', rooms: new Set() };
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
    const sk = nameSkeleton(user.name);
    if (this.skeletons.get(sk) === folded) this.skeletons.delete(sk);
    return user;
  }

  join(roomName: string, userFolded: string): { room: RoomEntry; added: boolean } {
    const folded = foldName(roomName);
    let room = this.rooms.get(folded);
    if (!room) {
      room = { name: roomName, folded, topic: '', members: new Set(), creator: userFolded };
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
    this.users.get(userFolded)?.rooms.delete(roomFolded);
    if (room.members.size === 0 && !keep(room)) this.rooms.delete(roomFolded);
    return removed;
  }
}
