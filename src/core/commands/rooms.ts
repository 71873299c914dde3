// rooms
import { foldName } from '../../protocol/index.ts';
import { modeLetters, visibleTo } from '../moderation.ts';
import { defineCommand, me } from './command.ts';

export const rooms = defineCommand({
  name: 'rooms',
  needsLogin: true,
  help: 'rooms — list rooms with their member counts',
  async run(ctx) {
    const user = me(ctx);
    const admin = ctx.core.isAdmin(user);
    // Secret rooms (+s) are listed only to their members (and admins).
    const list = [...ctx.core.dir.rooms.values()].filter((r) => visibleTo(r, user, admin))
      .map((r) => ({ name: r.name, members: r.members.size, topic: r.topic, modes: modeLetters(r) }))
      .sort((a, b) => foldName(a.name).localeCompare(foldName(b.name)));
    return { rooms: list };
  },
});
