/** Exit codes of `banter chat`; docs/tui.md and `banter chat --help` list the same. Never renumber. */
export const EXIT = {
  /** /quit, Ctrl-D, Ctrl-C or end of input, with every pending message acknowledged. */
  OK: 0,
  /** Bad command line (unknown option, missing --name in pipe mode, bad --server URL). */
  USAGE: 1,
  /** The server refused the name (taken or invalid) in pipe mode. */
  NAME_REJECTED: 2,
  /** The server could not be reached at startup. */
  UNREACHABLE: 3,
  /** The connection ended for good (kicked, re-login refused) or messages were still unacknowledged at exit. */
  LOST: 4,
  /** The name is registered and no password was given, the password or token was refused, or the name is throttled (pipe mode). */
  AUTH: 5,
} as const;
