/** Room settings, lists and roles in words, for the web client's event lines and settings panel. */
import { MODE_LETTERS, type ModeChange, type ModeName } from '../../protocol/index.ts';

/** Each setting's name and meaning, in the settings panel's order. */
export const SETTING_LABELS: Readonly<Record<'invite_only' | 'moderated' | 'secret' | 'topic_lock' | 'no_outside' | 'registered_only', { label: string; help: string }>> = {
  invite_only: { label: 'Invite only', help: 'only people an operator invites (or on the invite exception list) can join' },
  moderated: { label: 'Moderated', help: 'only members with voice and operators can write' },
  secret: { label: 'Secret', help: 'hidden from the room list and from non-members' },
  topic_lock: { label: 'Topic lock', help: 'only operators set the topic' },
  no_outside: { label: 'No outside messages', help: 'only members can write to the room' },
  registered_only: { label: 'Registered users only', help: 'only people logged in to an account can join' },
};

const LIST_WORDS: Partial<Record<ModeName, [string, string]>> = {
  ban: ['banned', 'lifted the ban on'], except: ['exempted', 'removed the exemption of'],
  invex: ['added an invite exception for', 'removed the invite exception for'], mute: ['muted', 'unmuted'],
  op: ['made an operator:', 'took operator status from'], voice: ['gave voice to', 'took voice from'],
};

function one(c: ModeChange): string {
  const words = LIST_WORDS[c.mode];
  if (words) return `${c.on ? words[0] : words[1]} ${c.arg ?? ''}`;
  switch (c.mode) {
    case 'key': return c.on ? 'set a join key' : 'removed the join key';
    case 'limit': return c.on ? `limited the room to ${c.arg} members` : 'removed the member limit';
    case 'slow': return c.on ? `turned on slow mode (one message per ${c.arg} s)` : 'turned off slow mode';
    default: {
      const s = SETTING_LABELS[c.mode as keyof typeof SETTING_LABELS];
      return `turned ${c.on ? 'on' : 'off'} “${s?.label ?? c.mode}” (+${MODE_LETTERS[c.mode]})`;
    }
  }
}

export function describeModeChanges(changes: readonly ModeChange[]): string {
  return changes.map(one).join(', ');
}
