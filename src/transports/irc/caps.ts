import { MULTILINE_CAP_VALUE } from './msg-features.ts';

/** IRCv3 capabilities Banter offers (CAP LS). */
export const CAPS: readonly string[] = [
  'account-tag',
  'away-notify',
  'batch',
  'cap-notify',
  'draft/chathistory',
  'draft/message-redaction',
  'draft/multiline',
  'draft/read-marker',
  'echo-message',
  'extended-join',
  'labeled-response',
  'message-tags',
  'multi-prefix',
  'sasl',
  'server-time',
  'userhost-in-names',
];

/** SASL mechanisms offered (the `sasl` cap's value for CAP LS 302 clients). */
export const SASL_MECHS = 'PLAIN';

/** Caps as listed by CAP LS: with their values (`sasl=PLAIN`) for version 302 and later. */
export function capList(version: number): string {
  return CAPS.map((c) => {
    if (version < 302) return c;
    if (c === 'sasl') return `sasl=${SASL_MECHS}`;
    if (c === 'draft/multiline') return `draft/multiline=${MULTILINE_CAP_VALUE}`;
    return c;
  }).join(' ');
}

/** Which cap a tag needs before a client may receive it. */
export function capForTag(key: string): string {
  switch (key) {
    case 'time': return 'server-time';
    case 'account': return 'account-tag';
    case 'batch': return 'batch';
    case 'label': return 'labeled-response';
    case 'draft/multiline-concat': return 'draft/multiline';
    default: return 'message-tags';
  }
}
