/**
 * Command line of `banter chat`: parsed with node:util parseArgs, validated into ChatOptions.
 */
import { parseArgs } from 'node:util';
import { EXIT } from './exit-codes.ts';

export const DEFAULT_SERVER = 'http://localhost:8080';
/** How long quitting waits for unacknowledged messages and replies, in ms. */
export const QUIT_WAIT_MS = 5000;

export interface ChatOptions {
  name: string | undefined;
  /** http(s) URL of the server, normalised. */
  server: string;
  json: boolean;
  /** File holding the password of a registered name (first line). */
  passwordFile: string | undefined;
  /** Ring the terminal bell (BEL) on a message that mentions you. */
  bell: boolean;
}

export const CHAT_HELP = `Usage: banter chat [--name NAME] [--server URL] [--password-file FILE] [--bell] [--json]

Terminal client: connects to a Banter server, joins #lobby and lets you chat.

Options:
  -n, --name NAME     your name (asked for when missing and stdin is a terminal)
  -s, --server URL    server address (default ${DEFAULT_SERVER}; ws:// and host:port also work)
      --password-file FILE  password of a registered name (first line of FILE; or set
                      BANTER_PASSWORD). Not needed once a session token is saved.
      --bell          ring the terminal bell on a message that mentions you (@NAME,
                      @room) or a direct message (also BANTER_BELL=1)
      --json          print every event as one JSON line (implies pipe mode)
  -h, --help          this text

Type text to send it to the current conversation (#lobby at first), or a command:
  /help /calc /msg /reply /me /users /join /part /rooms /switch /members /topic /away /back
  /edit /delete /react /thread /mentions /history /jump /search /nick /register /password
  /logout /quit
"/help" lists them with their syntax. Start a line with "//" to send text beginning with "/".

When stdin or stdout is not a terminal (pipe mode) it reads one input per line and prints
one line per event without colours; end of input quits after pending messages are
acknowledged (at most ${QUIT_WAIT_MS / 1000} s). NO_COLOR turns colours off. Output format: docs/tui.md.

A registered name signs in with its saved session token (${'$'}XDG_CONFIG_HOME/banter/tokens.json,
default ~/.config/banter/tokens.json), else with the password; in a terminal you are asked
for it. /logout forgets the token.

Exit codes: ${EXIT.OK} quit, ${EXIT.USAGE} usage error, ${EXIT.NAME_REJECTED} name taken or invalid (pipe mode),
${EXIT.UNREACHABLE} server unreachable (or login failed) at startup, ${EXIT.LOST} connection lost for good or messages not delivered,
${EXIT.AUTH} registered name: password missing or wrong, or too many tries (pipe mode).
`;

export type ParseResult = { ok: true; options: ChatOptions } | { ok: false; help: true } | { ok: false; help: false; error: string };

export function parseChatArgs(argv: string[]): ParseResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        name: { type: 'string', short: 'n' },
        server: { type: 'string', short: 's' },
        json: { type: 'boolean' },
        'password-file': { type: 'string' },
        bell: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { ok: false, help: false, error: (err as Error).message };
  }
  if (values.help) return { ok: false, help: true };
  const server = normaliseServer(values.server ?? DEFAULT_SERVER);
  if (server === undefined) return { ok: false, help: false, error: `invalid --server "${values.server}": expected a URL like http://host:8080` };
  return { ok: true, options: { name: values.name, server, json: values.json ?? false, passwordFile: values['password-file'], bell: values.bell ?? false } };
}

/** Accepts http(s)://, ws(s):// and bare host:port; returns an http(s) URL without a path, or undefined. */
export function normaliseServer(raw: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (u.protocol === 'ws:') u.protocol = 'http:';
  else if (u.protocol === 'wss:') u.protocol = 'https:';
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if (u.hostname === '') return undefined;
  return `${u.protocol}//${u.host}`;
}
