/**
 * Slash commands for moderation: room settings, lists and roles in the current room (or a
 * #room given first), and the server administrators' commands. The server checks every
 * rule; these only build the requests (docs/protocol.md, "Moderation").
 */
import { modeString, parseModeString, type ModeChange, type RoomSettings } from '../protocol/index.ts';
import { firstWord, roomArg, usageError, type TuiCommand } from './command-kit.ts';
import type { ChatSession } from './session.ts';

/** "#room rest" -> ["#room", "rest"]; otherwise the current room and all of `args`. */
function roomAndRest(s: ChatSession, args: string): [string | undefined, string] {
  if (args.startsWith('#')) return firstWord(args);
  return [s.current.startsWith('#') ? s.current : undefined, args];
}

function describe(st: RoomSettings): string {
  const parts = [
    st.invite_only && 'invite-only (+i)', st.key !== '' && `key ${st.key} (+k)`, st.limit > 0 && `limit ${st.limit} (+l)`,
    st.moderated && 'moderated (+m)', st.no_outside && 'no outside messages (+n)', st.secret && 'secret (+s)',
    st.topic_lock && 'topic lock (+t)', st.registered_only && 'registered users only (+R)', st.slow > 0 && `slow mode ${st.slow} s (+W)`,
  ].filter((p): p is string => typeof p === 'string');
  const lists = (['ban', 'except', 'invex', 'mute'] as const).filter((l) => st[l].length > 0).map((l) => `${l}s: ${st[l].map((e) => e.mask).join(' ')}`);
  return [parts.length ? parts.join(', ') : 'no settings', ...lists].join('; ');
}

async function change(s: ChatSession, cmd: string, args: string, changes: (rest: string) => ModeChange[] | undefined): Promise<void> {
  const [room, rest] = roomAndRest(s, args.trim());
  const list = room ? changes(rest.trim()) : undefined;
  if (!room || !list) return usageError(s, cmd);
  const r = await s.request('mode', { room: roomArg(room), changes: list });
  if (r && r.changes.length === 0) s.show({ type: 'info', text: `nothing changed in ${r.room}` });
}

/** A command that sets or clears one list entry or role: /ban MASK, /op NAME, … */
function one(name: string, aliases: string[], mode: ModeChange['mode'], on: boolean, usage: string, help: string): TuiCommand {
  return {
    name, aliases, usage, help,
    run: (s, args) => change(s, name, args, (rest) => (rest !== '' && !/\s/.test(rest) ? [{ mode, on, arg: rest }] : undefined)),
  };
}

export const MODERATION_COMMANDS: readonly TuiCommand[] = [
  {
    name: 'mode', aliases: [], usage: '[#ROOM] [+i|-i +k KEY +l N +m +s +t +n +W SECONDS +b/+e/+I/+q MASK +o/+v NAME ...]',
    help: 'show or change a room\'s settings, lists and roles (IRC mode letters; /help mode)',
    async run(s, args) {
      const [room, rest] = roomAndRest(s, args.trim());
      if (!room) return usageError(s, 'mode');
      const [modes, params] = firstWord(rest.trim());
      if (modes === '') {
        const r = await s.request('mode', { room: roomArg(room) });
        if (r) s.show({ type: 'info', text: `${r.room}: ${describe(r.settings)}` });
        return;
      }
      const p = parseModeString(modes, params.split(/\s+/).filter((x) => x !== ''));
      if (p.unknown.length || p.missing.length || (p.changes.length === 0 && p.lists.length === 0)) return usageError(s, 'mode');
      if (p.changes.length === 0) {
        const r = await s.request('mode', { room: roomArg(room) });
        if (r) s.show({ type: 'info', text: `${r.room}: ${describe(r.settings)}` });
        return;
      }
      const r = await s.request('mode', { room: roomArg(room), changes: p.changes });
      if (r && r.changes.length === 0) s.show({ type: 'info', text: `nothing changed in ${r.room}` });
      else if (r) s.show({ type: 'info', text: `${r.room} mode ${[modeString(r.changes).modes, ...modeString(r.changes).args].join(' ')}` });
    },
  },
  {
    name: 'kick', aliases: [], usage: '[#ROOM] NAME [REASON]', help: 'remove someone from a room you operate',
    async run(s, args) {
      const [room, rest] = roomAndRest(s, args.trim());
      const [name, reason] = firstWord(rest);
      if (!room || !name) return usageError(s, 'kick');
      await s.request('kick', reason.trim() ? { room: roomArg(room), name, reason: reason.trim() } : { room: roomArg(room), name });
    },
  },
  {
    name: 'invite', aliases: [], usage: '[#ROOM] NAME', help: 'invite someone to a room (lets them in once past +i, +k, +l and bans)',
    async run(s, args) {
      const [room, rest] = roomAndRest(s, args.trim());
      if (!room || !rest || /\s/.test(rest.trim())) return usageError(s, 'invite');
      const r = await s.request('invite', { room: roomArg(room), name: rest.trim() });
      if (r) s.show({ type: 'info', text: `invited ${r.name} to ${r.room}` });
    },
  },
  one('ban', [], 'ban', true, '[#ROOM] MASK', 'ban a nick!user@host mask or $a:ACCOUNT (cannot join or speak)'),
  one('unban', [], 'ban', false, '[#ROOM] MASK', 'lift a ban'),
  one('mute', ['quiet'], 'mute', true, '[#ROOM] MASK', 'mute a mask or $a:ACCOUNT (can read, not speak)'),
  one('unmute', [], 'mute', false, '[#ROOM] MASK', 'lift a mute'),
  one('op', [], 'op', true, '[#ROOM] NAME', 'make a member an operator (owners only)'),
  one('deop', [], 'op', false, '[#ROOM] NAME', 'take operator status (your own, or as the owner)'),
  one('voice', [], 'voice', true, '[#ROOM] NAME', 'let a member speak in a moderated room'),
  one('devoice', [], 'voice', false, '[#ROOM] NAME', 'take voice'),
  {
    name: 'audit', aliases: [], usage: '[#ROOM]', help: 'the moderation log: of a room you operate, or (admins) everything',
    async run(s, args) {
      const room = args.trim();
      if (/\s/.test(room)) return usageError(s, 'audit');
      const r = await s.request('audit', room ? { room: roomArg(room) } : {});
      if (!r) return;
      if (r.entries.length === 0) s.show({ type: 'info', text: 'the audit log is empty' });
      for (const e of r.entries) {
        s.show({ type: 'info', text: `${new Date(e.ts).toISOString()} ${e.actor}: ${e.action}${e.room ? ` ${e.room}` : ''}${e.target ? ` ${e.target}` : ''}${e.reason ? ` (${e.reason})` : ''}` });
      }
    },
  },
  {
    name: 'kill', aliases: [], usage: 'NAME [REASON]', help: '(admins) disconnect a user',
    async run(s, args) {
      const [name, reason] = firstWord(args.trim());
      if (!name) return usageError(s, 'kill');
      const r = await s.request('kill', reason.trim() ? { name, reason: reason.trim() } : { name });
      if (r) s.show({ type: 'info', text: `disconnected ${r.name}` });
    },
  },
  {
    name: 'wallops', aliases: ['announce'], usage: 'TEXT', help: '(admins) a notice to everyone on the server',
    async run(s, args) {
      if (!args.trim()) return usageError(s, 'wallops');
      await s.request('wallops', { text: args.trim() });
    },
  },
  {
    name: 'serverban', aliases: [], usage: '[-]$a:ACCOUNT|IP[/BITS] [REASON]', help: '(admins) ban an account or address range from the server ("-" first lifts it)',
    async run(s, args) {
      const [rawMask, reason] = firstWord(args.trim());
      const on = !rawMask.startsWith('-');
      const mask = on ? rawMask : rawMask.slice(1);
      if (!mask) return usageError(s, 'serverban');
      const r = await s.request('server_ban', reason.trim() ? { mask, on, reason: reason.trim() } : { mask, on });
      if (r) s.show({ type: 'info', text: `server bans: ${r.bans.length ? r.bans.join(' ') : 'none'}` });
    },
  },
];
