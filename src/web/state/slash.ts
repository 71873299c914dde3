/**
 * Slash commands typed in the message field, for keyboard users. "//text" sends "/text".
 * Returns undefined when `text` is not a command (send it as a message), or the handling.
 */
import { shortcutLines } from '../lib/shortcuts.ts';
import { parseModeString } from '../../protocol/index.ts';
import type { ChatStore } from './store.ts';
import type { Conv } from './types.ts';

export const SLASH_HELP = [
  '/join #room — join or create a room',
  '/part — leave this room',
  '/topic text — set this room’s topic (empty clears it)',
  '/msg name text — direct message',
  '/me text — an action ("* you text")',
  '/calc expression — private calculator',
  '/away [message] · /back — presence',
  '/users — who is connected',
  '/mode +m, /mode +b nick, /mode +v nick … — room settings, lists and roles (IRC letters; operators)',
  '/kick name [reason] · /invite name — in this room',
  '/admin — server bans, disconnecting users, notices and the audit log (administrators)',
].join('\n');

export interface SlashUi {
  openUsers(): void;
}

export function runSlash(store: ChatStore, conv: Conv, text: string, ui: SlashUi): 'handled' | 'send' {
  if (!text.startsWith('/') || text.startsWith('//')) return 'send';
  const m = /^\/(\S+)\s*([\s\S]*)$/.exec(text.trim());
  const cmd = m?.[1]?.toLowerCase() ?? '';
  const arg = m?.[2]?.trim() ?? '';
  const fail = (e: unknown): void => store.error(conv, (e as Error).message);
  switch (cmd) {
    case 'join':
      if (!arg) store.error(conv, 'Usage: /join #room');
      else store.joinRoom(arg.split(/\s+/)[0]!).catch(fail);
      return 'handled';
    case 'part': case 'leave':
      if (conv.kind === 'room') void store.leaveRoom(conv);
      else store.closeDm(conv);
      return 'handled';
    case 'topic':
      if (conv.kind !== 'room') store.error(conv, 'Topics are for rooms.');
      else void store.setTopic(conv, arg);
      return 'handled';
    case 'msg': case 'dm': {
      const mm = /^(\S+)\s+([\s\S]+)$/.exec(arg);
      if (!mm) store.error(conv, 'Usage: /msg name text');
      else store.sendDm(mm[1]!, mm[2]!);
      return 'handled';
    }
    case 'me':
      if (!arg) store.error(conv, 'Usage: /me text');
      else store.sendAction(conv, arg);
      return 'handled';
    case 'calc':
      if (!arg) store.error(conv, 'Usage: /calc expression');
      else store.calc(arg);
      return 'handled';
    case 'away':
      void store.setAway(arg);
      return 'handled';
    case 'back':
      void store.setAway(undefined);
      return 'handled';
    case 'users':
      ui.openUsers();
      return 'handled';
    case 'mode': {
      if (conv.kind !== 'room') { store.error(conv, 'Modes are for rooms.'); return 'handled'; }
      const [modes = '', ...params] = arg.split(/\s+/).filter((x) => x !== '');
      const p = parseModeString(modes, params);
      if (p.changes.length === 0 || p.unknown.length || p.missing.length) store.error(conv, 'Usage: /mode +m | -m | +k key | +l n | +W seconds | +b mask | +q mask | +v name | +o name …');
      else store.mode(conv, p.changes).catch(() => undefined);
      return 'handled';
    }
    case 'kick': case 'invite': {
      const mm = /^(\S+)\s*([\s\S]*)$/.exec(arg);
      if (conv.kind !== 'room' || !mm) store.error(conv, `Usage: /${cmd} name${cmd === 'kick' ? ' [reason]' : ''} (in a room)`);
      else if (cmd === 'kick') void store.moderate(conv, 'kick', mm[2] ? { room: conv.name, name: mm[1]!, reason: mm[2] } : { room: conv.name, name: mm[1]! });
      else void store.moderate(conv, 'invite', { room: conv.name, name: mm[1]! });
      return 'handled';
    }
    case 'admin':
      store.adminOpen = true;
      store.changed();
      return 'handled';
    case 'help':
      store.info(conv, `${SLASH_HELP}\n\nKeyboard shortcuts (also behind the ? button in the header):\n${shortcutLines()}`);
      return 'handled';
    default:
      store.error(conv, `Unknown command /${cmd}. Type /help for the list, or start with // to send a message that begins with /.`);
      return 'handled';
  }
}
