// MOTD [<target>], LUSERS, VERSION [<target>], TIME [<target>], INFO [<target>], ISON <nick>..., USERHOST <nick>...
import { foldName } from '../../../protocol/index.ts';
import type { IrcConnection } from '../connection.ts';
import type { IrcMessage } from '../message.ts';
import { N } from '../numerics.ts';
import { isupportTokens } from '../isupport.ts';
import { lusers as sendLusers, motd as sendMotd, numericList } from '../replies.ts';
import { USER_HOST } from '../isupport.ts';
import { globMatch } from './util.ts';
import { defineVerb } from './verb.ts';

/**
 * Whether an optional <target> names this server: absent, our name or a mask of it, or an
 * online nick (every user is on this one server as far as IRC clients see). Otherwise the
 * reply is 402, as a server answers for a server it does not know.
 */
function forUs(c: IrcConnection, msg: IrcMessage): boolean {
  const target = msg.params[0];
  if (target === undefined || target === '' || globMatch(foldName(target), foldName(c.server.name)) || c.core.dir.user(target)) return true;
  c.numeric(N.ERR_NOSUCHSERVER, [target, 'No such server']);
  return false;
}

export const motd = defineVerb({ name: 'MOTD', minParams: 0, run: (c, msg) => { if (forUs(c, msg)) sendMotd(c); } });
export const lusers = defineVerb({ name: 'LUSERS', minParams: 0, run: (c) => sendLusers(c) });

export const version = defineVerb({
  name: 'VERSION',
  minParams: 0,
  run(c, msg) {
    if (!forUs(c, msg)) return;
    const cfg = c.server.config;
    c.numeric(N.RPL_VERSION, [cfg.version, c.server.name, 'Banter chat server']);
    const tokens = isupportTokens({ network: cfg.network, maxRoomsPerUser: cfg.maxRoomsPerUser, historyLimit: cfg.historyLimit, maxListEntries: c.core.maxListEntries });
    for (let i = 0; i < tokens.length; i += 12) c.numeric(N.RPL_ISUPPORT, [...tokens.slice(i, i + 12), 'are supported by this server']);
  },
});

export const time = defineVerb({
  name: 'TIME',
  minParams: 0,
  run(c, msg) {
    if (!forUs(c, msg)) return;
    c.numeric(N.RPL_TIME, [c.server.name, new Date().toUTCString()]);
  },
});

/** What the server is and how it runs, as 371 lines and 374 (Modern IRC, INFO). */
export const info = defineVerb({
  name: 'INFO',
  minParams: 0,
  run(c, msg) {
    if (!forUs(c, msg)) return;
    const cfg = c.server.config;
    const started = c.server.createdAt;
    const up = Math.floor((Date.now() - started.getTime()) / 1000);
    const lines = [
      `${cfg.version} (${c.server.name}, network ${cfg.network})`,
      'Banter: a self-hosted chat server. Web, terminal and IRC users share the same rooms,',
      'messages, names and moderation; IRC is one transport of the chat core, not a bridge.',
      'Protocol: Modern IRC client protocol (modern.ircdocs.horse) with IRCv3 capabilities (CAP LS).',
      '/msg Calc <expression> is the calculator; /msg NickServ HELP lists the account commands.',
      `Started ${started.toUTCString()}, up ${Math.floor(up / 86400)} days ${new Date(up * 1000).toISOString().slice(11, 19)}`,
    ];
    for (const l of lines) c.numeric(N.RPL_INFO, [l]);
    c.numeric(N.RPL_ENDOFINFO, ['End of /INFO list']);
  },
});

export const ison = defineVerb({
  name: 'ISON',
  minParams: 1,
  run(c, msg) {
    const online = msg.params.flatMap((p) => p.split(' ')).filter((n) => n !== '').slice(0, 64)
      .map((n) => c.core.dir.user(n)?.name).filter((n) => n !== undefined);
    numericList(c, N.RPL_ISON, [], online, 1);
  },
});

export const userhost = defineVerb({
  name: 'USERHOST',
  minParams: 1,
  run(c, msg) {
    const out = msg.params.slice(0, 5).map((n) => c.core.dir.user(n)).filter((u) => u !== undefined).map((u) => {
      const ident = c.server.ident(u.name);
      // nick[*]=(+|-)user@host: `*` for an operator, `-` when away.
      return `${u.name}${c.core.isAdmin(u) ? '*' : ''}=${u.presence === 'away' ? '-' : '+'}~${ident?.user ?? u.name.slice(0, 10)}@${USER_HOST}`;
    });
    numericList(c, N.RPL_USERHOST, [], out, 1);
  },
});
