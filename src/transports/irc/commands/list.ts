// LIST [<channel>{,<channel>} | <condition>{,<condition>}]
// Conditions (ELIST=CMNTU): >n (more than n users), <n (fewer than n), a mask (#dev*), !mask (not
// matching), C<m / C>m (created less / more than m minutes ago), T<m / T>m (topic set less / more
// than m minutes ago), as InspIRCd and Solanum read them.
import { foldName } from '../../../protocol/index.ts';
import type { RoomEntry } from '../../../core/directory.ts';
import { N } from '../numerics.ts';
import { globMatch, targets } from './util.ts';
import { defineVerb } from './verb.ts';
import { visibleTo } from '../../../core/moderation.ts';

type Filter = (r: RoomEntry) => boolean;

/** One ELIST condition; undefined when the word is a plain channel name. */
function condition(word: string, now: number): Filter | undefined {
  const count = /^([<>])(\d{1,9})$/.exec(word);
  if (count) {
    const n = Number(count[2]);
    return count[1] === '>' ? (r) => r.members.size > n : (r) => r.members.size < n;
  }
  const age = /^([CT])([<>])(\d{1,9})$/.exec(word);
  if (age) {
    const since = now - Number(age[3]) * 60_000;
    const at = age[1] === 'C' ? (r: RoomEntry) => r.createdAt : (r: RoomEntry) => (r.topic === '' ? undefined : r.topicAt);
    // "<m": newer than m minutes; ">m": older. A time never recorded matches neither.
    return age[2] === '<' ? (r) => (at(r) ?? -Infinity) > since : (r) => (at(r) ?? Infinity) < since;
  }
  const negate = word.startsWith('!');
  const mask = negate ? word.slice(1) : word;
  if (!/[*?]/.test(mask)) return negate ? (r) => r.folded !== foldName(mask) : undefined;
  const folded = foldName(mask);
  return negate ? (r) => !globMatch(folded, r.folded) : (r) => globMatch(folded, r.folded);
}

export const list = defineVerb({
  name: 'LIST',
  minParams: 0,
  run(c, msg) {
    const { dir } = c.core;
    const me = dir.users.get(c.folded!);
    const admin = c.core.isAdmin(me);
    // At most TARGMAX LIST (4) names or conditions, so one line cannot make the server glob
    // every channel hundreds of times.
    const words = msg.params[0] ? targets(msg.params[0]) : [];
    const now = Date.now();
    const filters = words.map((w) => condition(w, now));
    let rooms: RoomEntry[];
    if (words.length > 0 && filters.every((f) => f === undefined)) {
      // Named channels: each one that exists, empty or not (#lobby always exists).
      rooms = words.map((n) => dir.rooms.get(foldName(n))).filter((r) => r !== undefined);
    } else {
      // Every channel someone is in: an empty one (the default #lobby, a stored channel
      // nobody is in) exists for JOIN and TOPIC but is not listed, as IRC has no empty channels.
      const conds = filters.filter((f) => f !== undefined);
      rooms = [...dir.rooms.values()].filter((r) => r.members.size > 0 && conds.every((f) => f(r)))
        .sort((a, b) => (a.folded < b.folded ? -1 : a.folded > b.folded ? 1 : 0));
    }
    c.numeric(N.RPL_LISTSTART, ['Channel', 'Users  Name']);
    // A very long list stops at half the send queue rather than disconnecting the asker.
    const budget = c.server.config.sendQueueBytes / 2;
    for (const r of rooms) {
      // Secret channels (+s) are listed only to their members (and admins).
      if (!visibleTo(r, me, admin)) continue;
      if (c.queuedBytes() > budget) break;
      c.numeric(N.RPL_LIST, [r.name, String(r.members.size), r.topic]);
    }
    c.numeric(N.RPL_LISTEND, ['End of /LIST']);
  },
});
