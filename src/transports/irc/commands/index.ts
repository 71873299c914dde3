/** The verb table: one handler per IRC command, looked up by the upper-cased verb. */
import { register, verify } from './account-registration.ts';
import { authenticate } from './authenticate.ts';
import { away } from './away.ts';
import { batch } from './batch.ts';
import { markread } from './markread.ts';
import { redact } from './redact.ts';
import { cap } from './cap.ts';
import { chathistory } from './chathistory.ts';
import { info, ison, lusers, motd, time, userhost, version } from './info.ts';
import { invite } from './invite.ts';
import { join } from './join.ts';
import { kick } from './kick.ts';
import { list } from './list.ts';
import { mode } from './mode.ts';
import { names } from './names.ts';
import { nick } from './nick.ts';
import { part } from './part.ts';
import { pass } from './pass.ts';
import { ping, pong } from './ping.ts';
import { notice, privmsg } from './privmsg.ts';
import { quit } from './quit.ts';
import { setname } from './setname.ts';
import { tagmsg } from './tagmsg.ts';
import { topic } from './topic.ts';
import { user } from './user.ts';
import type { Verb } from './verb.ts';
import { who } from './who.ts';
import { whois, whowas } from './whois.ts';
import { kill, oper, wallops } from './oper.ts';

const ALL: readonly Verb[] = [
  cap, nick, user, pass, ping, pong, quit,
  join, part, privmsg, notice, tagmsg, names, topic, list, who, whois, whowas, mode, away, kick,
  motd, lusers, version, time, info, ison, userhost, chathistory, invite, authenticate,
  oper, kill, wallops,
  register, verify, setname, batch, redact, markread,
];

export const VERBS: ReadonlyMap<string, Verb> = new Map(ALL.map((v) => [v.name, v]));
