/**
 * RPL_ISUPPORT (005) tokens. Every value states what the server enforces: the limits come
 * from src/protocol/limits.ts and the config, so changing a limit changes what clients read.
 */
import { LIMITS, MAX_MODE_CHANGES } from '../../protocol/index.ts';

export interface IsupportInput {
  network: string;
  maxRoomsPerUser: number;
  /** draft/chathistory: most messages one CHATHISTORY request returns. */
  historyLimit: number;
  /** Entries per ban/exception/invite/quiet list (rooms.maxListEntries). */
  maxListEntries: number;
}

/** Targets one PRIVMSG/NOTICE/JOIN/PART/... may carry (comma-separated). */
export const MAX_TARGETS = 4;
/** Characters of a real name (USER cuts to it, SETNAME refuses more): ISUPPORT NAMELEN. */
export const REALNAME_MAX_LENGTH = 100;
/** Host part of every user mask: users are cloaked; addresses stay in the server log. */
export const USER_HOST = 'banter';
/** USERLEN: the username part of a mask (from USER), longer ones are cut. */
export const USERLEN = 10;

export function isupportTokens(i: IsupportInput): string[] {
  return [
    `AWAYLEN=${LIMITS.awayMaxLength}`,
    'CASEMAPPING=ascii',
    `CHANLIMIT=#:${i.maxRoomsPerUser}`,
    // Lists (type A), the key (B), limit and slow mode (C), flags (D): docs/irc.md, "Channel modes".
    'CHANMODES=beIq,k,lW,imnRst',
    `CHANNELLEN=${LIMITS.roomMaxLength}`,
    'CHANTYPES=#',
    `CHATHISTORY=${i.historyLimit}`,
    // LIST conditions: creation time (C), masks (M), negated masks (N), topic time (T), user counts (U); commands/list.ts.
    'ELIST=CMNTU',
    'EXCEPTS=e',
    'INVEX=I',
    `KEYLEN=${LIMITS.keyMaxLength}`,
    `KICKLEN=${LIMITS.awayMaxLength}`,
    // Each list holds up to the limit on its own ("beIq:100" would mean all four together).
    `MAXLIST=b:${i.maxListEntries},e:${i.maxListEntries},I:${i.maxListEntries},q:${i.maxListEntries}`,
    `MAXTARGETS=${MAX_TARGETS}`,
    `MODES=${MAX_MODE_CHANGES}`,
    'MSGREFTYPES=msgid,timestamp',
    // setname: the longest real name SETNAME accepts (USER cuts longer ones).
    `NAMELEN=${REALNAME_MAX_LENGTH}`,
    `NETWORK=${i.network.replace(/[^A-Za-z0-9._-]/g, '')}`,
    `NICKLEN=${LIMITS.nameMaxLength}`,
    'PREFIX=(ov)@+',
    `TARGMAX=JOIN:${MAX_TARGETS},PART:${MAX_TARGETS},PRIVMSG:${MAX_TARGETS},NOTICE:${MAX_TARGETS},TAGMSG:${MAX_TARGETS},NAMES:1,WHOIS:1,KICK:${MAX_TARGETS},LIST:${MAX_TARGETS}`,
    `TOPICLEN=${LIMITS.topicMaxLength}`,
    `USERLEN=${USERLEN}`,
    'UTF8ONLY',
  ];
}
