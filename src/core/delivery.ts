/**
 * Delivery to this node's sessions, and the events held back for a connection while one of
 * its commands reads history. One event object is shared by every recipient, so a transport
 * can encode it once (transports/ws/encode.ts).
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

export class Delivery {
  /** Local logged-in connections by folded user name. */
  readonly local = new Map<string, Conn>();
  private readonly metrics: CoreMetrics;

  constructor(metrics: CoreMetrics) {
    this.metrics = metrics;
  }

  toAllLocal(ev: ChatEvent, except: string | undefined): void {
    let n = 0;
    for (const [folded, conn] of this.local) if (folded !== except) { this.deliverTo(conn, ev); n++; }
    this.metrics.delivered(ev.type, n);
  }

  toRoom(room: RoomEntry, ev: ChatEvent, except: string | undefined): void {
    let n = 0;
    for (const m of room.members) {
      if (m === except) continue;
      const conn = this.local.get(m);
      if (conn) { this.deliverTo(conn, ev); n++; }
    }
    this.metrics.delivered(ev.type, n);
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
