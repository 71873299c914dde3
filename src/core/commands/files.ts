// upload <name> <size>  /  file_links <ids>
import { ChatError } from '../errors.ts';
import type { FileService } from '../files/service.ts';
import type { FileRecord } from '../files/ports.ts';
import type { UserEntry } from '../directory.ts';
import { defineCommand, me, type CommandContext } from './command.ts';
import { resolveConversation } from './conversation.ts';

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
