// login <name> [password | token] [resume]
import { checkUserName, describeNameProblem, foldName, PROTOCOL_VERSION, type MissedMessages, type UnreadInfo } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import type { AccountRecord } from '../ports.ts';
import { defineCommand } from './command.ts';
import { dmConversation, missedSince, peerOf, resolveConversation } from './conversation.ts';
import { unreadMentions } from './unread.ts';

/** DM conversations looked at for unread counts on login. */
const MAX_DM_SUMMARIES = 200;

export const login = defineCommand({
  name: 'login',
  needsLogin: false,
  help: 'login NAME [PASSWORD] — pick your name for this connection (a registered name needs its password)',
  async run(ctx, req) {
    const problem = checkUserName(req.name);
    if (problem) throw new ChatError('NAME_INVALID', `invalid name: ${describeNameProblem(problem)}`);
    const { accounts } = ctx.core;
    const folded = foldName(req.name);
    // A connection that has a name, or whose other login is still running, cannot log in:
    // say so before looking at (and hashing) the password.
    const checked = ctx.beginLogin();
    let acct: AccountRecord | undefined;
    try {
      acct = await accounts.get(folded);
      if (acct) {
        if (req.token !== undefined) await accounts.checkToken(folded, req.token);
        else if (req.password !== undefined) await accounts.checkPassword(acct, req.password, ctx.session);
        else throw new ChatError('AUTH_REQUIRED', `"${acct.name}" is registered: log in with its password`);
      } else if (req.password !== undefined || req.token !== undefined) {
        throw new ChatError('AUTH_FAILED', `"${req.name}" is not registered; log in without a password`);
      }
    } finally {
      // bindUser takes the login over from here, in the same turn.
      checked();
    }
    let token: string | undefined;

    // Hold events from the moment the user becomes visible, so that nothing missed is
    // delivered both live and in the reply, nor out of order.
    const hold = ctx.hold();
    const user = await ctx.bindUser(acct?.name ?? req.name, { lobby: req.lobby !== false, ...(acct ? { account: { name: acct.name, createdAt: acct.createdAt } } : {}) });
    if (acct && req.password !== undefined) token = await accounts.issue(folded);
    if (acct) accounts.bindToken(ctx.session, req.token ?? token);

    const missed: MissedMessages[] = [];
    const done = new Set<string>();
    for (const [to, after] of Object.entries(req.resume ?? {})) {
      // Rooms the user is not in yet are resumed by `join {room, since}`. Guests get no DM
      // history: a guest name can be someone else's tomorrow.
      if (to.startsWith('#') ? !ctx.core.dir.room(to)?.members.has(user.folded) : !acct) continue;
      const c = await resolveConversation(ctx, user, to).catch(() => undefined);
      if (!c || done.has(c.conv)) continue;
      done.add(c.conv);
      missed.push(await missedSince(ctx, c, after, hold));
    }

    const unread: UnreadInfo[] = [];
    if (acct) {
      for (const s of await ctx.core.deps.store.dmSummaries(folded, MAX_DM_SUMMARIES, user.dmSince, user.principal)) {
        if (s.unread === 0) continue;
        const peer = peerOf(s.last, folded);
        unread.push({ to: peer, count: s.unread, lastSeq: s.lastSeq });
        // Offline delivery: unread DMs come with the login unless the client resumed them.
        if (!done.has(s.conv)) {
          done.add(s.conv);
          missed.push(await missedSince(ctx, dmConversation(user, peer), s.readSeq, hold));
        }
      }
    }
    const lastSeq: Record<string, number> = {};
    for (const r of user.rooms) {
      const room = ctx.core.dir.rooms.get(r);
      if (!room) continue;
      // A resumed room stands where its missed page was read: a message committed since is
      // still to come as a held event, so covering a newer counter would drop it.
      const resumed = missed.find((m) => m.to === room.name);
      lastSeq[room.name] = resumed?.lastSeq ?? await ctx.core.roomLastSeq(room);
      hold.cover(room.folded, lastSeq[room.name]!);
    }
    const rooms = [...user.rooms].map((r) => ctx.core.dir.rooms.get(r)).filter((r) => r !== undefined).map((r) => ctx.core.roomState(r));
    // An account's read marks and unread mentions, as any of its devices left them.
    const marks: Record<string, number> = {};
    let mentions: UnreadInfo[] = [];
    if (acct) {
      for (const [conv, seq] of await ctx.core.deps.store.readMarks(user.principal, [...user.rooms])) marks[ctx.core.dir.rooms.get(conv)?.name ?? conv] = seq;
      mentions = await unreadMentions(ctx, user);
    }
    return {
      name: user.name, protocol: PROTOCOL_VERSION, rooms, registered: acct !== undefined, ...(ctx.core.isAdmin(user) ? { admin: true as const } : {}), ...(token ? { token } : {}), missed, unread, lastSeq,
      ...(acct ? { read: marks, mentions } : {}),
    };
  },
});
