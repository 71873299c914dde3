/**
 * `banter chat`: parses the command line, connects with the shared BanterClient, logs in
 * (asking again for a name in TTY mode when it is taken), then runs the session in TTY mode
 * (line editor, colours) or pipe mode (line in, line out) until /quit or end of input.
 */
import { BanterClient, wsUrlFor } from '../client/client.ts';
import { foldName, LOBBY, type ReplyData } from '../protocol/index.ts';
import { CHAT_HELP, parseChatArgs, QUIT_WAIT_MS, type ChatOptions } from './args.ts';
import { commandWords } from './commands.ts';
import { complete } from './complete.ts';
import { EXIT } from './exit-codes.ts';
import { formatItem, mentionsMe } from './format.ts';
import type { Item } from './items.ts';
import { passwordFromOutside, signIn, type SignInContext } from './login.ts';
import { PipeTerminal } from './pipe.ts';
import { ChatSession, type Output } from './session.ts';
import { colourWanted, makeStyle, type Style } from './style.ts';
import { TokenStore, tokenFilePath } from './tokens.ts';
import { TtyTerminal } from './tty.ts';

/** How long connecting at startup may take before the server counts as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

export async function runChat(argv: string[]): Promise<number> {
  const parsed = parseChatArgs(argv);
  if (!parsed.ok) {
    if (parsed.help) {
      process.stdout.write(CHAT_HELP);
      return EXIT.OK;
    }
    process.stderr.write(`banter chat: ${parsed.error}\nRun "banter chat --help" for the options.\n`);
    return EXIT.USAGE;
  }
  const opts = parsed.options;
  // A "dumb" terminal cannot move the cursor, which TTY mode needs to keep the input line intact.
  const tty = !opts.json && process.stdin.isTTY === true && process.stdout.isTTY === true && process.env.TERM !== 'dumb';
  if (!tty && opts.name === undefined) {
    process.stderr.write('banter chat: --name is required when stdin or stdout is not a terminal\n');
    return EXIT.USAGE;
  }
  let password: string | undefined;
  try {
    password = passwordFromOutside(opts.passwordFile, process.env);
  } catch (err) {
    process.stderr.write(`banter chat: ${(err as Error).message}\n`);
    return EXIT.USAGE;
  }
  // A closed stdout (e.g. piped into `head`) ends the client quietly instead of crashing it.
  process.stdout.on('error', () => process.exit(EXIT.OK));

  const client = new BanterClient({ url: wsUrlFor(opts.server) });
  const connected = await connectBounded(client, CONNECT_TIMEOUT_MS);
  if (connected !== true) {
    process.stderr.write(`banter chat: cannot reach the server at ${opts.server} (${connected}). Is it running? Use --server to pick another.\n`);
    client.close();
    return EXIT.UNREACHABLE;
  }
  const tokens = new TokenStore(tokenFilePath(process.env));
  return tty ? runTty(client, opts, tokens, password) : runPipe(client, opts, tokens, password);
}

async function connectBounded(client: BanterClient, ms: number): Promise<true | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      client.connect().then(() => true as const),
      new Promise<string>((resolve) => { timer = setTimeout(() => resolve(`no answer within ${ms / 1000} s`), ms); }),
    ]);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

function textOutput(print: (s: string) => void, style: Style, multiline: boolean, session: () => ChatSession | undefined, bell: boolean): (item: Item) => void {
  return (item) => {
    const s = session();
    const me = s?.me ?? '';
    const line = formatItem(item, { me, style, multiline, now: Date.now, quote: (msg, id) => s?.findMessage(msg, id) });
    if (line === undefined) return;
    // --bell: BEL before a live message for me (a mention, or a direct message from someone else).
    const ring = bell && item.type === 'message' && (mentionsMe(item.msg, me) || (!item.msg.to.startsWith('#') && foldName(item.msg.from) !== foldName(me)));
    print(ring ? `\u0007${line}` : line);
  };
}

function bellWanted(opts: ChatOptions): boolean {
  return opts.bell || process.env.BANTER_BELL === '1';
}

/** A signal ends the session like /quit (pending messages still get their bounded wait). */
function quitOnSignals(s: ChatSession, signals: NodeJS.Signals[]): void {
  for (const sig of signals) process.once(sig, () => s.quit(EXIT.OK));
}

async function finish(session: ChatSession, client: BanterClient, code: number): Promise<number> {
  const waiting = session.unackedCount;
  if (waiting > 0 && process.stderr.isTTY) process.stderr.write(`banter chat: waiting up to ${QUIT_WAIT_MS / 1000} s for ${waiting} message${waiting === 1 ? '' : 's'} to be delivered…\n`);
  const left = await session.drain(QUIT_WAIT_MS);
  client.close();
  if (left > 0) {
    process.stderr.write(`banter chat: ${left} message${left === 1 ? ' was' : 's were'} not acknowledged by the server within ${QUIT_WAIT_MS / 1000} s\n`);
    return code === EXIT.OK ? EXIT.LOST : code;
  }
  return code;
}

/** What pipe mode says on stderr when a registered name could not sign in. */
function authProblem(name: string, code: string, message: string): string {
  if (code === 'AUTH_REQUIRED') return `"${name}" is a registered name: give its password with --password-file FILE or the BANTER_PASSWORD environment variable (AUTH_REQUIRED)`;
  if (code === 'AUTH_FAILED') return `wrong password for "${name}" (AUTH_FAILED)`;
  return `${message} (${code})`;
}

async function runPipe(client: BanterClient, opts: ChatOptions, tokens: TokenStore, password: string | undefined): Promise<number> {
  const term = new PipeTerminal(process.stdin, process.stdout);
  const ctx: SignInContext = { client, server: opts.server, tokens, note: (text) => process.stderr.write(`banter chat: ${text}\n`) };
  const r = await signIn(ctx, opts.name!, password);
  if (!('reply' in r)) {
    const why = 'refused' in r ? r.refused : 'auth' in r ? authProblem(opts.name!, r.auth, r.message) : `could not log in: ${r.failed}`;
    process.stderr.write(`banter chat: ${why}\n`);
    client.close();
    return 'refused' in r ? EXIT.NAME_REJECTED : 'auth' in r ? EXIT.AUTH : EXIT.UNREACHABLE;
  }
  const login = r.reply;
  const ref: { session?: ChatSession } = {};
  const show = opts.json
    ? (item: Item): void => term.print(JSON.stringify(item))
    : textOutput((line) => term.print(line), makeStyle(false), false, () => ref.session, bellWanted(opts));
  const s = new ChatSession(client, { show, changed: () => undefined }, { server: opts.server, tokens });
  ref.session = s;
  await s.start(login);
  term.start((line) => s.input(line), () => { void s.idle().then(() => s.quit(EXIT.OK)); });
  quitOnSignals(s, ['SIGTERM', 'SIGINT', 'SIGHUP']);
  const code = await s.done;
  term.close();
  return finish(s, client, code);
}

async function runTty(client: BanterClient, opts: ChatOptions, tokens: TokenStore, givenPassword: string | undefined): Promise<number> {
  const style = makeStyle(colourWanted(true, process.env));
  const ref: { session?: ChatSession } = {};
  const term = new TtyTerminal({
    input: process.stdin, output: process.stdout,
    completer: (line) => complete(line, {
      commands: commandWords,
      rooms: () => [...ref.session?.knownRooms ?? []],
      users: () => [...ref.session?.users.values() ?? []].map((u) => u.name),
    }),
    onEdit: (line) => ref.session?.typing(line),
  });

  const ctx: SignInContext = { client, server: opts.server, tokens, note: (text) => term.print(style.paint('gray', text)) };
  let name = opts.name ?? (await term.ask('Your name: '));
  let password = givenPassword;
  let login: ReplyData['login'] | undefined;
  while (login === undefined) {
    if (name === undefined) {
      term.close();
      client.close();
      return EXIT.OK;
    }
    const tried = name.trim();
    const r = await signIn(ctx, tried, password);
    if ('refused' in r) {
      term.print(style.paint('red', r.refused));
      name = await term.ask('Pick another name: ');
      password = undefined;
    } else if ('auth' in r) {
      term.print(r.auth === 'AUTH_REQUIRED'
        ? `"${tried}" is a registered name: type its password (nothing is shown), or just Enter to pick another name`
        : style.paint('red', r.auth === 'AUTH_FAILED' ? `wrong password for "${tried}"` : r.message));
      const pw = await term.askSecret('Password: ');
      if (pw === undefined) name = undefined;
      else if (pw === '') {
        name = await term.ask('Your name: ');
        password = undefined;
      } else password = pw;
    } else if ('failed' in r) {
      term.print(style.paint('red', `could not log in: ${r.failed}`));
      const again = await term.ask(`Your name [${tried}]: `);
      name = again === '' ? tried : again;
    } else {
      login = r.reply;
    }
  }

  const prompt = (): string => {
    const s = ref.session;
    const conv = s?.current ?? LOBBY;
    const where = conv.startsWith('#') ? style.paint('cyan', conv) : style.paint('magenta', `@${conv}`);
    const state = s && !s.online ? style.paint('red', '(offline) ') : s?.away ? style.paint('yellow', '(away) ') : '';
    return `${state}${where}> `;
  };
  const output: Output = {
    show: textOutput((line) => term.print(line), style, true, () => ref.session, bellWanted(opts)),
    changed: () => term.setPrompt(prompt()),
    ask: (question, secret) => (secret ? term.askSecret(question) : term.ask(question)),
  };
  const s = new ChatSession(client, output, { server: opts.server, tokens });
  ref.session = s;
  await s.start(login);
  term.start(prompt(), (line) => s.input(line), () => s.quit(EXIT.OK));
  quitOnSignals(s, ['SIGTERM', 'SIGHUP']);
  const code = await s.done;
  term.close();
  return finish(s, client, code);
}
