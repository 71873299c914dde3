import type { Conv } from '../state/types.ts';

/** "alice is typing…" under the conversation. */
export function Typing({ conv }: { conv: Conv }) {
  const names = [...conv.typing.keys()];
  let text = '';
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length > 2) text = 'Several people are typing…';
  return <div class="typing" aria-live="polite">{text && <><span class="typing-dots" aria-hidden="true"><i /><i /><i /></span>{text}</>}</div>;
}
