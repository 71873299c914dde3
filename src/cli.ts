/**
 * The `banter` command: one entry point, a subcommand table, `--help` everywhere.
 */
import { parseArgs } from 'node:util';
import { CONFIG_KEYS, envName, type ConfigKey } from './server/config.ts';
import { VERSION } from './server/version.ts';

const serveFlags = Object.entries(CONFIG_KEYS).filter(([, d]) => 'flag' in d && d.flag) as [ConfigKey, { flag: string; doc: string; default: unknown }][];

/** Column width of the flag names in --help. */
const FLAG_WIDTH = Math.max(...serveFlags.map(([, d]) => d.flag.length)) + 1;

const HELP = `banter ${VERSION} — self-hosted chat server

Usage:
  banter serve [options]     start the server
  banter config print        the effective configuration, secrets masked
  banter admin clients|disconnect ID|notice TEXT   the admin API (banter admin --help)
  banter chat [options]      terminal client (banter chat --help)
  banter --version           print the version
  banter --help              this text

Options for serve (each also settable by environment variable):
${serveFlags.map(([k, d]) => `  --${d.flag.padEnd(FLAG_WIDTH)} ${d.doc} Default: ${JSON.stringify(d.default)}. Env: ${envName(k)}`).join('\n')}

  --${'config FILE'.padEnd(FLAG_WIDTH)} a TOML config file (also BANTER_CONFIG); precedence: flags > env > file > defaults

Every other setting is read from its environment variable or the config file; see docs/config.md.

Exit codes (serve): 0 clean shutdown, 2 invalid configuration, 3 could not listen,
70 internal error or shutdown timeout.
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP);
    return cmd === undefined ? 1 : 0;
  }
  if (cmd === '--version' || cmd === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (cmd === 'serve') {
    const options = Object.fromEntries(serveFlags.map(([, d]) => [d.flag, { type: 'string' as const }]));
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...options, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    } catch (err) {
      process.stderr.write(`banter serve: ${(err as Error).message}\nRun "banter --help" for the options.\n`);
      return 2;
    }
    if (parsed.values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const flags: Partial<Record<ConfigKey, string>> = {};
    for (const [k, d] of serveFlags) {
      const v = (parsed.values as Record<string, unknown>)[d.flag];
      if (typeof v === 'string') flags[k] = v;
    }
    const { serve } = await import('./server/serve.ts');
    const configFile = (parsed.values as Record<string, unknown>).config;
    return serve(flags, { configFile: typeof configFile === 'string' ? configFile : undefined });
  }
  if (cmd === 'config') {
    const { configCommand } = await import('./cli/config.ts');
    return configCommand(rest);
  }
  if (cmd === 'admin') {
    const { adminCommand } = await import('./cli/admin.ts');
    return adminCommand(rest);
  }
  if (cmd === 'chat') {
    const { runChat } = await import('./tui/main.ts');
    return runChat(rest);
  }
  process.stderr.write(`banter: unknown command "${cmd}"\nRun "banter --help" for usage.\n`);
  return 2;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`banter: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(70);
});
