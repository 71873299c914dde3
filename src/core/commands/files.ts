// upload <name> <size>  /  file_links <ids>  /  file_revoke <id> [reason]
import { ChatError } from '../errors.ts';
import type { FileService } from '../files/service.ts';
import type { FileRecord } from '../files/ports.ts';
import type { UserEntry } from '../directory.ts';
import { rankOf, RANK_OP } from '../moderation.ts';
import { defineCommand, me, type CommandContext } from './command.ts';
import { resolveConversation } from './conversation.ts';
import { audit } from './moderate.ts';
import { reasonText } from './reason.ts';

export function fileService(ctx: CommandContext): FileService {
  const files = ctx.core.deps.files;
  if (!files) throw new ChatError('FILES_DISABLED');
  return files;
}

export const upload = defineCommand({
  name: 'upload',
  needsLogin: true,
  help: 'upload NAME SIZE — a one-time URL to PUT a file to; then send it with `send {files: [id]}`',
  async run(ctx, req) {
    const user = me(ctx);
    return fileService(ctx).ticket(user.principal, req.name, req.size);
  },
});

export const fileLinks = defineCommand({
  name: 'file_links',
  needsLogin: true,
  help: 'file_links IDS — signed, expiring links to files of conversations you can read',
  async run(ctx, req) {
    const user = me(ctx);
    const files = fileService(ctx);
    const links: Record<string, { url: string; thumb?: string; expires: number }> = {};
    for (const id of new Set(req.files)) {
      const rec = await files.record(id);
      if (rec && (await mayRead(ctx, user, rec))) links[id] = files.links(rec);
    }
    return { links };
  },
});

export const fileRevoke = defineCommand({
  name: 'file_revoke',
  needsLogin: true,
  help: 'file_revoke ID [REASON] — stop every link to a file handed out so far (uploader, room operators, admins); audit-logged',
  async run(ctx, req) {
    const user = me(ctx);
    const files = fileService(ctx);
    const rec = await files.record(req.file);
    // Someone who cannot read the file learns nothing about it, not even that it exists.
    const readable = rec !== undefined && (rec.owner === user.principal || (await mayRead(ctx, user, rec)) || ctx.core.isAdmin(user));
    if (!rec || !readable) throw new ChatError('NO_SUCH_FILE', 'no file with this id in a conversation you can read');
    const room = rec.conv?.startsWith('#') ? ctx.core.dir.room(rec.conv) : undefined;
    const admin = ctx.core.isAdmin(user);
    const allowed = rec.owner === user.principal || admin || (room !== undefined && rankOf(room, user, admin) >= RANK_OP);
    if (!allowed) throw new ChatError('FILE_REVOKE_DENIED', 'only the uploader, an operator of the room it was posted in, or an administrator may revoke its links');
    const reason = reasonText(req.reason);
    await audit(ctx, user, { action: 'file_revoke', ...(room ? { room: room.name } : {}), target: `file ${rec.id} (${rec.name})`, ...(reason ? { reason } : {}) });
    return { file: rec.id, revokedAt: await files.revoke(rec.id) };
  },
});

/**
 * Whether `user` may read an attached file: a member of the room it was posted in, or a
 * participant of its DM who may read the DM at the time it was posted (the owner rule,
 * owner.ts) — decided by resolveConversation, like every history read.
 */
export async function mayRead(ctx: CommandContext, user: UserEntry, rec: FileRecord): Promise<boolean> {
  if (rec.conv === undefined || rec.attachedAt === undefined) return false;
  let target: string;
  if (rec.conv.startsWith('#')) target = rec.conv;
  else {
    // "@a@b": the other participant (or oneself, for a note to self).
    const [a, b] = rec.conv.slice(1).split('@') as [string, string];
    if (a !== user.folded && b !== user.folded) return false;
    target = a === user.folded ? b : a;
  }
  try {
    const c = await resolveConversation(ctx, user, target);
    return c.conv === rec.conv && (c.since === undefined || rec.attachedAt >= c.since);
  } catch (err) {
    if (err instanceof ChatError) return false;
    throw err;
  }
}
