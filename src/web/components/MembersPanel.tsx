import { foldName } from '../../protocol/index.ts';
import type { ChatStore } from '../state/store.ts';
import type { Conv } from '../state/types.ts';
import { Avatar } from './Avatar.tsx';

/** Who is in the current room (or who the direct conversation is with), with presence. */
export function MembersPanel({ store, conv }: { store: ChatStore; conv: Conv }) {
  if (conv.kind === 'dm') {
    const u = store.users.get(foldName(conv.name));
    return (
      <aside class="members" aria-label="About this conversation">
        <h2 class="section-h">Direct message</h2>
        <div class="member-card">
          <Avatar name={conv.name} presence={u?.presence} />
          <div>
            <div class="user-name">{conv.name}</div>
            <div class="user-sub">{u ? (u.presence === 'away' ? `Away${u.away && u.away !== 'away' ? `: ${u.away}` : ''}` : 'Online') : 'Offline'}</div>
          </div>
        </div>
      </aside>
    );
  }
  const members = store.members(conv);
  const online = members.filter((m) => m.presence === 'online');
  const away = members.filter((m) => m.presence === 'away');
  const group = (title: string, list: typeof members) => list.length > 0 && (
    <>
      <h3 class="section-h">{title} — {list.length}</h3>
      <ul class="member-list">
        {list.map((m) => {
          const me = store.isMe(m.name);
          return (
            <li key={m.name}>
              <button type="button" class={`member ${m.presence}`} disabled={me} aria-label={`${m.name}, ${m.presence}${m.op ? ', operator' : ''}${me ? ' (you)' : ''}`}
                title={me ? 'You' : `Message ${m.name}`} onClick={() => store.openDm(m.name)}>
                <Avatar name={m.name} presence={m.presence} small />
                <span class="member-name">{m.op && <span class="op-badge" title="Room operator">@</span>}{m.name}</span>
                {me && <span class="muted small">(you)</span>}
              </button>
            </li>
          );
        })}
      </ul>
    </>
  );
  return (
    <aside class="members" aria-label={`Members of ${conv.name}`}>
      <h2 class="section-h">Members</h2>
      {group('Online', online)}
      {group('Away', away)}
    </aside>
  );
}
