// mode <#room> [changes]  — read a room's settings, or change settings, lists and roles (moderation.ts)
import type { ModeChange } from '../../protocol/index.ts';
import type { UserEntry } from '../directory.ts';
import { ChatError } from '../errors.ts';
import { changes as wouldChange, normalizeChange, rankOf, RANK_OWNER, settingsView, visibleTo } from '../moderation.ts';
import { defineCommand, me } from './command.ts';
import { audit, persist, requireAbove, requireModerator } from './moderate.ts';
import { requireRoom } from './target.ts';

export const mode = defineCommand({
  name: 'mode',
  needsLogin: true,
  help: 'mode #ROOM [+i|-i +k KEY +l N +m +s +t +n +W SECONDS +b/+e/+I/+q MASK +o/+v NAME ...] — show or change a room\'s settings, lists and roles',
  async run(ctx, req) {
    const user = me(ctx);
    const { dir } = ctx.core;
    const admin = ctx.core.isAdmin(user);
    if (!req.changes || req.changes.length === 0) {
      const room = requireRoom(ctx, req.room);
      if (!visibleTo(room, user, admin)) throw new ChatError('NO_SUCH_ROOM', `no room ${req.room}`);
      return { room: room.name, changes: [], settings: settingsView(room, admin || room.members.has(user.folded)) };
    }
    const room = requireModerator(ctx, user, req.room);
    const rank = rankOf(room, user, admin);
    // All or nothing: every change is checked before any takes effect.
    const applied: { change: ModeChange; target?: UserEntry }[] = [];
    const listAdds = new Map<string, number>();
    for (const raw of req.changes) {
      const c = normalizeChange(raw);
      let target: UserEntry | undefined;
      if (c.mode === 'op' || c.mode === 'voice') {
        target = dir.user(c.arg!);
        if (!target || !room.members.has(target.folded)) throw new ChatError('USER_NOT_IN_ROOM', `${c.arg!} is not in ${room.name}`);
        const self = target.folded === user.folded && !c.on;
        if (c.mode === 'op' && rank < RANK_OWNER && !self) throw new ChatError('RANK_TOO_LOW', 'only the room\'s owner (or an admin) gives or takes operator status');
        if (!self) requireAbove(ctx, room, user, target);
        c.arg = target.name;
      }
      if ((c.mode === 'ban' || c.mode === 'except' || c.mode === 'invex' || c.mode === 'mute') && c.on && wouldChange(room, c)) {
        const n = (listAdds.get(c.mode) ?? room.mod?.lists[c.mode].length ?? 0) + 1;
        if (n > ctx.core.maxListEntries) throw new ChatError('LIST_FULL', `the ${c.mode} list of ${room.name} is full (${ctx.core.maxListEntries} entries)`);
        listAdds.set(c.mode, n);
      }
      if (applied.some((a) => a.change.mode === c.mode && a.change.arg === c.arg)) continue;
      if (wouldChange(room, c, target)) applied.push({ change: c, ...(target ? { target } : {}) });
    }
    for (const { change } of applied) {
      await audit(ctx, user, { action: `mode ${change.on ? '+' : '-'}${change.mode}`, room: room.name, ...(change.arg !== undefined && change.mode !== 'key' ? { target: change.arg } : {}) });
    }
    const others = applied.filter((a) => a.change.mode !== 'op').map((a) => a.change);
    for (const a of applied) if (a.change.mode === 'op') ctx.core.emit({ kind: 'room_op', room: room.name, name: a.target!.name, by: user.name, op: a.change.on });
    if (others.length > 0) ctx.core.emit({ kind: 'room_mode', room: room.name, by: user.name, changes: others });
    await persist(ctx, room);
    return { room: room.name, changes: applied.map((a) => a.change), settings: settingsView(room, true) };
  },
});
