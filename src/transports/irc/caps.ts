/**
 * IRCv3 capabilities Banter offers (CAP LS). `sasl` is absent: Banter has no accounts yet,
 * and offering SASL that always fails would only slow clients down.
 */
export const CAPS: readonly string[] = [
  'account-tag',
  'away-notify',
  'batch',
  'cap-notify',
  'draft/chathistory',
  'echo-message',
  'extended-join',
  'labeled-response',
  'message-tags',
  'multi-prefix',
  'server-time',
  'userhost-in-names',
];

/** Which cap a tag needs before a client may receive it. */
export function capForTag(key: string): string {
  switch (key) {
    case 'time': return 'server-time';
    case 'account': return 'account-tag';
    case 'batch': return 'batch';
    case 'label': return 'labeled-response';
    default: return 'message-tags';
  }
}
