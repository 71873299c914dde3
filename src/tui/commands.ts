/**
 * Slash commands of the terminal client, as data: name, aliases, syntax, help and a handler.
 * Each handler gets the session and the text after the command name.
 */
import { foldName, LOBBY } from '../protocol/index.ts';
import { firstWord, roomArg, usageError, USAGE, type TuiCommand } from './command-kit.ts';
import { ACCOUNT_COMMANDS } from './commands-account.ts';
import { HISTORY_COMMANDS } from './commands-history.ts';
import { MODERATION_COMMANDS } from './commands-moderation.ts';
import { FILE_COMMANDS } from './commands-files.ts';
import { EXIT } from './exit-codes.ts';

export type { TuiCommand } from './command-kit.ts';

export const COMMANDS: readonly TuiCommand[] = [
  {
    name: 'help', aliases: ['?'], usage: '[COMMAND]', help: 'list the commands, or explain one',
    run(s, args) {
      const wanted = args ? findCommand(args.replace(/^\//, '')) : undefined;
      if (args && !wanted) return usageError(s, 'help');
      for (const c of wanted ? [wanted] : COMMANDS) {
        // Aliases only in the detailed help, to keep the list to one short line per command.
        const alias = wanted && c.aliases.length ? ` (also ${c.aliases.map((a) => `/${a}`).join(' ')})` : '';
        s.show({ type: 'info', text: `/${c.name}${c.usage ? ` ${c.usage}` : ''} — ${c.help}${alias}` });
      }
      if (!wanted) s.show({ type: 'info', text: 'Other text goes to the current conversation ("//x" sends "/x"); /help CMD for more.' });
    },
  },
  {
    name: 'calc', aliases: ['c'], usage: 'EXPRESSION', help: 'math only you see: 2^100, 5 km to mi',
    async run(s, args) {
      if (!args) return usageError(s, 'calc');
      const r = await s.request('calc', { expr: args });
      if (r) s.show({ type: 'calc', expr: r.expr, result: r.result });
    },
  },
  {
    name: 'msg', aliases: ['m', 'tell'], usage: 'NAME TEXT', help: 'direct message to one user (online, or registered)',
    async run(s, args) {
      const [to, text] = firstWord(args);
      if (!to || !text.trim()) return usageError(s, 'msg');
      await s.openDm(to);
      s.say(to, text);
    },
  },
  {
    name: 'reply', aliases: ['r'], usage: 'TEXT', help: 'answer the last direct message you received',
    async run(s, args) {
      if (!args) return usageError(s, 'reply');
      if (!s.lastDmFrom) return s.show({ type: 'error', code: 'NO_SUCH_USER', message: 'nobody has sent you a direct message yet' });
      await s.openDm(s.lastDmFrom);
      s.say(s.lastDmFrom, args);
    },
  },
  {
    name: 'me', aliases: ['action'], usage: 'ACTION', help: 'an action in the current conversation: /me waves → * alice waves',
    run(s, args) {
      if (!args) return usageError(s, 'me');
      s.say(s.current, args, 'action');
    },
  },
  {
    name: 'users', aliases: ['who'], usage: '[+]', help: 'who is connected, with presence (a page at a time: + shows the next)',
    async run(s, args) {
      const more = args.trim() === '+' ? s.pages.get('users') : undefined;
      if (args.trim() !== '' && more === undefined) return args.trim() === '+' ? s.show({ type: 'info', text: 'no more users to show (/users starts again)' }) : usageError(s, 'users');
      const r = await s.request('users', more !== undefined ? { after: more } : {});
      if (r) {
        if (more === undefined) s.setUsers(r.users);
        else s.addUsers(r.users);
        s.notePage('users', r.next);
        s.show({ type: 'users', users: r.users, count: r.count, ...(r.next !== undefined ? { next: r.next } : {}) });
      }
    },
  },
  {
    name: 'join', aliases: ['j'], usage: '#ROOM [KEY]', help: 'join or create a room and talk there (KEY for a room with a join key)',
    async run(s, args) {
      const [room, key] = firstWord(args.trim());
      if (!room || /\s/.test(key.trim())) return usageError(s, 'join');
      const r = await s.request('join', key.trim() ? { room: roomArg(room), key: key.trim() } : { room: roomArg(room) });
      if (!r) return;
      s.rememberRoom(r.name, r.topic);
      s.setCurrent(r.name);
      const names = r.members.map((m) => m.name).join(', ');
      s.showJoinHistory(r);
      s.notePage(`members:${foldName(r.name)}`, r.next);
      s.show({ type: 'info', text: `now talking in ${r.name} — ${r.count} here: ${names}${r.next !== undefined ? ` … (/members + for more)` : ''}${r.topic ? `; topic: ${r.topic}` : ''}` });
    },
  },
  {
    name: 'part', aliases: ['leave'], usage: '[#ROOM]', help: 'leave a room (default: the current one)',
    async run(s, args) {
      const room = args ? roomArg(args) : s.current;
      if (!room.startsWith('#')) return usageError(s, 'part');
      const r = await s.request('part', { room });
      if (r) s.forgetRoom(r.room);
    },
  },
  {
    name: 'rooms', aliases: ['list'], usage: '', help: 'list the rooms',
    async run(s) {
      const r = await s.request('rooms', {});
      if (!r) return;
      for (const room of r.rooms) s.knownRooms.add(room.name);
      s.show({ type: 'rooms', rooms: r.rooms });
    },
  },
  {
    name: 'switch', aliases: ['s', 'query', 'q'], usage: '#ROOM|NAME', help: 'talk in a room you are in, or to a user',
    async run(s, args) {
      if (!args || /\s/.test(args)) return usageError(s, 'switch');
      if (args.startsWith('#')) {
        const room = s.joined.get(foldName(args));
        if (!room) return s.show({ type: 'error', code: 'NOT_IN_ROOM', message: `you are not in ${args} (use /join ${args})` });
        s.setCurrent(room.name);
      } else {
        const name = args.replace(/^@/, '');
        const user = s.users.get(foldName(name));
        // A registered user may write to registered people who are offline (the server says
        // NO_SUCH_USER for anyone else).
        if (!user && !s.registered) return s.show({ type: 'error', code: 'NO_SUCH_USER', message: `no user named "${name}" is online (/users lists them)` });
        s.setCurrent(user?.name ?? name);
        await s.openDm(s.current);
      }
      s.show({ type: 'info', text: `now talking ${s.current.startsWith('#') ? 'in' : 'to'} ${s.current}` });
    },
  },
  {
    name: 'members', aliases: ['names'], usage: '[#ROOM] [+]', help: 'who is in a room (default: the current one), a page at a time in large rooms (+ shows the next)',
    async run(s, args) {
      const words = args.trim() === '' ? [] : args.trim().split(/\s+/);
      const plus = words.at(-1) === '+';
      if (plus) words.pop();
      if (words.length > 1) return usageError(s, 'members');
      const room = words[0] !== undefined ? roomArg(words[0]) : s.current.startsWith('#') ? s.current : LOBBY;
      const key = `members:${foldName(room)}`;
      const after = plus ? s.pages.get(key) : undefined;
      if (plus && after === undefined) return s.show({ type: 'info', text: `no more members of ${room} to show (/members ${room} starts again)` });
      const r = await s.request('members', after !== undefined ? { room, after } : { room });
      if (!r) return;
      s.notePage(key, r.next);
      s.show({ type: 'members', room: r.room, members: r.members, count: r.count, ...(r.next !== undefined ? { next: r.next } : {}) });
    },
  },
  {
    name: 'topic', aliases: [], usage: '[TEXT]', help: 'show or set the room topic ("-" clears it)',
    async run(s, args) {
      if (!s.current.startsWith('#')) return s.show({ type: 'error', code: 'NOT_IN_ROOM', message: 'topics belong to rooms; /switch to a room first' });
      if (!args) {
        const topic = s.joined.get(foldName(s.current))?.topic ?? '';
        return s.show({ type: 'info', text: topic ? `topic of ${s.current}: ${topic}` : `${s.current} has no topic` });
      }
      await s.request('topic', { room: s.current, topic: args === '-' ? '' : args });
    },
  },
  {
    name: 'away', aliases: [], usage: '[REASON]', help: 'mark yourself away',
    async run(s, args) {
      // The server's user_presence event is the confirmation.
      await s.request('away', args ? { message: args } : {});
    },
  },
  {
    name: 'back', aliases: [], usage: '', help: 'mark yourself back',
    async run(s) {
      await s.request('back', {});
    },
  },
  ...HISTORY_COMMANDS,
  ...FILE_COMMANDS,
  ...ACCOUNT_COMMANDS,
  ...MODERATION_COMMANDS,
  {
    name: 'quit', aliases: ['exit', 'bye'], usage: '', help: 'leave the chat (or Ctrl-D)',
    run(s) {
      s.quit(EXIT.OK);
    },
  },
];

const BY_NAME = new Map<string, TuiCommand>();
for (const c of COMMANDS) {
  for (const n of [c.name, ...c.aliases]) BY_NAME.set(n, c);
  USAGE.set(c.name, c.usage);
}

export function findCommand(name: string): TuiCommand | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Every command name with its slash, for completion. */
export function commandWords(): string[] {
  return COMMANDS.map((c) => `/${c.name}`);
}

