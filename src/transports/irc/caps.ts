import { MULTILINE_CAP_VALUE } from './msg-features.ts';

/** IRCv3 capabilities Banter offers (CAP LS). */
export const CAPS: readonly string[] = [
  'account-notify',
  'account-tag',
  'away-notify',
  'batch',
  'cap-notify',
  'draft/account-registration',
  'draft/chathistory',
  'draft/message-redaction',
  'draft/multiline',
  'draft/read-marker',
  'echo-message',
  'extended-join',
  'invite-notify',
  'labeled-response',
  'message-tags',
  'multi-prefix',
  'sasl',
  'server-time',
  'setname',
  'standard-replies',
  'userhost-in-names',
];

/**
 * draft/account-registration: REGISTER works before connection registration (the account
 * is the nick; no e-mail is needed, none is kept). No `custom-account-name`: in Banter the
 * account is the name.
 */
export const ACCOUNT_REGISTRATION_VALUE = 'before-connect';

/**
 * The IRCv3 `sts` cap value for a connection (undefined: not offered). A plain-text
 * connection is told the TLS port to reconnect on (upgrade policy); a TLS connection gets
 * the persistence policy's duration. Never requestable (CAP REQ sts is NAKed), and only
 * listed for CAP LS 302, the first version with values.
 */
export function stsValue(secure: boolean, tls: { port: number; stsDuration?: number } | undefined, tlsPort: number | undefined): string | undefined {
  if (!tls || tls.stsDuration === undefined || tls.stsDuration < 0 || tlsPort === undefined) return undefined;
  return secure ? `duration=${tls.stsDuration}` : `port=${tlsPort}`;
}

/** SASL mechanisms offered (the `sasl` cap's value for CAP LS 302 clients). */
export const SASL_MECHS = 'PLAIN';

/** Caps as listed by CAP LS: with their values (`sasl=PLAIN`) for version 302 and later; `sts` (a value) only then. */
export function capList(version: number, sts?: string): string {
  if (version < 302) return CAPS.join(' ');
  const listed = CAPS.map((c) => (c === 'sasl' ? `sasl=${SASL_MECHS}` : c === 'draft/account-registration' ? `${c}=${ACCOUNT_REGISTRATION_VALUE}` : c === 'draft/multiline' ? `${c}=${MULTILINE_CAP_VALUE}` : c));
  if (sts !== undefined) listed.push(`sts=${sts}`);
  return listed.sort().join(' ');
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
