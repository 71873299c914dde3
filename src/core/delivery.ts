/**
 * Delivery to this node's sessions, and the events held back for a connection while one of
 * its commands reads history. One event object is shared by every recipient, so a transport
 * can encode it once (transports/ws/encode.ts).
 *
 * Large rooms (docs/protocol.md, "Large rooms"): a login into a 10,000-member #lobby must not
 * cost 10,000 events. Rooms with more than `announceMax` members announce joins and leaves
 * individually only to the member concerned and to sessions that need every change (IRC:
 * JOIN/PART/QUIT lines, complete NAMES); the others (`Session.lazyMembers`, the JSON protocol)
 * get one `room_members` summary per room per `summaryMs` and fetch the list in pages.
 * User events (login, logout, away, rename) reach everyone while at most `announceMax` users
 * are online, as before; beyond that, only those who share a room with the user, by the same
 * rule.
 */
import { foldName, type ChatEvent } from '../protocol/index.ts';
import { convKey } from './conv.ts';
import type { RoomEntry } from './directory.ts';
import type { CoreMetrics } from './metrics.ts';
import type { FloodGuard } from './rate-limit.ts';
import type { Session } from './session.ts';

/**
 * Events held back for one connection while a command reads history, so that the reply
 * carries everything up to the read and every later message arrives after the reply,
 * exactly once (see CommandContext.hold).
 */
export interface Held {
  events: ChatEvent[];
  /** Conversation key -> highest seq the reply contains. */
  covered: Map<string, number>;
  /** Commands of this connection still running that asked for the hold. */
  owners: number;
}

/** A connection as the core tracks it. */
export interface Conn {
  readonly session: Session;
  /** Folded user name once logged in. */
  user: string | undefined;
  loggingIn: boolean;
  readonly flood: FloodGuard;
  held?: Held;
}

/** How membership changes are announced (CoreConfig.announceMax / summaryMs). */
export interface AnnounceConfig {
  /** Rooms (and a server) with more members (users) than this are large. */
  announceMax: number;
  /**
   * How often a large room's members get a `room_members` summary, at most (ms). Rooms of
   * more than SUMMARY_BUDGET members get it proportionally less often, so that one room's
   * summaries cost at most SUMMARY_BUDGET deliveries per `summaryMs` on a node.
   */
  summaryMs: number;
  /**
   * Members of a large room listed in a `login` or `join` reply (at most `announceMax`;
   * default REPLY_MEMBERS): the first view of the list, which pages on with `members`.
   */
  replyMembers?: number;
}

/** Default of AnnounceConfig.replyMembers. */
export const REPLY_MEMBERS = 50;

/** Deliveries one large room's summaries may cost per `summaryMs` (see AnnounceConfig.summaryMs). */
export const SUMMARY_BUDGET = 1000;

export const ANNOUNCE_DEFAULTS: AnnounceConfig = { announceMax: 100, summaryMs: 1000, replyMembers: REPLY_MEMBERS };

/** Local connections by folded name, with those that want every membership change (IRC) kept apart. */
class LocalConns extends Map<string, Conn> {
  readonly eager = new Map<string, Conn>();
  /** Counts the changes of the map (see Recipients). */
  version = 0;

  override set(folded: string, conn: Conn): this {
    super.set(folded, conn);
    this.version++;
    if (conn.session.lazyMembers === true) this.eager.delete(folded);
    else this.eager.set(folded, conn);
    return this;
  }

  override delete(folded: string): boolean {
    this.eager.delete(folded);
    this.version++;
    return super.delete(folded);
  }

  override clear(): void {
    this.eager.clear();
    this.version++;
    super.clear();
  }
}

/**
 * A room's members connected to this node, in member order, as of the two versions: the
 * fan-out of a message walks these arrays instead of looking every member up by name (one
 * string-keyed lookup per recipient per message, measured at 8–11 % of the main thread at
 * 1 × 500 × 5; docs/benchmarks.md). Rebuilt on the first message after a join, leave, login
 * or logout: O(members) once per change, not per message.
 */
interface Recipients {
  members: number;
  local: number;
  names: string[];
  conns: Conn[];
}

type Change = 'joined' | 'left';

export class Delivery {
  /** Local logged-in connections by folded user name. */
  readonly local = new LocalConns();
  readonly announce: AnnounceConfig;
  private readonly metrics: CoreMetrics;
  /** Large rooms with membership changes not yet summarised to their lazy members. */
  private readonly pending = new Map<RoomEntry, { joined: number; left: number; since: number }>();
  private readonly recipients = new WeakMap<RoomEntry, Recipients>();
  private summaryTimer: NodeJS.Timeout | undefined;

  constructor(metrics: CoreMetrics, announce: AnnounceConfig = ANNOUNCE_DEFAULTS) {
    this.metrics = metrics;
    this.announce = announce;
  }

  /** Whether the room's joins and leaves are summarised for lazy sessions. */
  isLarge(room: RoomEntry): boolean {
    return room.members.size > this.announce.announceMax;
  }

  /**
   * A join or leave of `subject` (folded) in `room`: to every member of a small room; in a
   * large one to the subject and eager sessions only, the rest hear of it in the next summary.
   */
  membership(room: RoomEntry, ev: ChatEvent, subject: string, change: Change): void {
    if (!this.isLarge(room)) {
      this.toRoom(room, ev, undefined);
      return;
    }
    const seen = new Set<string>();
    this.toEager(room, ev, seen);
    if (!seen.has(subject)) {
      const conn = this.local.get(subject);
      if (conn && room.members.has(subject)) { this.deliverTo(conn, ev); seen.add(subject); }
    }
    this.metrics.delivered(ev.type, seen.size);
    this.count(room, change);
  }

  /**
   * An event about a user (login, logout, away, rename) whose rooms are `rooms`: everyone
   * hears it while the server has at most `announceMax` users (`population`); beyond that,
   * members of the user's small rooms, eager members of its large rooms, and the user itself
   * unless `except` names it. `change` counts a login or logout into the large rooms' summaries.
   */
  aboutUser(ev: ChatEvent, rooms: readonly RoomEntry[], population: number, subject: string, except: string | undefined, change?: Change): void {
    if (population <= this.announce.announceMax) {
      this.toAllLocal(ev, except);
      return;
    }
    const seen = new Set<string>();
    if (except !== undefined) seen.add(except);
    for (const room of rooms) {
      if (!this.isLarge(room)) {
        for (const m of room.members) {
          if (seen.has(m)) continue;
          seen.add(m);
          const conn = this.local.get(m);
          if (conn) this.deliverTo(conn, ev);
        }
      } else {
        this.toEager(room, ev, seen);
        if (change) this.count(room, change);
      }
    }
    const self = seen.has(subject) ? undefined : this.local.get(subject);
    if (self) { this.deliverTo(self, ev); seen.add(subject); }
    this.metrics.delivered(ev.type, seen.size - (except !== undefined ? 1 : 0));
  }

  /** Stops the summary timer (core shutdown). */
  close(): void {
    if (this.summaryTimer) clearTimeout(this.summaryTimer);
    this.summaryTimer = undefined;
    this.pending.clear();
  }

  /** Eager (IRC) local members of the room not in `seen`: delivered and added to it. Iterates the smaller side. */
  private toEager(room: RoomEntry, ev: ChatEvent, seen: Set<string>): void {
    const { eager } = this.local;
    if (eager.size <= room.members.size) {
      for (const [m, conn] of eager) if (!seen.has(m) && room.members.has(m)) { seen.add(m); this.deliverTo(conn, ev); }
    } else {
      for (const m of room.members) {
        const conn = seen.has(m) ? undefined : eager.get(m);
        if (conn) { seen.add(m); this.deliverTo(conn, ev); }
      }
    }
  }

  private count(room: RoomEntry, change: Change): void {
    let p = this.pending.get(room);
    if (!p) {
      p = { joined: 0, left: 0, since: Date.now() };
      this.pending.set(room, p);
    }
    p[change]++;
    this.arm();
  }

  private arm(): void {
    if (this.summaryTimer || this.pending.size === 0) return;
    this.summaryTimer = setTimeout(() => this.summarise(), this.announce.summaryMs);
    this.summaryTimer.unref();
  }

  /** One `room_members` event per changed large room whose interval has passed, to its lazy local members. */
  private summarise(): void {
    this.summaryTimer = undefined;
    const now = Date.now();
    const { summaryMs } = this.announce;
    for (const [room, { joined, left, since }] of [...this.pending]) {
      // Tolerance of a tenth of a window, so that timer jitter does not skip a window.
      const every = summaryMs * Math.max(1, Math.ceil(room.members.size / SUMMARY_BUDGET));
      if (now - since < every - summaryMs / 10) continue;
      this.pending.delete(room);
      const ev: ChatEvent = { type: 'room_members', room: room.name, count: room.members.size, joined, left };
      let n = 0;
      for (const m of room.members) {
        const conn = this.local.get(m);
        if (conn?.session.lazyMembers === true) { this.deliverTo(conn, ev); n++; }
      }
      this.metrics.delivered(ev.type, n);
    }
    this.arm();
  }

  toAllLocal(ev: ChatEvent, except: string | undefined): void {
    let n = 0;
    for (const [folded, conn] of this.local) if (folded !== except) { this.deliverTo(conn, ev); n++; }
    this.metrics.delivered(ev.type, n);
  }

  toRoom(room: RoomEntry, ev: ChatEvent, except: string | undefined): void {
    let n = 0;
    const { names, conns } = this.localMembers(room);
    for (let i = 0; i < conns.length; i++) {
      if (names[i] === except) continue;
      this.deliverTo(conns[i]!, ev);
      n++;
    }
    this.metrics.delivered(ev.type, n);
  }

  /** The room's members connected here (see Recipients), rebuilt when either side changed. */
  private localMembers(room: RoomEntry): Recipients {
    const r = this.recipients.get(room);
    if (r !== undefined && r.members === room.members.version && r.local === this.local.version) return r;
    const names: string[] = [];
    const conns: Conn[] = [];
    for (const m of room.members) {
      const conn = this.local.get(m);
      if (conn) { names.push(m); conns.push(conn); }
    }
    const fresh = { members: room.members.version, local: this.local.version, names, conns };
    this.recipients.set(room, fresh);
    return fresh;
  }

  toUser(name: string, ev: ChatEvent): void {
    const conn = this.local.get(foldName(name));
    if (conn) { this.deliverTo(conn, ev); this.metrics.delivered(ev.type, 1); }
  }

  /** Starts (or joins) a hold on the connection's events; see CommandContext.hold. */
  hold(conn: Conn): Held {
    conn.held ??= { events: [], covered: new Map(), owners: 0 };
    return conn.held;
  }

  /** Delivers held events once no command holds them, minus messages the reply already contained. */
  release(conn: Conn, alive: boolean): void {
    const held = conn.held;
    if (!held || held.owners > 0) return;
    conn.held = undefined;
    if (!alive) return;
    for (const ev of held.events) {
      if (ev.type === 'message' && ev.msg.seq <= (held.covered.get(convKey(ev.msg.from, ev.msg.to)) ?? 0)) continue;
      // A change the reply already shows (its message in its current state, up to the covered seq).
      if (ev.type === 'message_update' && ev.seq <= (held.covered.get(convKey(ev.msg.from, ev.msg.to)) ?? 0)) continue;
      conn.session.deliver(ev);
    }
  }

  private deliverTo(conn: Conn, ev: ChatEvent): void {
    if (conn.held) conn.held.events.push(ev);
    else conn.session.deliver(ev);
  }
}
