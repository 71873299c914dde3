/**
 * The admin HTTP API as the admin page uses it (built on the server side separately):
 *   GET  /api/admin/clients                   -> { clients: AdminClient[] }
 *   POST /api/admin/clients/:id/disconnect
 *   POST /api/admin/notice                    { text }
 * Every request carries `Authorization: Bearer TOKEN`.
 */

import { AdminClient } from '../../protocol/admin.ts';

export type { AdminClient };

export class AdminError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
    this.name = 'AdminError';
  }
}

async function call(token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new AdminError(0, 'The server cannot be reached.');
  }
  if (res.status === 401 || res.status === 403) throw new AdminError(res.status, 'The token was not accepted.');
  if (res.status === 404) throw new AdminError(404, 'Not found (is the admin API enabled on this server?).');
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: reported below by status, or ignored for empty successes.
  }
  if (!res.ok) {
    const msg = typeof data === 'object' && data !== null && 'error' in data ? String((data as { error: unknown }).error) : `HTTP ${res.status}`;
    throw new AdminError(res.status, msg);
  }
  return data;
}

function isClient(c: unknown): c is AdminClient {
  return AdminClient.safeParse(c).success;
}

export async function listClients(token: string): Promise<AdminClient[]> {
  const data = await call(token, 'GET', '/api/admin/clients');
  const list = typeof data === 'object' && data !== null ? (data as { clients?: unknown }).clients : undefined;
  if (!Array.isArray(list)) throw new AdminError(500, 'Unexpected response from the server.');
  return list.filter(isClient);
}

export async function disconnectClient(token: string, id: string): Promise<void> {
  await call(token, 'POST', `/api/admin/clients/${encodeURIComponent(id)}/disconnect`);
}

export async function sendNotice(token: string, text: string): Promise<void> {
  await call(token, 'POST', '/api/admin/notice', { text });
}
