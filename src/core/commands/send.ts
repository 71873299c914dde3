// send <#room|name> <text>
import { normalizeText } from '../../protocol/index.ts';
import { convKey } from '../conv.ts';
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';
import { resolveTarget } from './target.ts';

export const send = defineCommand({
  name: 'send',
  needsLogin: true,
  help: 'send TARGET TEXT — a message to a room you are in or to one user',
  async run(ctx, req) {
    const user = me(ctx);
    const norm = normalizeText(req.text);
    if ('problem' in norm) {
      if (norm.problem === 'empty') throw new ChatError('TEXT_EMPTY');
      if (norm.problem === 'too_long') throw new ChatError('TEXT_TOO_LONG');
      throw new ChatError('TEXT_INVALID');
    }
    const target = resolveTarget(ctx, user, req.to);
    const to = 'room' in target ? target.room.name : target.user.name;
    const msg = await ctx.core.deps.store.append({
      conv: convKey(user.name, to), to, from: user.name, text: norm.text,
      clientKey: `${user.folded}\n${req.id}`, ...(req.kind ? { kind: req.kind } : {}),
    });
    if (req.tags && Object.keys(req.tags).length > 0) {
      const tagged = { ...msg, tags: req.tags };
      ctx.core.emit({ kind: 'message', msg: tagged });
      return { msg: tagged };
    }
    ctx.core.emit({ kind: 'message', msg });
    return { msg };
  },
});
