import { foldName, type MemberInfo } from '../../protocol/index.ts';
import type { ChatStore } from '../state/store.ts';
import type { Conv } from '../state/types.ts';
import { Avatar } from './Avatar.tsx';

const BADGE: Record<string, { mark: string; title: string }> = {
  owner: { mark: '@', title: 'Room owner' },
  op: { mark: '@', title: 'Room operator' },
  voice: { mark: '+', title: 'Has voice (may write when the room is moderated)' },
};
const RANK: Record<string, number> = { owner: 3, op: 2, voice: 1 };

/** The moderation menu of one member, for the room's owner and operators (the server checks every action). */
function MemberMenu({ store, conv, m }: { store: ChatStore; conv: Conv; m: MemberInfo }) {
  const mine = RANK[store.myRole(conv) ?? ''] ?? 0;
  const theirs = RANK[m.role ?? ''] ?? 0;
  if (mine < 2 || theirs >= mine) return null;
  const act = (p: Promise<unknown>): void => { p.catch(() => undefined); };
  const mask = `${m.name}!*@*`;
  return (
    <details class="member-menu">
      <summary aria-label={`Moderate ${m.name}`}>⋯</summary>
      {/* Any choice closes the menu. */}
      <div class="menu" role="group" aria-label={`Moderate ${m.name}`} onClick={(e) => { (e.currentTarget.parentElement as HTMLDetailsElement).open = false; }}>
        {mine >= 3 && (m.role === 'op'
          ? <button type="button" onClick={() => act(store.mode(conv, [{ mode: 'op', on: false, arg: m.name }]))}>Remove operator</button>
          : <button type="button" onClick={() => act(store.mode(conv, [{ mode: 'op', on: true, arg: m.name }]))}>Make operator</button>)}
        {m.role === 'voice'
          ? <button type="button" onClick={() => act(store.mode(conv, [{ mode: 'voice', on: false, arg: m.name }]))}>Take voice</button>
          : <button type="button" onClick={() => act(store.mode(conv, [{ mode: 'voice', on: true, arg: m.name }]))}>Give voice</button>}
        <button type="button" onClick={() => act(store.mode(conv, [{ mode: 'mute', on: true, arg: mask }]))}>Mute</button>
        <button type="button" onClick={() => void store.moderate(conv, 'kick', { room: conv.name, name: m.name })}>Kick</button>
        <button type="button" onClick={() => act(store.mode(conv, [{ mode: 'ban', on: true, arg: mask }]).then(() => store.moderate(conv, 'kick', { room: conv.name, name: m.name, reason: 'banned' })))}>Ban</button>
      </div>
    </details>
  );
}

/** Who is in the current room (or who the direct conversation is with), with presence and roles. */
export function MembersPanel({ store, conv, onSettings }: { store: ChatStore; conv: Conv; onSettings?: () => void }) {
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
          const badge = m.role ? BADGE[m.role] : m.op ? BADGE.op : undefined;
          return (
            <li key={m.name} class="member-row">
              <button type="button" class={`member ${m.presence}`} disabled={me} aria-label={`${m.name}, ${m.presence}${badge ? `, ${badge.title.toLowerCase()}` : ''}${me ? ' (you)' : ''}`}
                title={me ? 'You' : `Message ${m.name}`} onClick={() => store.openDm(m.name)}>
                <Avatar name={m.name} presence={m.presence} small />
                <span class="member-name">{badge && <span class={`op-badge role-${m.role ?? 'op'}`} title={badge.title}>{badge.mark}</span>}{m.name}</span>
                {me && <span class="muted small">(you)</span>}
              </button>
              {!me && <MemberMenu store={store} conv={conv} m={m} />}
            </li>
          );
        })}
      </ul>
    </>
  );
  return (
    <aside class="members" aria-label={`Members of ${conv.name}`}>
      <h2 class="section-h">Members</h2>
      {onSettings && <button type="button" class="small-btn" onClick={onSettings}>Room settings</button>}
      {group('Online', online)}
      {group('Away', away)}
      {conv.membersNext !== undefined && (
        <p class="muted small">
          Showing {members.length} of {store.memberCount(conv)}.{' '}
          <button type="button" class="small-btn" onClick={() => void store.moreMembers(conv)}>Show more members</button>
        </p>
      )}
    </aside>
  );
}
