// MODE <channel> [<modestring> [<mode arguments>...]]   MODE <nick> [<modestring>]
// Channel modes are the room settings, lists and roles of src/core/moderation.ts, one letter
// each (MODE_LETTERS; docs/irc.md, "Channel modes"): lists b e I q (type A), key k (B), limit
// l and slow mode W (C), flags i m n s t (D), prefixes o v. Every change goes through the
// core's `mode` command, so the rules are the ones every transport gets. The only user mode
// is +i (invisible: hidden from WHO masks and from NAMES/WHO of channels the asker is not in, replies.ts seenBy).
import { foldName, LIST_LETTERS, MODE_LETTERS, parseModeString, type ListName } from '../../../protocol/index.ts';
import { readMod } from '../../../core/moderation.ts';
import type { IrcConnection } from '../connection.ts';
import { N } from '../numerics.ts';
import { defineVerb } from './verb.ts';

const LISTS: Record<string, { list: ListName; item: string; end: string; endText: string }> = {
  b: { list: LIST_LETTERS.b!, item: N.RPL_BANLIST, end: N.RPL_ENDOFBANLIST, endText: 'End of channel ban list' },
  e: { list: 'except', item: N.RPL_EXCEPTLIST, end: N.RPL_ENDOFEXCEPTLIST, endText: 'End of channel exception list' },
  I: { list: 'invex', item: N.RPL_INVITELIST, end: N.RPL_ENDOFINVITELIST, endText: 'End of channel invite list' },
  q: { list: 'mute', item: N.RPL_QUIETLIST, end: N.RPL_ENDOFQUIETLIST, endText: 'End of channel quiet list' },
};

/** Sends one list (367/368, 348/349, 346/347, 728/729), as IRC servers do, to members and admins. */
async function sendList(c: IrcConnection, roomName: string, letter: string): Promise<void> {
  const spec = LISTS[letter]!;
  let state;
  try {
    state = await c.execute('mode', { room: roomName });
  } catch (err) {
    return c.fail(err, { command: 'MODE', target: roomName });
  }
  // Charybdis puts the list letter before the entries of the quiet list.
  const extra = letter === 'q' ? ['q'] : [];
  for (const e of state.settings[spec.list]) c.numeric(spec.item, [state.room, ...extra, e.mask, c.server.mask(e.by), String(Math.floor(e.at / 1000))], false);
  c.numeric(spec.end, [state.room, ...extra, spec.endText]);
}

async function channelMode(c: IrcConnection, name: string, modes: string | undefined, args: string[]): Promise<void> {
  const room = c.core.dir.room(name);
  if (!room) return c.numeric(N.ERR_NOSUCHCHANNEL, [name, 'No such channel']);
  if (modes === undefined) {
    let state;
    try {
      state = await c.execute('mode', { room: room.name });
    } catch (err) {
      return c.fail(err, { command: 'MODE', target: name });
    }
    const s = state.settings;
    const m = readMod(room);
    let letters = '+';
    const params: string[] = [];
    if (s.invite_only) letters += 'i';
    if (m.key !== '') { letters += 'k'; params.push(s.key); }
    if (s.limit > 0) { letters += 'l'; params.push(String(s.limit)); }
    if (s.moderated) letters += 'm';
    if (s.no_outside) letters += 'n';
    if (s.registered_only) letters += 'R';
    if (s.secret) letters += 's';
    if (s.topic_lock) letters += 't';
    if (s.slow > 0) { letters += 'W'; params.push(String(s.slow)); }
    c.numeric(N.RPL_CHANNELMODEIS, [state.room, letters, ...params], false);
    c.numeric(N.RPL_CREATIONTIME, [state.room, String(Math.floor((room.createdAt ?? c.server.createdAt.getTime()) / 1000))], false);
    return;
  }
  const { changes, lists, unknown, missing } = parseModeString(modes, args);
  for (const m of unknown) c.numeric(N.ERR_UNKNOWNMODE, [m, 'is unknown mode char to me']);
  if (missing.length > 0) c.numeric(N.ERR_NEEDMOREPARAMS, ['MODE', 'Not enough parameters']);
  for (const l of lists) await sendList(c, room.name, l);
  if (changes.length === 0) return;
  // The MODE lines come back as room_mode / room_operator events, to every member alike.
  await c.execute('mode', { room: room.name, changes }).catch((err: unknown) => {
    const bad = changes.find((ch) => ch.mode !== 'op' && ch.mode !== 'voice');
    c.fail(err, { command: 'MODE', target: room.name, nick: changes.find((ch) => ch.mode === 'op' || ch.mode === 'voice')?.arg ?? (bad ? MODE_LETTERS[bad.mode] : undefined) });
  });
}

function userMode(c: IrcConnection, nick: string, modes: string | undefined): void {
  if (foldName(nick) !== c.folded) {
    if (!c.core.dir.user(nick)) return c.numeric(N.ERR_NOSUCHNICK, [nick, 'No such nick/channel']);
    return c.numeric(N.ERR_USERSDONTMATCH, [modes === undefined ? "Can't view modes for other users" : "Can't change mode for other users"]);
  }
  if (modes === undefined) return c.numeric(N.RPL_UMODEIS, [`+${c.invisible ? 'i' : ''}${c.oper ? 'o' : ''}`], false);
  let sign = '+';
  let changed = '';
  let unknown = false;
  for (const ch of modes) {
    if (ch === '+' || ch === '-') { sign = ch; continue; }
    // -o drops the operator flag; +o is only given by OPER.
    if (ch === 'o' && sign === '-' && c.oper) {
      c.oper = false;
      changed += '-o';
      continue;
    }
    if (ch === 'o') continue;
    if (ch !== 'i') { unknown = true; continue; }
    const on = sign === '+';
    if (c.invisible !== on) {
      c.server.setInvisible(c, on);
      changed += `${sign}i`;
    }
  }
  if (changed) c.sendLine({ source: c.server.mask(c.me), command: 'MODE', params: [c.me, changed], trailing: true });
  if (unknown) c.numeric(N.ERR_UMODEUNKNOWNFLAG, ['Unknown MODE flag']);
}

export const mode = defineVerb({
  name: 'MODE',
  minParams: 1,
  async run(c, msg) {
    const target = msg.params[0]!;
    if (target.startsWith('#')) await channelMode(c, target, msg.params[1], msg.params.slice(2));
    else userMode(c, target, msg.params[1]);
  },
});
