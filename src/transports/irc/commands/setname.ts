// SETNAME :<realname>   (IRCv3 setname)
/**
 * Changes the real name (GECOS) this listener keeps for the user (WHOIS, WHO,
 * extended-join). The new name is shown to the user and to the local IRC clients that share
 * a channel with them and negotiated `setname`, as `:mask SETNAME :<realname>`. The real
 * name is an IRC identity detail kept per listener, like USER's; each SETNAME costs one
 * request of the core's flood budget.
 */
import { sanitizeLine } from '../../../protocol/index.ts';
import type { IrcConnection } from '../connection.ts';
import { REALNAME_MAX_LENGTH } from '../isupport.ts';
import { standardReply } from '../standard-replies.ts';
import { stripFormatting } from './util.ts';
import { defineVerb } from './verb.ts';

export const setname = defineVerb({
  name: 'SETNAME',
  minParams: 1,
  run(c, msg) {
    const raw = msg.params[0]!;
    const clean = sanitizeLine(stripFormatting(raw), Infinity);
    if (clean === '' || [...clean].length > REALNAME_MAX_LENGTH) {
      return standardReply(c, 'FAIL', 'SETNAME', 'INVALID_REALNAME', [], `Realname is not valid: 1 to ${REALNAME_MAX_LENGTH} characters`);
    }
    if (!c.core.chargeInvalid(c.id)) return;
    c.realname = clean;
    c.server.claimIdent(c, c.me, c.username ?? c.me, clean);
    const line = { source: c.server.mask(c.me), command: 'SETNAME', params: [clean], trailing: true };
    for (const peer of channelPeers(c)) if (peer.caps.has('setname')) peer.sendShared(line);
  },
});

/** The connection itself and the local IRC connections sharing a channel with it. */
function channelPeers(c: IrcConnection): Set<IrcConnection> {
  const out = new Set<IrcConnection>([c]);
  const me = c.folded ? c.core.dir.users.get(c.folded) : undefined;
  for (const r of me?.rooms ?? []) {
    const room = c.core.dir.rooms.get(r);
    for (const m of room?.members ?? []) {
      const peer = c.server.connectionOf(m);
      if (peer) out.add(peer);
    }
  }
  return out;
}
