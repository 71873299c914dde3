/**
 * Who owns what. Privileges and private data belong to an account or to one live session,
 * never to a bare name that someone else can take later (docs/security.md, "Ownership").
 *
 * - A user's **principal** is `account:<folded account>` when logged in to an account, else
 *   `session:<node>/<session id>`: it identifies the owner of room rights (a room's creator).
 *   A guest's principal dies with its connection; the next guest with the same name gets a
 *   new one.
 * - A **direct message** belongs to the accounts of its participants from the moment each
 *   account was created, and to a guest's live session from its login on. So a user reads
 *   DM history (history, search, resume, offline delivery, unread counts) only for messages
 *   with `ts >= dmSince`: the account's creation time, or the guest session's login time.
 *   A guest who takes an earlier guest's name, or registers a former guest name, never sees
 *   what was sent to the name before.
 */
import { foldName } from '../protocol/index.ts';

export function principalOf(account: string | undefined, node: string, sessionId: string): string {
  return account !== undefined ? `account:${foldName(account)}` : `session:${node}/${sessionId}`;
}

/** The principal a guest session becomes once it registers its name. */
export function accountPrincipal(account: string): string {
  return principalOf(account, '', '');
}
