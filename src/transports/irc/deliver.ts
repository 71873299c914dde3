/**
 * A chat event as IRC lines for one recipient. Who sees what follows IRC: JOIN/PART/TOPIC/
 * KICK for the channel's members, QUIT/NICK/AWAY (away-notify) for those sharing a channel
 * with the user, PRIVMSG/NOTICE for the channel or the two ends of a private message.
 */
import { foldName, modeString, type ChatEvent } from '../../protocol/index.ts';
import { isRoomOperator } from '../../core/directory.ts';
import { readMod } from '../../core/moderation.ts';
import type { IrcConnection } from './connection.ts';
import { splitText, type IrcMessage } from './message.ts';
import { deliverUpdate, isMultiline, multilineLines, wantsMultiline } from './msg-features.ts';
import { cached, isoTime, joinLine, messageLines } from './translate.ts';
import { RecentCache } from '../recent-cache.ts';

/** Per message event: folded ends and its lines, computed for the first recipient. */
const messageInfo = new RecentCache<ChatEvent, { from: string; to: string; lines: IrcMessage[]; multiline: boolean }>();

/** Whether the recipient shares at least one channel with `rooms` (room names). */
function sharesRoom(c: IrcConnection, rooms: Iterable<string>): boolean {
  const mine = c.folded ? c.core.dir.users.get(c.folded)?.rooms : undefined;
  if (!mine) return false;
  for (const r of rooms) if (mine.has(foldName(r))) return true;
  return false;
}

/**
 * invite-notify: who hears of an invitation. On an invite-only (+i) channel only its
 * operators, who could invite too (the spec lets a server choose); elsewhere every member.
 */
function mayHearInvite(c: IrcConnection, roomName: string): boolean {
  const room = c.core.dir.room(roomName);
  const user = c.folded ? c.core.dir.users.get(c.folded) : undefined;
  if (!room || !user) return false;
  return !readMod(room).inviteOnly || isRoomOperator(room, user);
}

/**
 * Chat messages, the fan-out's bulk, take a path of their own: no closure in it, so a call
 * allocates nothing. In `deliverOther` the closures of the other events (`cached` builders)
 * make V8 allocate a context for its variables on every call, whichever event it is (measured
 * with the sampling heap profiler: 116 bytes per delivery, the largest allocation per delivery
 * on the fan-out; docs/benchmarks.md, "IRC write path").
 */
export function deliverEvent(c: IrcConnection, ev: ChatEvent): void {
  if (ev.type === 'message') deliverMessage(c, ev);
  else deliverOther(c, ev);
}

function deliverMessage(c: IrcConnection, ev: Extract<ChatEvent, { type: 'message' }>): void {
  const masks = c.server;
  const me = c.folded;
  let info = messageInfo.get(ev);
  if (!info) {
    info = { from: foldName(ev.msg.from), to: foldName(ev.msg.to), lines: messageLines(ev.msg, masks), multiline: isMultiline(ev.msg) };
    messageInfo.set(ev, info);
  }
  const echo = c.caps.has('echo-message');
  if (info.from === me && info.to !== me && !echo) return;
  const lines = info.multiline && wantsMultiline(c) ? multilineOf(ev, masks) : info.lines;
  // To oneself with echo-message: the message arrives as to any recipient, and its echo
  // (the command's reply, labelled when the command was) follows, as on other servers.
  if (info.from === me && info.to === me && echo) for (let i = 0; i < lines.length; i++) c.sendUnlabeled(lines[i]!);
  for (let i = 0; i < lines.length; i++) c.sendShared(lines[i]!);
}

/** A multiline message's BATCH lines, built once per event. */
function multilineOf(ev: Extract<ChatEvent, { type: 'message' }>, masks: IrcConnection['server']): IrcMessage[] {
  return cached(ev, 'multiline', () => multilineLines(ev.msg, masks));
}

function deliverOther(c: IrcConnection, ev: Exclude<ChatEvent, { type: 'message' }>): void {
  const masks = c.server;
  const me = c.folded;
  switch (ev.type) {
    case 'message_update':
      deliverUpdate(c, ev);
      return;
    case 'user_joined': {
      const user = c.core.dir.user(ev.user.name);
      const mine = me ? c.core.dir.users.get(me)?.rooms : undefined;
      if (!user || !mine) return;
      for (const r of user.rooms) {
        if (!mine.has(r)) continue;
        const room = c.core.dir.rooms.get(r);
        if (room) for (const m of joinLine(ev, user.name, room.name, c.caps.has('extended-join'), masks)) c.sendShared(m);
      }
      return;
    }
    case 'user_left': {
      // A local IRC user records its own departure (connection.ts, leave).
      if (!c.server.connectionOf(ev.name)) c.server.rememberWhowas(ev, ev.name);
      if (!sharesRoom(c, ev.rooms ?? [])) return;
      for (const m of cached(ev, 'quit', () => [{ source: masks.mask(ev.name), command: 'QUIT', params: [ev.reason], trailing: true }])) c.sendShared(m);
      return;
    }
    case 'user_presence': {
      if (!c.caps.has('away-notify') || foldName(ev.name) === me) return;
      const user = c.core.dir.user(ev.name);
      if (!user || !sharesRoom(c, [...user.rooms])) return;
      for (const m of cached(ev, 'away', () => [ev.presence === 'away'
        ? { source: masks.mask(ev.name), command: 'AWAY', params: [ev.away ?? 'away'], trailing: true }
        : { source: masks.mask(ev.name), command: 'AWAY', params: [] }])) c.sendShared(m);
      return;
    }
    case 'room_joined': {
      for (const m of joinLine(ev, ev.name, ev.room, c.caps.has('extended-join'), masks)) c.sendShared(m);
      const user = c.caps.has('away-notify') && foldName(ev.name) !== me ? c.core.dir.user(ev.name) : undefined;
      // away-notify: a joining user who is away is announced as such right after the JOIN.
      if (user?.presence === 'away') c.sendLine({ source: masks.mask(user.name), command: 'AWAY', params: [user.away], trailing: true });
      return;
    }
    case 'room_left':
      for (const m of cached(ev, 'part', () => [ev.reason && ev.reason !== 'left'
        ? { source: masks.mask(ev.name), command: 'PART', params: [ev.room, ev.reason], trailing: true }
        : { source: masks.mask(ev.name), command: 'PART', params: [ev.room] }])) c.sendShared(m);
      return;
    case 'room_topic':
      for (const m of cached(ev, 'topic', () => [{ source: masks.mask(ev.by), command: 'TOPIC', params: [ev.room, ev.topic], trailing: true }])) c.sendShared(m);
      return;
    case 'room_invited':
      c.sendLine({ source: masks.mask(ev.by), command: 'INVITE', params: [c.me, ev.room] });
      return;
    case 'room_member_invited':
      if (c.caps.has('invite-notify') && mayHearInvite(c, ev.room)) c.sendLine({ source: masks.mask(ev.by), command: 'INVITE', params: [ev.name, ev.room] });
      return;
    case 'user_account': {
      // account-notify: to those sharing a channel with the user, and to the user.
      if (!c.caps.has('account-notify')) return;
      const user = c.core.dir.user(ev.name);
      if (foldName(ev.name) !== me && (!user || !sharesRoom(c, [...user.rooms]))) return;
      for (const m of cached(ev, 'account', () => [{ source: masks.mask(ev.name), command: 'ACCOUNT', params: [ev.account] }])) c.sendShared(m);
      return;
    }
    case 'room_operator':
      for (const m of cached(ev, 'op', () => [{ source: masks.mask(ev.by), command: 'MODE', params: [ev.room, ev.op ? '+o' : '-o', ev.name] }])) c.sendShared(m);
      return;
    case 'room_mode':
      for (const m of cached(ev, 'mode', () => {
        const { modes, args } = modeString(ev.changes);
        return [{ source: masks.mask(ev.by), command: 'MODE', params: [ev.room, modes, ...args] }];
      })) c.sendShared(m);
      return;
    case 'room_kicked':
      for (const m of cached(ev, 'kick', () => [{ source: masks.mask(ev.by), command: 'KICK', params: [ev.room, ev.name, ev.reason], trailing: true }])) c.sendShared(m);
      return;
    case 'user_renamed': {
      c.server.rememberWhowas(ev, ev.old);
      const self = foldName(ev.old) === me;
      if (self) c.nick = ev.name;
      const user = c.core.dir.user(ev.name);
      if (!self && (!user || !sharesRoom(c, [...user.rooms]))) return;
      for (const m of cached(ev, 'nick', () => [{ source: masks.mask(ev.old, ev.name), command: 'NICK', params: [ev.name], trailing: true }])) c.sendShared(m);
      return;
    }
    case 'typing': {
      if (!c.caps.has('message-tags')) return;
      const target = ev.to.startsWith('#') ? ev.to : c.nick ?? ev.to;
      // To oneself with echo-message, TAGMSG sends the (labelled) echo; this is the copy
      // that arrives as to any recipient.
      const selfEcho = foldName(ev.from) === me && c.caps.has('echo-message');
      for (const m of cached(ev, `typing:${target}`, () => {
        const account = masks.account(ev.from);
        const tags: Record<string, string> = account !== undefined ? { '+typing': 'active', account } : { '+typing': 'active' };
        return [{ tags, source: masks.mask(ev.from), command: 'TAGMSG', params: [target] }];
      })) {
        if (selfEcho) c.sendUnlabeled(m);
        else c.sendShared(m);
      }
      return;
    }
    case 'tagmsg': {
      // Client-only tags reach message-tags clients only; to oneself, TAGMSG sent the echo.
      if (!c.caps.has('message-tags')) return;
      const target = ev.to.startsWith('#') ? ev.to : c.nick ?? ev.to;
      const selfEcho = foldName(ev.from) === me && c.caps.has('echo-message');
      for (const m of cached(ev, `tagmsg:${target}`, () => {
        const account = masks.account(ev.from);
        const tags: Record<string, string> = { time: isoTime(ev.ts), msgid: ev.id, ...(account !== undefined ? { account } : {}), ...ev.tags };
        return [{ tags, source: masks.mask(ev.from), command: 'TAGMSG', params: [target] }];
      })) {
        if (selfEcho) c.sendUnlabeled(m);
        else c.sendShared(m);
      }
      return;
    }
    case 'notice': {
      const overhead = Buffer.byteLength(`:${c.server.name} NOTICE ${c.me} :\r\n`);
      for (const text of splitText(ev.text, overhead)) c.serverNotice(text);
      return;
    }
    case 'bye':
      // The core closes the session right after; close() writes the ERROR line.
      return;
  }
}
