// away [message]
import { LIMITS, normalizeText } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';

export const away = defineCommand({
  name: 'away',
  needsLogin: true,
  help: 'away [MESSAGE] — mark yourself away',
  async run(ctx, req) {
    const user = me(ctx);
    let message = 'away';
    if (req.message !== undefined && req.message.trim() !== '') {
      const norm = normalizeText(req.message.replace(/\n/g, ' '), LIMITS.awayMaxLength);
      if ('problem' in norm) throw new ChatError(norm.problem === 'too_long' ? 'TEXT_TOO_LONG' : 'TEXT_INVALID', `invalid away message: ${norm.problem.replace('_', ' ')}`);
      message = norm.text;
    }
    ctx.core.emit({ kind: 'presence', name: user.name, presence: 'away', away: message });
    return { presence: 'away', message };
  },
});
