// CAP LS [version] | CAP LIST | CAP REQ :<caps> | CAP END
import { capList, CAPS, stsValue } from '../caps.ts';
import { N } from '../numerics.ts';
import { tryRegister } from './register.ts';
import { defineVerb } from './verb.ts';

export const cap = defineVerb({
  name: 'CAP',
  minParams: 1,
  beforeRegistration: true,
  async run(c, msg) {
    const sub = msg.params[0]!.toUpperCase();
    const reply = (s: string, text: string): void => c.sendLine({ source: c.server.name, command: 'CAP', params: [c.me, s, text], trailing: true });
    switch (sub) {
      case 'LS': {
        if (!c.registered) c.capNegotiating = true;
        const version = Number.parseInt(msg.params[1] ?? '0', 10) || 0;
        if (version >= 302) {
          c.capVersion = 302;
          c.setCap('cap-notify', true);
        }
        reply('LS', capList(c.capVersion, stsValue(c.secure, c.server.config.tls, c.server.tlsPort)));
        return;
      }
      case 'LIST':
        reply('LIST', [...c.caps].sort().join(' '));
        return;
      case 'REQ': {
        if (!c.registered) c.capNegotiating = true;
        const wanted = (msg.params[1] ?? '').trim();
        const items = wanted.split(/ +/).filter((x) => x !== '');
        const ok = items.length > 0 && items.every((x) => CAPS.includes(x.replace(/^-/, '')));
        if (!ok) return reply('NAK', wanted);
        for (const x of items) {
          if (x.startsWith('-')) c.setCap(x.slice(1), false);
          else c.setCap(x, true);
        }
        reply('ACK', wanted);
        return;
      }
      case 'END':
        if (c.registered) return;
        c.capNegotiating = false;
        // Ending negotiation in the middle of a SASL exchange aborts it (IRCv3 SASL 3.1).
        if (c.sasl) {
          c.sasl = undefined;
          c.numeric(N.ERR_SASLABORTED, ['SASL authentication aborted']);
        }
        await tryRegister(c);
        return;
      default:
        c.numeric(N.ERR_INVALIDCAPCMD, [msg.params[0]!, 'Invalid CAP command']);
    }
  },
});
