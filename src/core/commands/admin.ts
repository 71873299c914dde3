// Server administrators (config `admins`): server bans, kill, server-wide notices, the audit log.
import { foldName, LIMITS, normalizeText, textProblemCode } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { normalizeIpRange } from '../ip.ts';
import { normalizeMask, rankOf, RANK_OP } from '../moderation.ts';
import { defineCommand, me } from './command.ts';
import { audit, requireAdmin } from './moderate.ts';
import { reasonText } from './reason.ts';
import { requireRoom } from './target.ts';

export const serverBan = defineCommand({
  name: 'server_ban',
  needsLogin: true,
  help: 'server_ban $a:ACCOUNT|IP[/BITS] on|off [REASON] — (admins) ban an account or an address range from the server',
  async run(ctx, req) {
    const user = me(ctx);
    requireAdmin(ctx, user);
    const mask = req.mask.trim().startsWith('$a:') ? normalizeMask(req.mask) : normalizeIpRange(req.mask);
    if (mask === undefined) throw new ChatError('MODE_INVALID', `"${req.mask}" is neither $a:account nor an IP address or range (a.b.c.d/n, x:y::/n)`);
    if (req.on && mask === `$a:${foldName(user.account ?? '')}`) throw new ChatError('MODE_INVALID', 'you cannot ban your own account');
    const exists = ctx.core.serverBans.some((b) => b.mask === mask);
    const reason = reasonText(req.reason) ?? '';
    if (exists !== req.on) {
      if (req.on && ctx.core.serverBans.length >= ctx.core.maxListEntries * 10) throw new ChatError('LIST_FULL', 'the server ban list is full');
      await audit(ctx, user, { action: req.on ? 'server_ban' : 'server_unban', target: mask, ...(reason ? { reason } : {}) });
      ctx.core.emit({ kind: 'server_ban', mask, on: req.on, by: user.name, reason });
      // A change to the stored list, not our copy of it: another node may be changing it too.
      const at = ctx.core.deps.clock.now();
      await ctx.core.moderation.updateServerBans((bans) => [...bans.filter((b) => b.mask !== mask), ...(req.on ? [{ mask, by: user.name, at, reason }] : [])]);
    }
    return { mask, on: req.on, bans: ctx.core.serverBans.map((b) => b.mask) };
  },
});

export const kill = defineCommand({
  name: 'kill',
  needsLogin: true,
  help: 'kill NAME [REASON] — (admins) disconnect a user',
  async run(ctx, req) {
    const user = me(ctx);
    requireAdmin(ctx, user);
    const target = ctx.core.dir.user(req.name);
    if (!target) throw new ChatError('NO_SUCH_USER', `no user named "${req.name}" is online`);
    const reason = reasonText(req.reason) ?? 'no reason given';
    await audit(ctx, user, { action: 'kill', target: target.name, reason });
    ctx.core.emit({ kind: 'kill', name: target.name, by: user.name, reason });
    return { name: target.name };
  },
});

export const wallops = defineCommand({
  name: 'wallops',
  needsLogin: true,
  help: 'wallops TEXT — (admins) a notice to everyone on the server',
  async run(ctx, req) {
    const user = me(ctx);
    requireAdmin(ctx, user);
    const norm = normalizeText(req.text.replace(/\n/g, ' '), LIMITS.awayMaxLength * 2);
    if ('problem' in norm) throw new ChatError(textProblemCode(norm.problem));
    await audit(ctx, user, { action: 'wallops', reason: norm.text });
    ctx.core.emit({ kind: 'notice', text: `Server notice from ${user.name}: ${norm.text}` });
    return {};
  },
});

export const auditLog = defineCommand({
  name: 'audit',
  needsLogin: true,
  help: 'audit [#ROOM] [LIMIT] — the moderation audit log: admins read all of it, operators their room\'s',
  async run(ctx, req) {
    const user = me(ctx);
    const limit = req.limit ?? 100;
    if (req.room === undefined) {
      requireAdmin(ctx, user);
      return { entries: await ctx.core.moderation.audit({ limit }) };
    }
    const room = requireRoom(ctx, req.room);
    if (!ctx.core.isAdmin(user) && rankOf(room, user, false) < RANK_OP) throw new ChatError('NOT_ROOM_OPERATOR', `only operators of ${room.name} read its audit log`);
    return { entries: await ctx.core.moderation.audit({ room: room.name, limit }) };
  },
});
