// MOTD, LUSERS, VERSION, TIME, ISON <nick>..., USERHOST <nick>...
import { N } from '../numerics.ts';
import { isupportTokens } from '../isupport.ts';
import { lusers as sendLusers, motd as sendMotd, numericList } from '../replies.ts';
import { USER_HOST } from '../isupport.ts';
import { defineVerb } from './verb.ts';

export const motd = defineVerb({ name: 'MOTD', minParams: 0, run: (c) => sendMotd(c) });
export const lusers = defineVerb({ name: 'LUSERS', minParams: 0, run: (c) => sendLusers(c) });

export const version = defineVerb({
  name: 'VERSION',
  minParams: 0,
  run(c) {
    const cfg = c.server.config;
    c.numeric(N.RPL_VERSION, [cfg.version, c.server.name, 'Banter chat server']);
    const tokens = isupportTokens({ network: cfg.network, maxRoomsPerUser: cfg.maxRoomsPerUser, historyLimit: cfg.historyLimit, maxListEntries: c.core.maxListEntries });
    for (let i = 0; i < tokens.length; i += 12) c.numeric(N.RPL_ISUPPORT, [...tokens.slice(i, i + 12), 'are supported by this server']);
  },
});

export const time = defineVerb({
  name: 'TIME',
  minParams: 0,
  run(c) {
    c.numeric(N.RPL_TIME, [c.server.name, new Date().toUTCString()]);
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
      return `${u.name}=${u.presence === 'away' ? '-' : '+'}~${ident?.user ?? u.name.slice(0, 10)}@${USER_HOST}`;
    });
    numericList(c, N.RPL_USERHOST, [], out, 1);
  },
});
