// away [message]
import { LIMITS, sanitizeLine } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { defineCommand, me } from './command.ts';

export const away = defineCommand({
  name: 'away',
  needsLogin: true,
  help: 'away [MESSAGE] — mark yourself away',
  async run(ctx, req) {
    const user = me(ctx);
    // Shown to others on one line: cleaned like every such string (sanitizeLine).
    const text = sanitizeLine(req.message ?? '', Infinity);
    if (text.length > LIMITS.awayMaxLength) throw new ChatError('TEXT_TOO_LONG', `invalid away message: longer than ${LIMITS.awayMaxLength} characters`);
    const message = text || 'away';
    ctx.core.emit({ kind: 'presence', name: user.name, presence: 'away', away: message });
    return { presence: 'away', message };
  },
});
