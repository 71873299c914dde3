/**
 * Slash commands over the server's durable history: /history (page back), /jump (a message
 * in context) and /search.
 */
import { foldName, type ChatMessage } from '../protocol/index.ts';
import { usageError, type TuiCommand } from './command-kit.ts';
import type { ChatSession } from './session.ts';

/** Messages per /history page by default, and at most (the server's `history.pageMax` default). */
export const HISTORY_PAGE = 20;
export const HISTORY_PAGE_MAX = 200;
/** Messages shown before and after the one /jump goes to. */
const JUMP_CONTEXT = 10;
/** Results per /search. */
export const SEARCH_LIMIT = 20;

/** "#room" stays, "@bob" and "bob" become "bob". */
function targetArg(arg: string): string {
  return arg.startsWith('@') ? arg.slice(1) : arg;
}

/** Where a message belongs as I see it: the room, or the other person of a DM. */
function conversationName(s: ChatSession, m: ChatMessage): string {
  if (m.to.startsWith('#')) return m.to;
  return foldName(m.from) === foldName(s.me) ? m.to : m.from;
}

export const HISTORY_COMMANDS: readonly TuiCommand[] = [
  {
    name: 'history', aliases: ['h', 'older'], usage: '[#ROOM|NAME] [COUNT]',
    help: `older messages (default: of the current conversation), ${HISTORY_PAGE} at a time; repeat for more`,
    async run(s, args) {
      const words = args.split(/\s+/).filter(Boolean);
      if (words.length > 2) return usageError(s, 'history');
      let target = s.current;
      let count = HISTORY_PAGE;
      for (const w of words) {
        if (/^\d+$/.test(w)) count = Number(w);
        else target = targetArg(w);
      }
      if (count < 1 || count > HISTORY_PAGE_MAX) return s.show({ type: 'error', code: 'USAGE', message: `COUNT must be 1–${HISTORY_PAGE_MAX}` });
      const before = s.pageFrom(target);
      const r = await s.request('history', { to: target, limit: count, ...(before !== undefined ? { before } : {}) });
      if (!r) return;
      if (r.messages.length === 0) return s.show({ type: 'info', text: `no ${before !== undefined ? 'older ' : ''}messages in ${target}` });
      s.showHistory(target, r.messages, false);
      const more = r.messages.length < count ? `that is the beginning of ${target}` : `/history ${target} for older ones`;
      s.show({ type: 'info', text: `${target}: ${r.messages.length} message${r.messages.length === 1 ? '' : 's'} (${r.messages[0]!.seq}–${r.messages.at(-1)!.seq}); ${more}` });
    },
  },
  {
    name: 'jump', aliases: [], usage: '#ROOM|NAME SEQ', help: 'a message (e.g. found by /search) with those around it',
    async run(s, args) {
      const m = /^(\S+)\s+(\d+)$/.exec(args);
      if (!m) return usageError(s, 'jump');
      const target = targetArg(m[1]!);
      const seq = Number(m[2]!);
      const r = await s.request('history', { to: target, after: Math.max(0, seq - JUMP_CONTEXT - 1), limit: 2 * JUMP_CONTEXT + 1 });
      if (!r) return;
      if (r.messages.length === 0) return s.show({ type: 'info', text: `no messages around ${seq} in ${target}` });
      s.showHistory(target, r.messages, false);
      s.show({ type: 'info', text: `${target} around ${seq}; /history ${target} for older ones` });
    },
  },
  {
    name: 'search', aliases: ['find'], usage: 'WORDS [from:NAME] [in:#ROOM|in:NAME]',
    help: 'search your rooms (and DMs if registered); word* = prefix',
    async run(s, args) {
      if (!args) return usageError(s, 'search');
      const r = await s.request('search', { query: args, limit: SEARCH_LIMIT });
      if (!r) return;
      if (r.results.length === 0) return s.show({ type: 'info', text: `no messages match "${args}"` });
      // Newest last, next to the prompt.
      for (const msg of [...r.results].reverse()) s.show({ type: 'search', msg });
      const newest = r.results[0]!;
      const n = r.results.length;
      s.show({ type: 'info', text: `${n}${n === SEARCH_LIMIT ? '+' : ''} result${n === 1 ? '' : 's'} for "${args}"; /jump ${conversationName(s, newest)} ${newest.seq} shows one in context` });
    },
  },
];
