/**
 * What a node does to stay in step with the rest of the cluster, beyond applying facts:
 *
 * - **Join/resync**: at start, and whenever the bus reports a gap (Redis was unreachable,
 *   facts may be lost), the node publishes `sync_request` and its own `sync_state` (to all).
 *   Every node answers a request with its `sync_state`. A `sync_state` from node N is
 *   authoritative for N's users: users we hold for N that it does not list have left (they
 *   get "left" notices), users it lists that we lack are added (with "joined" notices),
 *   and their rooms and away status are brought in line.
 * - **Node loss**: with a presence store that has node leases (Redis), every heartbeat the
 *   node asks which of the nodes its users are on have lost their lease; the users of a dead
 *   node leave with reason "node lost" and the dead node's names are freed. A dead node is
 *   one that has not renewed its lease for `leaseTtlMs`, so users of a SIGKILLed node are gone
 *   from every list within leaseTtlMs + heartbeatMs. Right after this node itself reconnects
 *   to the presence store (e.g. a Redis restart, which empties it), nobody is declared dead
 *   for one lease period, giving live nodes the time to renew their leases; meanwhile this
 *   node re-takes its own users' names. A node that finds its own lease expired (it stalled
 *   for longer than the lease, or Redis restarted) re-takes its names and publishes its
 *   state to all, so users the others dropped as "node lost" come back.
 * - **Moderation state** travels in `sync_state` too: each room's settings, lists, roles and
 *   invitations (moderation.ts, ModSnapshot), adopted when newer than the receiver's; server
 *   bans and admins are re-read from the moderation store after a gap.
 * - **Missed messages**: messages are durable in the store before they are published; after
 *   a gap, the core's sequencer (src/core/sequencer.ts) reads from the store, by seq, what
 *   came after the last message it delivered in each conversation it tracks.
 *
 * Each node applies node-loss removals itself (nothing is published for them), so no single
 * node's death or partition can stall them.
 */
import { foldName } from '../protocol/index.ts';
import type { ChatCore } from './chat.ts';
import { isRoomCreator, isRoomOperator } from './directory.ts';
import type { Fact, SyncRoom, SyncUser } from './facts.ts';
import { hasLeases, type NodeLeases } from './ports.ts';
import { adoptSnapshot, modSnapshot } from './moderation.ts';
import type { RoomEntry } from './directory.ts';

export interface ClusterSyncOptions {
  /** How often node leases are checked (the presence store renews its own lease on the same period). */
  heartbeatMs: number;
}

export const NODE_LOST = 'node lost';


export class ClusterSync {
  private readonly core: ChatCore;
  private readonly opts: ClusterSyncOptions;
  private readonly leases: NodeLeases | undefined;
  private readonly offs: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private graceUntil = 0;
  private reaping = false;
  private stopped = false;

  constructor(core: ChatCore, opts: ClusterSyncOptions) {
    this.core = core;
    this.opts = opts;
    const { presence } = core.deps;
    this.leases = hasLeases(presence) ? presence : undefined;
  }

  private get me(): string {
    return this.core.nodeId;
  }

  start(): void {
    const { bus } = this.core.deps;
    this.offs.push(bus.subscribe((fact, origin) => this.onFact(fact, origin)));
    if (bus.onGap) this.offs.push(bus.onGap(() => this.onGap()));
    if (this.leases) {
      const leases = this.leases;
      this.offs.push(leases.onReconnect(() => {
        this.graceUntil = Date.now() + leases.leaseTtlMs;
        void this.restoreClaims().then(() => {
          // Others may have dropped our users as "node lost": announce them again.
          if (!this.stopped) this.core.deps.bus.publish(this.state('*'));
        });
      }));
      this.timer = setInterval(() => void this.reap(), this.opts.heartbeatMs);
      this.timer.unref();
    }
    bus.publish({ kind: 'sync_request', node: this.me });
    // Our (empty) state: a previous run of this node id that died within its lease leaves
    // users behind on the others; this tells them they are gone.
    bus.publish(this.state('*'));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const off of this.offs) off();
  }

  private onFact(fact: Fact, _origin: string): void {
    switch (fact.kind) {
      case 'sync_request':
        if (fact.node !== this.me) this.core.deps.bus.publish(this.state(fact.node));
        return;
      case 'sync_state':
        if (fact.node !== this.me && (fact.to === this.me || fact.to === '*')) this.reconcile(fact.node, fact.users, fact.rooms);
        return;
      default:
    }
  }

  /** This node's local users and the rooms they are in, for node `to` ('*': everyone). */
  state(to: string): Fact {
    const { dir } = this.core;
    const users: SyncUser[] = [];
    const rooms = new Map<string, SyncRoom>();
    const describe = (room: RoomEntry): SyncRoom => {
      const ops = [...room.members].map((m) => dir.users.get(m)).filter((m) => m !== undefined && isRoomOperator(room, m) && !isRoomCreator(room, m)).map((m) => m!.name);
      const mod = modSnapshot(room);
      return { name: room.name, topic: room.topic, creator: room.creator, ...(room.topicBy !== undefined ? { topicBy: room.topicBy } : {}), operators: ops, ...(mod ? { mod } : {}) };
    };
    for (const u of dir.users.values()) {
      if (u.node !== this.me) continue;
      const names: string[] = [];
      for (const r of u.rooms) {
        const room = dir.rooms.get(r);
        if (!room) continue;
        names.push(room.name);
        if (!rooms.has(r)) rooms.set(r, describe(room));
      }
      const session = u.principal.startsWith(`session:${this.me}/`) ? u.principal.slice(`session:${this.me}/`.length) : undefined;
      users.push({
        name: u.name, presence: u.presence, away: u.away, rooms: names, dmSince: u.dmSince,
        ...(u.account !== undefined ? { account: u.account } : {}), ...(session !== undefined ? { session } : {}),
      });
    }
    // Rooms with moderation state nobody here is in (a registered room kept while empty, or
    // one whose members are all on other nodes): their settings travel too.
    for (const room of dir.rooms.values()) if (room.mod && !rooms.has(room.folded)) rooms.set(room.folded, describe(room));
    return { kind: 'sync_state', node: this.me, to, users, rooms: [...rooms.values()] };
  }

  private reconcile(node: string, users: SyncUser[], rooms: SyncRoom[]): void {
    const { core } = this;
    const { dir } = core;
    const listed = new Set(users.map((u) => foldName(u.name)));
    for (const u of [...dir.users.values()]) {
      if (u.node === node && !listed.has(u.folded)) core.apply({ kind: 'user_offline', name: u.name, reason: 'left' });
    }
    for (const su of users) {
      const folded = foldName(su.name);
      const have = dir.users.get(folded);
      if (!have) {
        core.apply({
          kind: 'user_online', name: su.name, node, presence: su.presence, rooms: su.rooms,
          ...(su.account !== undefined ? { account: su.account } : {}), ...(su.session !== undefined ? { session: su.session } : {}),
          ...(su.dmSince !== undefined ? { dmSince: su.dmSince } : {}),
        });
        if (su.presence === 'away') core.apply({ kind: 'presence', name: su.name, presence: 'away', away: su.away });
        continue;
      }
      if (have.node !== node) continue; // a name clash: the presence store's claim decides, not us
      const want = new Set(su.rooms.map(foldName));
      for (const r of su.rooms) if (!have.rooms.has(foldName(r))) core.apply({ kind: 'room_join', room: r, name: su.name });
      for (const r of [...have.rooms]) if (!want.has(r)) core.apply({ kind: 'room_part', room: dir.rooms.get(r)?.name ?? r, name: su.name, reason: '' });
      if (have.presence !== su.presence || have.away !== su.away) core.apply({ kind: 'presence', name: su.name, presence: su.presence, away: su.away });
    }
    for (const sr of rooms) {
      const room = dir.room(sr.name);
      if (!room) continue;
      if (room.topic === '' && sr.topic !== '') core.apply({ kind: 'topic', room: room.name, topic: sr.topic, by: sr.topicBy ?? '' });
      // The creator (a principal) is part of the room's shared state: a room this node first
      // learnt of from a sync must not take whoever was listed first as its creator.
      if (sr.creator !== undefined && room.creator !== sr.creator) room.creator = sr.creator;
      for (const op of sr.operators) if (!isRoomOperator(room, dir.user(op))) core.apply({ kind: 'room_op', room: room.name, name: op, by: '', op: true });
      if (sr.mod) adoptSnapshot(room, sr.mod, core.maxListEntries);
    }
  }

  private onGap(): void {
    if (this.stopped) return;
    const { bus } = this.core.deps;
    bus.publish({ kind: 'sync_request', node: this.me });
    bus.publish(this.state('*'));
    void this.core.sequencer?.catchUp();
    // Server bans and admins changed meanwhile are in the shared store (facts may be lost).
    void this.core.reloadServerState().catch((err: unknown) => this.core.deps.log.warn({ err }, 'could not reload server bans and admins after a gap'));
  }

  private async restoreClaims(): Promise<void> {
    if (!this.leases || this.stopped) return;
    const claims = this.core.connections().flatMap((c) => c.name ? [{ folded: foldName(c.name), owner: `${this.me}/${c.id}` }] : []);
    try {
      const lost = await this.leases.restore(claims);
      if (lost.length) this.core.deps.log.warn({ names: lost }, 'names taken by another node while the presence store was unreachable');
    } catch (err) {
      this.core.deps.log.warn({ err }, 'could not re-take names after reconnecting');
    }
  }

  /** Removes the users of nodes whose lease has expired, and frees their names. */
  private async reap(): Promise<void> {
    if (!this.leases || this.reaping || this.stopped || Date.now() < this.graceUntil) return;
    this.reaping = true;
    try {
      const nodes = new Set<string>();
      for (const u of this.core.dir.users.values()) if (u.node !== this.me) nodes.add(u.node);
      if (nodes.size === 0) return;
      const dead = await this.leases.deadNodes([...nodes]);
      if (this.stopped || Date.now() < this.graceUntil) return;
      for (const node of dead) {
        const gone = [...this.core.dir.users.values()].filter((u) => u.node === node);
        this.core.deps.log.warn({ node, users: gone.length }, 'node lost: its lease expired');
        for (const u of gone) this.core.apply({ kind: 'user_offline', name: u.name, reason: NODE_LOST });
        await this.leases.releaseNode(node);
      }
    } catch (err) {
      this.core.deps.log.warn({ err }, 'node lease check failed');
    } finally {
      this.reaping = false;
    }
  }
}
