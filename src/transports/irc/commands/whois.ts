// WHOIS [<server>] <nick>   WHOWAS <nick>
import { foldName } from '../../../protocol/index.ts';
import { N } from '../numerics.ts';
import { numericList, prefixOf } from '../replies.ts';
import { USER_HOST } from '../isupport.ts';
import { CALC_NICK } from './calc-service.ts';
import { defineVerb } from './verb.ts';
import { visibleTo } from '../../../core/moderation.ts';

export const whois = defineVerb({
  name: 'WHOIS',
  minParams: 0,
  run(c, msg) {
    const raw = msg.params[msg.params.length - 1];
    if (!raw) return c.numeric(N.ERR_NONICKNAMEGIVEN, ['No nickname given']);
    const nick = raw.split(',')[0]!;
    const { dir } = c.core;
    if (foldName(nick) === 'calc') {
      c.numeric(N.RPL_WHOISUSER, [CALC_NICK, 'calc', 'services', '*', 'Calculator: /msg Calc 2^100']);
      c.numeric(N.RPL_WHOISSERVER, [CALC_NICK, c.server.name, 'Banter services']);
      c.numeric(N.RPL_ENDOFWHOIS, [CALC_NICK, 'End of /WHOIS list']);
      return;
    }
    const u = dir.user(nick);
    if (!u) {
      c.numeric(N.ERR_NOSUCHNICK, [nick, 'No such nick/channel']);
      c.numeric(N.RPL_ENDOFWHOIS, [nick, 'End of /WHOIS list']);
      return;
    }
    const ident = c.server.ident(u.name);
    c.numeric(N.RPL_WHOISUSER, [u.name, `~${ident?.user ?? u.name.slice(0, 10)}`, USER_HOST, '*', c.server.realname(u.name)]);
    // Secret channels (+s) are shown only to those who are in them (and admins).
    const asker = c.core.dir.users.get(c.folded!);
    const askerAdmin = c.core.isAdmin(asker);
    const chans = [...u.rooms].map((r) => dir.rooms.get(r)).filter((r) => r !== undefined && visibleTo(r, asker, askerAdmin)).map((r) => prefixOf(r!, u, c.caps.has('multi-prefix')) + r!.name);
    if (chans.length) numericList(c, N.RPL_WHOISCHANNELS, [u.name], chans.sort());
    c.numeric(N.RPL_WHOISSERVER, [u.name, c.server.name, c.server.config.network]);
    if (c.core.isAdmin(u)) c.numeric(N.RPL_WHOISOPERATOR, [u.name, 'is a server administrator']);
    if (u.account !== undefined) c.numeric(N.RPL_WHOISACCOUNT, [u.name, u.account, 'is logged in as']);
    if (u.presence === 'away') c.numeric(N.RPL_AWAY, [u.name, u.away]);
    const local = c.server.connectionOf(u.name);
    if (local?.registered) {
      const now = Date.now();
      c.numeric(N.RPL_WHOISIDLE, [u.name, String(Math.floor((now - local.lastSpoke) / 1000)), String(Math.floor(local.connectedAt / 1000)), 'seconds idle, signon time']);
    }
    c.numeric(N.RPL_ENDOFWHOIS, [u.name, 'End of /WHOIS list']);
  },
});

export const whowas = defineVerb({
  name: 'WHOWAS',
  minParams: 0,
  run(c, msg) {
    const nick = msg.params[0];
    if (!nick) return c.numeric(N.ERR_NONICKNAMEGIVEN, ['No nickname given']);
    // A positive count limits the entries; none, 0 or a negative count: every entry kept.
    const count = Number.parseInt(msg.params[1] ?? '', 10);
    const seen = c.server.whowas(nick, count > 0 ? count : Infinity);
    if (seen.length === 0) c.numeric(N.ERR_WASNOSUCHNICK, [nick, 'There was no such nickname']);
    for (const e of seen) {
      c.numeric(N.RPL_WHOWASUSER, [e.nick, `~${e.user}`, USER_HOST, '*', e.realname]);
      c.numeric(N.RPL_WHOISSERVER, [e.nick, c.server.name, new Date(e.at).toUTCString()]);
    }
    c.numeric(N.RPL_ENDOFWHOWAS, [nick, 'End of WHOWAS']);
  },
});
