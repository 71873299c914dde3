/** Multi-line replies shared by several verbs: welcome burst, LUSERS, MOTD, NAMES, TOPIC. */
import { isRoomOperator, type RoomEntry, type UserEntry } from '../../core/directory.ts';
import { hasVoice, readMod } from '../../core/moderation.ts';
import type { IrcConnection } from './connection.ts';
import { isupportTokens } from './isupport.ts';
import { MAX_LINE_BYTES } from './message.ts';
import { N } from './numerics.ts';

export function welcome(c: IrcConnection): void {
  const { server } = c;
  const cfg = server.config;
  c.numeric(N.RPL_WELCOME, [`Welcome to the ${cfg.network} IRC Network ${server.mask(c.me)}`]);
  c.numeric(N.RPL_YOURHOST, [`Your host is ${server.name}, running version ${cfg.version}`]);
  c.numeric(N.RPL_CREATED, [`This server was created ${server.createdAt.toUTCString()}`]);
  c.numeric(N.RPL_MYINFO, [server.name, cfg.version, 'io', 'IRWbeiklmnoqstv', 'IWbeklovq'], false);
  const tokens = isupportTokens({ network: cfg.network, maxRoomsPerUser: cfg.maxRoomsPerUser, historyLimit: cfg.historyLimit, maxListEntries: c.core.maxListEntries });
  for (let i = 0; i < tokens.length; i += 12) c.numeric(N.RPL_ISUPPORT, [...tokens.slice(i, i + 12), 'are supported by this server']);
  lusers(c);
  motd(c);
}

/**
 * 251-266. Users are everyone online (every transport); "invisible" are registered IRC
 * users of this node with +i, and 251's first count is the others. Connections that have
 * not registered are only 253's "unknown". Channels are the ones someone is in (as LIST).
 */
export function lusers(c: IrcConnection): void {
  const users = c.core.dir.users.size;
  const local = c.server.registeredCount();
  const invisible = c.server.invisibleCount();
  const { maxLocal, maxGlobal } = c.server.peaks(local, users);
  c.numeric(N.RPL_LUSERCLIENT, [`There are ${users - invisible} users and ${invisible} invisible on 1 servers`]);
  const ops = c.server.operCount();
  if (ops > 0) c.numeric(N.RPL_LUSEROP, [String(ops), 'operator(s) online']);
  const unknown = c.server.size - local;
  if (unknown > 0) c.numeric(N.RPL_LUSERUNKNOWN, [String(unknown), 'unknown connection(s)']);
  let channels = 0;
  for (const r of c.core.dir.rooms.values()) if (r.members.size > 0) channels++;
  c.numeric(N.RPL_LUSERCHANNELS, [String(channels), 'channels formed']);
  c.numeric(N.RPL_LUSERME, [`I have ${local} clients and 0 servers`]);
  c.numeric(N.RPL_LOCALUSERS, [String(local), String(maxLocal), `Current local users ${local}, max ${maxLocal}`]);
  c.numeric(N.RPL_GLOBALUSERS, [String(users), String(maxGlobal), `Current global users ${users}, max ${maxGlobal}`]);
}

export function motd(c: IrcConnection): void {
  const text = c.server.config.motd;
  if (text.trim() === '') {
    c.numeric(N.ERR_NOMOTD, ['MOTD File is missing']);
    return;
  }
  c.numeric(N.RPL_MOTDSTART, [`- ${c.server.name} Message of the Day -`]);
  for (const line of text.split(/\\n|\r?\n/)) c.numeric(N.RPL_MOTD, [`- ${line}`]);
  c.numeric(N.RPL_ENDOFMOTD, ['End of /MOTD command.']);
}

/** 331, or 332 + 333 when the setter is known. */
export function topic(c: IrcConnection, room: RoomEntry, emptyReply: boolean): void {
  if (room.topic === '') {
    if (emptyReply) c.numeric(N.RPL_NOTOPIC, [room.name, 'No topic is set']);
    return;
  }
  c.numeric(N.RPL_TOPIC, [room.name, room.topic]);
  if (room.topicBy) c.numeric(N.RPL_TOPICWHOTIME, [room.name, c.server.mask(room.topicBy), String(Math.floor((room.topicAt ?? 0) / 1000))], false);
}

/**
 * A member's prefix: "@" for the owner and operators, "+" for voiced members (PREFIX=(ov)@+);
 * with `all` (the client negotiated multi-prefix) every prefix held, highest first ("@+").
 */
export function prefixOf(room: RoomEntry, user: UserEntry, all = false): string {
  const op = isRoomOperator(room, user);
  const voice = hasVoice(room, user);
  if (op) return all && voice ? '@+' : '@';
  return voice ? '+' : '';
}

/**
 * Space-separated `items` as the last parameter of numeric `code`, split over as many lines
 * as needed to keep each within 512 bytes (an item is never cut). `maxLines` caps the
 * lines (ISON and USERHOST answer in one line).
 */
export function numericList(c: IrcConnection, code: string, params: string[], items: string[], maxLines = Infinity): void {
  const overhead = Buffer.byteLength(`:${c.server.name} ${code} ${c.me} ${params.join(' ')} :\r\n`);
  let line: string[] = [];
  let bytes = overhead;
  let lines = 0;
  for (const item of items) {
    const add = Buffer.byteLength(item) + (line.length ? 1 : 0);
    if (line.length && bytes + add > MAX_LINE_BYTES) {
      c.numeric(code, [...params, line.join(' ')]);
      if (++lines >= maxLines) return;
      line = [];
      bytes = overhead;
    }
    line.push(item);
    bytes += Buffer.byteLength(item) + (line.length > 1 ? 1 : 0);
  }
  if (line.length || lines === 0) c.numeric(code, [...params, line.join(' ')]);
}

/**
 * Whether user `u` shows up for the asker in WHO and NAMES of a channel the asker is not
 * in, and in WHO masks: a user who set +i only to themselves, to those who share a channel
 * with them, and to operators (as ratbox, InspIRCd and ngIRCd do).
 */
export function seenBy(c: IrcConnection, asker: UserEntry | undefined, u: UserEntry): boolean {
  if (u === asker || !c.server.connectionOf(u.name)?.invisible) return true;
  if (!asker) return false;
  if (c.oper || c.core.isAdmin(asker)) return true;
  for (const r of u.rooms) if (asker.rooms.has(r)) return true;
  return false;
}

/** 353s and 366; the channel's symbol is `@` for a secret (+s) channel, `=` otherwise. */
export function names(c: IrcConnection, room: RoomEntry): void {
  const withHost = c.caps.has('userhost-in-names');
  const multi = c.caps.has('multi-prefix');
  const me = c.folded ? c.core.dir.users.get(c.folded) : undefined;
  const member = me !== undefined && room.members.has(me.folded);
  const entries: string[] = [];
  for (const m of room.members) {
    const u = c.core.dir.users.get(m);
    if (u && (member || seenBy(c, me, u))) entries.push(prefixOf(room, u, multi) + (withHost ? c.server.mask(u.name) : u.name));
  }
  entries.sort();
  if (entries.length) numericList(c, N.RPL_NAMREPLY, [readMod(room).secret ? '@' : '=', room.name], entries);
  c.numeric(N.RPL_ENDOFNAMES, [room.name, 'End of /NAMES list']);
}

/** What a client receives for its own join: JOIN, topic, names. */
export function joinBurst(c: IrcConnection, room: RoomEntry, sendJoin: boolean): void {
  if (sendJoin) {
    const account = c.server.account(c.me);
    const tags: Record<string, string> = account !== undefined ? { time: new Date().toISOString(), account } : { time: new Date().toISOString() };
    c.sendLine(c.caps.has('extended-join')
      ? { tags, source: c.server.mask(c.me), command: 'JOIN', params: [room.name, account ?? '*', c.realname || c.me], trailing: true }
      : { tags, source: c.server.mask(c.me), command: 'JOIN', params: [room.name] });
  }
  topic(c, room, false);
  names(c, room);
}
