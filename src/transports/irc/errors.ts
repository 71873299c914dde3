/**
 * Core errors (stable ChatError codes) to IRC numerics. Which numeric fits can depend on
 * the command (NOT_IN_ROOM is 404 for PRIVMSG but 442 for PART), so the caller passes the
 * command and the target it was about. Codes without an IRC equivalent become
 * ERR_UNKNOWNERROR (400) with the core's message; INTERNAL never shows a detail.
 */
import { ERROR_CODES, type ErrorCode } from '../../protocol/index.ts';
import { N } from './numerics.ts';

/** The text of 433 for a nick that belongs to a registered account. */
export const REGISTERED_NICK_TEXT = 'Nickname is registered to an account: log in with SASL or PASS, or choose another nickname';

export interface ErrorReply {
  numeric: string;
  /** Parameters after the client's nick; the last one is the human text. */
  params: string[];
}

export interface ErrorSubject {
  command: string;
  /** The channel or nick the command was about, when there is one. */
  target?: string;
  /** A second subject (the nick in KICK). */
  nick?: string;
}

export function errorReply(code: ErrorCode, message: string, s: ErrorSubject): ErrorReply {
  const t = s.target ?? '*';
  switch (code) {
    case 'NOT_LOGGED_IN': return { numeric: N.ERR_NOTREGISTERED, params: ['You have not registered'] };
    case 'ALREADY_LOGGED_IN': return { numeric: N.ERR_ALREADYREGISTERED, params: ['You may not reregister'] };
    case 'NAME_INVALID': return { numeric: N.ERR_ERRONEUSNICKNAME, params: [t, 'Erroneous nickname'] };
    case 'NAME_CONFUSABLE':
    case 'NAME_TAKEN': return { numeric: N.ERR_NICKNAMEINUSE, params: [t, 'Nickname is already in use'] };
    // A registered nick is "in use" by its account: 433 makes clients pick their alternative nick.
    case 'AUTH_REQUIRED': return { numeric: N.ERR_NICKNAMEINUSE, params: [t, REGISTERED_NICK_TEXT] };
    case 'AUTH_FAILED': return { numeric: N.ERR_PASSWDMISMATCH, params: ['Password incorrect'] };
    case 'AUTH_THROTTLED': return { numeric: N.ERR_PASSWDMISMATCH, params: [`Password not checked: ${message}`] };
    case 'NO_SUCH_USER': return { numeric: N.ERR_NOSUCHNICK, params: [s.nick ?? t, 'No such nick/channel'] };
    case 'NO_SUCH_ROOM':
    case 'ROOM_INVALID': return { numeric: N.ERR_NOSUCHCHANNEL, params: [t, 'No such channel'] };
    case 'NOT_IN_ROOM':
      return s.command === 'PRIVMSG' || s.command === 'NOTICE' || s.command === 'TAGMSG'
        ? { numeric: N.ERR_CANNOTSENDTOCHAN, params: [t, 'Cannot send to channel'] }
        : { numeric: N.ERR_NOTONCHANNEL, params: [t, "You're not on that channel"] };
    case 'ALREADY_IN_ROOM': return { numeric: N.ERR_USERONCHANNEL, params: [s.nick ?? '*', t, 'is already on channel'] };
    case 'USER_NOT_IN_ROOM': return { numeric: N.ERR_USERNOTINCHANNEL, params: [s.nick ?? '*', t, "They aren't on that channel"] };
    case 'NOT_ROOM_OPERATOR': return { numeric: N.ERR_CHANOPRIVSNEEDED, params: [t, "You're not channel operator"] };
    case 'TOO_MANY_ROOMS': return { numeric: N.ERR_TOOMANYCHANNELS, params: [t, 'You have joined too many channels'] };
    case 'ROOM_FULL': return { numeric: N.ERR_CHANNELISFULL, params: [t, 'Cannot join channel (+l)'] };
    case 'NICK_LOCKED': return { numeric: N.ERR_BANONCHAN, params: [t, s.nick ?? '*', 'Cannot change nickname while banned or muted on channel'] };
    case 'ROOM_REGISTERED_ONLY': return { numeric: N.ERR_NEEDREGGEDNICK, params: [t, 'Cannot join channel (+R) - you need to be logged into your account'] };
    case 'ROOM_INVITE_ONLY': return { numeric: N.ERR_INVITEONLYCHAN, params: [t, 'Cannot join channel (+i)'] };
    case 'ROOM_KEY_REQUIRED': return { numeric: N.ERR_BADCHANNELKEY, params: [t, 'Cannot join channel (+k)'] };
    case 'BANNED_FROM_ROOM':
      return s.command === 'JOIN'
        ? { numeric: N.ERR_BANNEDFROMCHAN, params: [t, 'Cannot join channel (+b)'] }
        : { numeric: N.ERR_CANNOTSENDTOCHAN, params: [t, 'Cannot send to channel (you are banned)'] };
    case 'ROOM_MODERATED': return { numeric: N.ERR_CANNOTSENDTOCHAN, params: [t, 'Cannot send to channel (+m)'] };
    case 'MUTED': return { numeric: N.ERR_CANNOTSENDTOCHAN, params: [t, 'Cannot send to channel (you are muted, +q)'] };
    case 'SLOW_MODE': return { numeric: N.ERR_CANNOTSENDTOCHAN, params: [t, `Cannot send to channel (+W): ${message}`] };
    case 'RANK_TOO_LOW': return { numeric: N.ERR_CHANOPRIVSNEEDED, params: [t, `You're not a high enough channel operator: ${message}`] };
    case 'MODE_INVALID': return { numeric: N.ERR_INVALIDMODEPARAM, params: [t, s.nick ?? '*', '*', message] };
    case 'LIST_FULL': return { numeric: N.ERR_BANLISTFULL, params: [t, s.nick ?? '*', 'Channel list is full'] };
    case 'NOT_ADMIN': return { numeric: N.ERR_NOPRIVILEGES, params: ["Permission Denied- You're not an IRC operator"] };
    case 'SERVER_BANNED': return { numeric: N.ERR_YOUREBANNEDCREEP, params: [message] };
    case 'TEXT_EMPTY': return { numeric: N.ERR_NOTEXTTOSEND, params: ['No text to send'] };
    case 'INTERNAL': return { numeric: N.ERR_UNKNOWNERROR, params: [s.command, ERROR_CODES.INTERNAL] };
    default: return { numeric: N.ERR_UNKNOWNERROR, params: [s.command, message] };
  }
}
