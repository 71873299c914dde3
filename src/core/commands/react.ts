// react <#room|name> <msgid> <emoji> <on>  — add or take back your reaction
import { isReactionEmoji } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';
import { emitUpdate, locate, messagesConfig, requireVoice } from './message.ts';

export const react = defineCommand({
  name: 'react',
  needsLogin: true,
  help: 'react TARGET MSGID EMOJI — add (or take back) a reaction to a message',
  async run(ctx, req) {
    const user = me(ctx);
    const emoji = req.emoji.normalize('NFC');
    if (!isReactionEmoji(emoji)) throw new ChatError('REACTION_INVALID', 'a reaction is one emoji or a :shortcode:');
    const { c, room, stored } = await locate(ctx, user, req.to, req.msgid);
    if (stored.msg.deleted) throw new ChatError('MESSAGE_DELETED', 'the message was deleted');
    requireVoice(ctx, user, room);
    // One reaction per emoji per principal: an account, or one guest session.
    const res = await ctx.core.deps.store.update(c.conv, {
      kind: 'react', id: stored.msg.id, by: user.name, emoji, on: req.on, principal: user.principal, maxEmoji: messagesConfig(ctx).reactionsPerMessage,
    });
    if (!res) throw new ChatError('NO_SUCH_MESSAGE', `no message ${req.msgid} in ${c.to}`);
    emitUpdate(ctx, res.seq, req.on ? 'react' : 'unreact', user.name, res.msg, emoji);
    return res;
  },
});
