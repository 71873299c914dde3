// edit <#room|name> <msgid> <text>  — replace the text of your own message
import { normalizeText, textProblemCode } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';
import { emitUpdate, locate, mentionsOf, messagesConfig, requireVoice } from './message.ts';

const DAY_MS = 86_400_000;

export const edit = defineCommand({
  name: 'edit',
  needsLogin: true,
  help: 'edit TARGET MSGID TEXT — change the text of a message you sent (within the edit window)',
  async run(ctx, req) {
    const user = me(ctx);
    const norm = normalizeText(req.text);
    if ('problem' in norm) throw new ChatError(textProblemCode(norm.problem));
    const { c, room, stored } = await locate(ctx, user, req.to, req.msgid);
    const { msg } = stored;
    if (msg.deleted) throw new ChatError('MESSAGE_DELETED', 'the message was deleted');
    // The author is a principal: a later guest with the same name is someone else, and
    // operators and admins never change anyone's words (they may delete them).
    if (stored.author === undefined || stored.author !== user.principal) throw new ChatError('NOT_MESSAGE_AUTHOR', 'you can only edit your own messages');
    const cfg = messagesConfig(ctx);
    const now = ctx.core.deps.clock.now();
    if (cfg.editWindowSeconds === 0 || now - msg.ts > cfg.editWindowSeconds * 1000) throw new ChatError('EDIT_WINDOW_CLOSED', cfg.editWindowSeconds === 0 ? 'editing is turned off on this server' : `messages can be edited for ${cfg.editWindowSeconds} s after sending`);
    requireVoice(ctx, user, room);
    if (norm.text === msg.text) return { msg, seq: 0 };
    const res = await ctx.core.deps.store.update(c.conv, {
      kind: 'edit', id: msg.id, by: user.name, text: norm.text, mentions: mentionsOf(ctx, user, room, norm.text),
      // Retention 0 keeps nothing (the version is stored already expired, and pruned).
      retainUntil: cfg.editRetentionDays === 0 ? now - 1 : now + cfg.editRetentionDays * DAY_MS, keepVersions: cfg.editVersionsMax,
    });
    if (!res) throw new ChatError('NO_SUCH_MESSAGE', `no message ${req.msgid} in ${c.to}`);
    emitUpdate(ctx, res.seq, 'edit', user.name, res.msg);
    return res;
  },
});
