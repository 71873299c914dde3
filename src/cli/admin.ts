/**
 * `banter admin`: the admin API from the command line (see docs/operations.md).
 *
 *   banter admin clients [--json]     every connection, as a table
 *   banter admin disconnect ID        close one connection (WebSocket code 4005)
 *   banter admin notice TEXT          a server notice to every user
 *   banter admin admins               the server administrators (config `admins` and granted)
 *   banter admin grant|revoke ACCOUNT mark or unmark a registered account as a server administrator
 *
 * Server: --server URL, else BANTER_ADMIN_URL, else http://127.0.0.1:8080.
 * Token: --token T, else BANTER_ADMIN_TOKEN (prefer the variable: flags show up in `ps`).
 */
import { parseArgs } from 'node:util';
import type { AdminClient, AdminClientsReply } from '../protocol/admin.ts';

export const ADMIN_HELP = `Usage:
  banter admin clients [--json]      list every connection (id, name, transport, remote, since, rooms, queued bytes)
  banter admin disconnect ID         disconnect one connection (WebSocket close 4005 "Kicked by admin")
  banter admin notice TEXT           send a server notice to every connected user
  banter admin admins                list the server administrators (from the admins config key, and granted)
  banter admin grant ACCOUNT         mark a registered account as a server administrator (stored: survives restarts; every node)
  banter admin revoke ACCOUNT        unmark it (accounts in the admins config key stay admins)

Options:
  --server URL   the server (default: $BANTER_ADMIN_URL or http://127.0.0.1:8080)
  --token T      the admin token (default: $BANTER_ADMIN_TOKEN, the same variable the server reads)
  --json         print the raw JSON answer

Exit codes: 0 done, 1 the request failed (unreachable, refused, unknown id), 2 usage error.
`;

/** Longest time one admin request may take. */
const REQUEST_TIMEOUT_MS = 10_000;


export async function adminCommand(args: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: { server: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    process.stderr.write(`banter admin: ${(err as Error).message}\n${ADMIN_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [sub, ...rest] = positionals;
  if (values.help || sub === undefined) {
    (values.help ? process.stdout : process.stderr).write(ADMIN_HELP);
    return values.help ? 0 : 2;
  }
  const server = (values.server ?? env.BANTER_ADMIN_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = values.token ?? env.BANTER_ADMIN_TOKEN ?? '';
  if (token === '') {
    process.stderr.write('banter admin: no token: pass --token or set BANTER_ADMIN_TOKEN\n');
    return 2;
  }
  const call = (method: string, path: string, body?: unknown): Promise<unknown> => request(server, token, method, path, body);
  try {
    if (sub === 'clients' && rest.length === 0) {
      const out = await call('GET', '/api/admin/clients') as AdminClientsReply;
      process.stdout.write(values.json ? `${JSON.stringify(out, null, 2)}\n` : table(out.clients));
      return 0;
    }
    if (sub === 'disconnect' && rest.length === 1) {
      await call('POST', `/api/admin/clients/${encodeURIComponent(rest[0]!)}/disconnect`);
      process.stdout.write(values.json ? '{"ok":true}\n' : `disconnected ${rest[0]}\n`);
      return 0;
    }
    if (sub === 'notice' && rest.length >= 1) {
      await call('POST', '/api/admin/notice', { text: rest.join(' ') });
      process.stdout.write(values.json ? '{"ok":true}\n' : 'notice sent\n');
      return 0;
    }
    if (sub === 'admins' && rest.length === 0) {
      const out = await call('GET', '/api/admin/admins') as AdminsReply;
      process.stdout.write(values.json ? `${JSON.stringify(out, null, 2)}\n` : adminsText(out));
      return 0;
    }
    if ((sub === 'grant' || sub === 'revoke') && rest.length === 1) {
      const out = await call(sub === 'grant' ? 'PUT' : 'DELETE', `/api/admin/admins/${encodeURIComponent(rest[0]!)}`) as AdminsReply;
      process.stdout.write(values.json ? `${JSON.stringify(out, null, 2)}\n` : `${sub === 'grant' ? 'granted' : 'revoked'} ${rest[0]}\n${adminsText(out)}`);
      return 0;
    }
  } catch (err) {
    process.stderr.write(`banter admin: ${(err as Error).message}\n`);
    return 1;
  }
  process.stderr.write(`banter admin: bad arguments for "${sub}"\n${ADMIN_HELP}`);
  return 2;
}

async function request(server: string, token: string, method: string, path: string, body: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(server + path, {
      method, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach ${server}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { cause: err });
  }
  const text = await res.text();
  let data: unknown;
  try { data = JSON.parse(text); } catch { data = undefined; }
  if (res.ok) return data;
  if (res.status === 401) throw new Error('unauthorized: wrong or missing admin token (--token / BANTER_ADMIN_TOKEN)');
  const detail = data as { error?: string; code?: string } | undefined;
  if (res.status === 404 && (detail?.code === undefined || detail.code === 'NOT_FOUND')) throw new Error(`${server} has no admin API (admin.token not set on the server, or wrong --server)`);
  throw new Error(`${res.status} ${detail?.code ?? ''} ${detail?.error ?? text.slice(0, 200)}`.replace(/\s+/g, ' ').trim());
}

interface AdminsReply { config: string[]; granted: string[] }

function adminsText(out: AdminsReply): string {
  const all = [...out.config.map((a) => `${a}  (config admins)`), ...out.granted.filter((a) => !out.config.includes(a)).map((a) => `${a}  (granted)`)];
  return all.length === 0 ? 'no server administrators\n' : `${all.join('\n')}\n`;
}

function table(clients: AdminClient[]): string {
  const head = ['ID', 'NAME', 'TRANSPORT', 'REMOTE', 'CONNECTED', 'ROOMS', 'QUEUED'];
  const rows = clients.map((c) => [
    c.id, c.name ?? '-', c.transport, c.remote, new Date(c.connectedAt).toISOString().replace(/\.\d+Z$/, 'Z'),
    c.rooms.length > 4 ? `${c.rooms.slice(0, 4).join(',')},+${c.rooms.length - 4}` : c.rooms.join(',') || '-', String(c.queuedBytes),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[head, ...rows].map(line).join('\n')}\n${clients.length} connection${clients.length === 1 ? '' : 's'}\n`;
}
