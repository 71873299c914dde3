/** Config file, precedence, validation messages and `banter config print`. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/server/config.ts';
import { loadEffectiveConfig, readConfigFile, unknownEnv } from '../../src/server/config-file.ts';
import { tlsFromConfig } from '../../src/server/tls.ts';
import { runCli } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'banter-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const p = join(dir, `c${++n}.toml`);
  writeFileSync(p, text);
  return p;
}

function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

describe('config file (TOML)', () => {
  it('maps tables onto dotted keys', () => {
    const p = file('port = 9100\n[ws]\nmaxPayload = 4096\npath = "/chat"\n[calc]\nworkers = 3\n');
    const c = loadEffectiveConfig({ env: {}, configFile: p });
    assert.equal(c.port, 9100);
    assert.equal(c['ws.maxPayload'], 4096);
    assert.equal(c['ws.path'], '/chat');
    assert.equal(c['calc.workers'], 3);
    assert.equal(c['calc.timeoutMs'], 1000, 'others keep their defaults');
  });

  it('precedence is flags > environment > file > defaults', () => {
    const p = file('port = 9100\nhost = "10.0.0.1"\nlogLevel = "warn"\n[rooms]\nmax = 7\n');
    const c = loadEffectiveConfig({ env: { BANTER_PORT: '9200', BANTER_HOST: '10.0.0.2' }, flags: { port: '9300' }, configFile: p });
    assert.equal(c.port, 9300);
    assert.equal(c.host, '10.0.0.2');
    assert.equal(c.logLevel, 'warn');
    assert.equal(c['rooms.max'], 7);
    assert.equal(c['rooms.maxPerUser'], 50);
  });

  it('is found through BANTER_CONFIG', () => {
    const p = file('port = 9400\n');
    assert.equal(loadEffectiveConfig({ env: { BANTER_CONFIG: p } }).port, 9400);
  });

  it('refuses unknown keys, naming the key and the file, with a suggestion', () => {
    const p = file('[ws]\nmaxPaylod = 5\n[nonsense]\nx = 1\n');
    const msg = problems(() => readConfigFile(p));
    assert.match(msg, new RegExp(`unknown key "ws.maxPaylod" in ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(did you mean "ws.maxPayload"\\?\\)`));
    assert.match(msg, /unknown key "nonsense.x"/);
  });

  it('reports bad values with key, source and value', () => {
    const p = file('port = 70000\n[ws]\npath = "no-slash"\n');
    const msg = problems(() => loadEffectiveConfig({ env: {}, configFile: p }));
    assert.match(msg, new RegExp(`port \\(from ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): .* — got 70000`));
    assert.match(msg, /ws\.path \(from .*\): .* — got "no-slash"/);
  });

  it('reports invalid TOML with its line, and a missing file by name', () => {
    assert.match(problems(() => readConfigFile(file('port = 1\n[ws\n'))), /not valid TOML \(line 2, column \d+\)/);
    assert.match(problems(() => readConfigFile(join(dir, 'missing.toml'))), /cannot read config file .*missing\.toml: ENOENT/);
  });
});

describe('environment values', () => {
  it('name the variable and the value they got', () => {
    const msg = problems(() => loadEffectiveConfig({ env: { BANTER_WS_MAX_PAYLOAD: 'lots', BANTER_LOG_LEVEL: 'chatty' } }));
    assert.match(msg, /ws\.maxPayload \(from BANTER_WS_MAX_PAYLOAD\): .* — got "lots"/);
    assert.match(msg, /logLevel \(from BANTER_LOG_LEVEL\): .* — got "chatty"/);
  });

  it('never echo a secret in the error', () => {
    const msg = problems(() => loadEffectiveConfig({ env: { BANTER_ADMIN_TOKEN: 'short-secret' } }));
    assert.match(msg, /admin\.token \(from BANTER_ADMIN_TOKEN\): must be empty \(disabled\) or at least 16 characters — got \(secret, not shown\)/);
    assert.ok(!msg.includes('short-secret'));
  });

  it('unknown BANTER_ variables are reported (serve logs them as warnings)', () => {
    assert.deepEqual(unknownEnv({ BANTER_PORT: '1', BANTER_WS_MAXPAYLOAD: '9', BANTER_CONFIG: 'x', BANTER_ADMIN_URL: 'y', HOME: '/' }), ['BANTER_WS_MAXPAYLOAD']);
  });

  it('tls.cert and tls.key must come together', () => {
    const c = loadEffectiveConfig({ env: { BANTER_TLS_CERT: '/x/cert.pem' } });
    assert.match(problems(() => tlsFromConfig(c)), /tls\.cert and tls\.key must be set together \(got only tls\.cert\)/);
  });
});

describe('banter config print / serve with bad config', () => {
  it('prints the effective config as TOML with secrets masked', async () => {
    const p = file('port = 9500\n[admin]\ntoken = "file-admin-token-0123456789"\n');
    const out = await runCli(['config', 'print', '--config', p, '--host', '127.0.0.9'], { BANTER_METRICS_TOKEN: 'env-metrics-token-0123456789', BANTER_CALC_WORKERS: '5' });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^port = 9500$/m);
    assert.match(out.stdout, /^host = "127\.0\.0\.9"$/m);
    assert.match(out.stdout, /\[calc\]\nworkers = 5$/m);
    assert.match(out.stdout, /\[admin\]\ntoken = "\*\*\*\*\*\*\*\*"$/m);
    assert.match(out.stdout, /\[metrics\]\ntoken = "\*\*\*\*\*\*\*\*"$/m);
    assert.ok(!out.stdout.includes('file-admin-token') && !out.stdout.includes('env-metrics-token'));
    const json = await runCli(['config', 'print', '--json'], { BANTER_ADMIN_TOKEN: '' });
    assert.equal((JSON.parse(json.stdout) as { admin: { token: string } }).admin.token, '', 'an unset secret shows as empty');
  });

  it('exit code 2 and a readable message for an unknown key or a bad value', async () => {
    const bad = await runCli(['config', 'print', '--config', file('[ws]\nmaxPaylod = 5\n')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid configuration:\n {2}unknown key "ws\.maxPaylod"/);
    const serve = await runCli(['serve', '--port', '0'], { BANTER_CALC_WORKERS: 'many' });
    assert.equal(serve.code, 2);
    assert.match(serve.stderr, /calc\.workers \(from BANTER_CALC_WORKERS\)/);
  });
});
