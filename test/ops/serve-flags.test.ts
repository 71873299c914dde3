/**
 * `banter serve --help` lists the IRC listener's settings as real flags, and the flags
 * take effect (they come from CONFIG_KEYS, like --port and --host).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IrcClient } from '../helpers/irc.ts';
import { runCli, spawnServer } from './helpers.ts';

describe('serve flags', () => {
  it('--help lists the IRC flags with their defaults and environment variables', async () => {
    const r = await runCli(['serve', '--help']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    for (const [flag, def, env] of [
      ['--irc-enabled', 'true', 'BANTER_IRC_ENABLED'],
      ['--irc-host', '""', 'BANTER_IRC_HOST'],
      ['--irc-port', '6667', 'BANTER_IRC_PORT'],
      ['--irc-tls-port', '6697', 'BANTER_IRC_TLS_PORT'],
      ['--irc-server-name', '"banter.local"', 'BANTER_IRC_SERVER_NAME'],
      ['--irc-network', '"Banter"', 'BANTER_IRC_NETWORK'],
      ['--irc-sts-duration', '-1', 'BANTER_IRC_STS_DURATION'],
    ] as const) {
      const line = lines.find((l) => l.trimStart().startsWith(`${flag} `));
      assert.ok(line, `${flag} missing from:\n${r.stdout}`);
      assert.ok(line.includes(`Default: ${def}. Env: ${env}`), line);
    }
    // Every flag's description starts in the same column.
    const cols = lines.filter((l) => l.startsWith('  --')).map((l) => /^ {2}--(?:config FILE|\S+) +/.exec(l)![0].length);
    assert.equal(new Set(cols).size, 1, cols.join(','));
  });

  it('--irc-port, --irc-host and --irc-network are honoured over the environment', async () => {
    const child = await spawnServer(['serve', '--irc-port', '0', '--irc-host', '127.0.0.1', '--irc-network', 'FlagNet'], { BANTER_IRC_NETWORK: 'EnvNet', BANTER_IRC_PORT: '1' });
    try {
      const listening = await child.waitLog((l) => l.msg === 'listening for IRC', 'listening for IRC');
      const url = new URL(String(listening.irc));
      assert.equal(url.hostname, '127.0.0.1');
      const c = await IrcClient.connect(Number(url.port));
      c.send('NICK Flagged');
      c.send('USER f 0 * :F');
      assert.match(await c.waitLine(/ 005 .*NETWORK=/), / NETWORK=FlagNet /);
      c.close();
    } finally {
      child.kill();
      await child.exited;
    }
  });
});
