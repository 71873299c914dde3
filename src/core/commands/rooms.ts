// rooms
import { foldName } from '../../protocol/index.ts';
import { defineCommand } from './command.ts';

export const rooms = defineCommand({
  name: 'rooms',
  needsLogin: true,
  help: 'rooms — list rooms with their member counts',
  async run(ctx) {
    const list = [...ctx.core.dir.rooms.values()]
      .map((r) => ({ name: r.name, members: r.members.size, topic: r.topic }))
      .sort((a, b) => foldName(a.name).localeCompare(foldName(b.name)));
    return { rooms: list };
  },
});
