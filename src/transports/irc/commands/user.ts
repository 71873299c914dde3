// USER <username> <mode> <unused> :<realname>
import { sanitizeLine } from '../../../protocol/index.ts';
import { REALNAME_MAX_LENGTH, USERLEN } from '../isupport.ts';
import { N } from '../numerics.ts';
import { tryRegister } from './register.ts';
import { stripFormatting } from './util.ts';
import { defineVerb } from './verb.ts';


export const user = defineVerb({
  name: 'USER',
  minParams: 4,
  beforeRegistration: true,
  async run(c, msg) {
    if (c.registered || c.username !== undefined) return c.numeric(N.ERR_ALREADYREGISTERED, ['You may not reregister']);
    const raw = msg.params[0]!;
    // An empty username or real name is a missing parameter (Modern IRC, USER).
    if (raw === '' || msg.params[3] === '') return c.numeric(N.ERR_NEEDMOREPARAMS, ['USER', 'Not enough parameters']);
    c.username = raw.replace(/[^A-Za-z0-9._-]/g, '').slice(0, USERLEN) || 'user';
    // Others see it in WHOIS, WHO and extended-join: one clean line.
    c.realname = sanitizeLine(stripFormatting(msg.params[3]!), REALNAME_MAX_LENGTH);
    await tryRegister(c);
  },
});
