// delete <#room|name> <msgid>  — replace a message by a tombstone (yours; any in a room you operate; any for an admin)
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';
import { emitUpdate, locate, moderates } from './message.ts';
import { audit } from './moderate.ts';

export const deleteMessage = defineCommand({
  name: 'delete',
  needsLogin: true,
  help: 'delete TARGET MSGID — delete a message: your own, or any in a room you operate',
  async run(ctx, req) {
    const user = me(ctx);
    const { c, room, stored } = await locate(ctx, user, req.to, req.msgid, true);
    const { msg } = stored;
    if (msg.deleted) return { msg, seq: 0 };
    const own = stored.author !== undefined && stored.author === user.principal;
    if (!own && !moderates(ctx, user, room)) throw new ChatError('DELETE_FORBIDDEN', 'you can only delete your own messages');
    // A moderator's deletion of someone else's words is on the record; the words are not.
    if (!own) await audit(ctx, user, { action: 'delete_message', ...(room ? { room: room.name } : {}), target: `${msg.from} ${msg.id}` });
    const res = await ctx.core.deps.store.update(c.conv, { kind: 'delete', id: msg.id, by: user.name });
    if (!res) throw new ChatError('NO_SUCH_MESSAGE', `no message ${req.msgid} in ${c.to}`);
    emitUpdate(ctx, res.seq, 'delete', user.name, res.msg);
    // Its files go with it: links dead now, records and bytes at the next sweep (files.ts).
    const files = ctx.core.deps.files;
    if (files && msg.files && msg.files.length > 0) {
      await files.release(msg.files.map((f) => f.id)).catch((err: unknown) => ctx.core.deps.log.warn({ err, msg: msg.id }, 'could not release the files of a deleted message'));
    }
    return res;
  },
});
