/** `banter config print`: the effective configuration (flags > env > file > defaults), secrets masked. */
import { parseArgs } from 'node:util';
import { CONFIG_KEYS, ConfigError, type ConfigKey } from '../server/config.ts';
import { loadEffectiveConfig, printConfig } from '../server/config-file.ts';

export const CONFIG_HELP = `Usage:
  banter config print [--config FILE] [--json] [serve options]

Prints the configuration "banter serve" would run with, given the same flags, environment
and config file; secret values are shown as ********. Exit code 2 when it is invalid.
`;

export function configCommand(args: string[]): number {
  const [sub, ...rest] = args;
  if (sub !== 'print') {
    process.stderr.write(sub === undefined || sub === '--help' || sub === '-h' ? CONFIG_HELP : `banter config: unknown subcommand "${sub}"\n${CONFIG_HELP}`);
    return sub === '--help' || sub === '-h' ? 0 : 2;
  }
  const flagKeys = Object.entries(CONFIG_KEYS).filter(([, d]) => 'flag' in d && d.flag) as [ConfigKey, { flag: string }][];
  let parsed;
  try {
    parsed = parseArgs({
      args: rest, strict: true,
      options: { ...Object.fromEntries(flagKeys.map(([, d]) => [d.flag, { type: 'string' as const }])), config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    process.stderr.write(`banter config print: ${(err as Error).message}\n${CONFIG_HELP}`);
    return 2;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    process.stdout.write(CONFIG_HELP);
    return 0;
  }
  const flags: Partial<Record<ConfigKey, string>> = {};
  for (const [k, d] of flagKeys) if (typeof values[d.flag] === 'string') flags[k] = values[d.flag] as string;
  try {
    const config = loadEffectiveConfig({ flags, env: process.env, configFile: values.config as string | undefined });
    process.stdout.write(printConfig(config, values.json ? 'json' : 'toml'));
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`banter: ${err.message}\n`);
    return 2;
  }
}
