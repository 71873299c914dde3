/**
 * The admin API, for the operator only (the web app's /admin page and `banter admin`):
 *
 *   GET  /api/admin/clients                  -> {"clients":[{id,name,transport,remote,connectedAt,rooms,queuedBytes}]}
 *   POST /api/admin/clients/:id/disconnect   -> {"ok":true}   (WebSocket close 4005 "Kicked by admin")
 *   POST /api/admin/notice  {"text":"..."}   -> {"ok":true}   (a server notice to every user)
 *   GET  /api/admin/admins                   -> {"config":[...],"granted":[...]}  (server administrators)
 *   PUT  /api/admin/admins/:account          -> {"config":[...],"granted":[...]}  (mark a registered account admin)
 *   DELETE /api/admin/admins/:account        -> {"config":[...],"granted":[...]}  (unmark it)
 *
 * Every route needs `Authorization: Bearer <admin.token>`. With no token configured the
 * whole API answers 404, exactly like an unknown path: it is never open.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import type { ChatCore } from '../core/chat.ts';
import type { Logger } from '../core/ports.ts';
import { checkUserName, ERROR_CODES, normalizeText, textProblemCode, type AdminClient } from '../protocol/index.ts';
import { ChatError } from '../core/errors.ts';
import { json } from './http.ts';
import { HttpError, readJson, requireBearer, runRoute } from './http-api.ts';
import { allow } from './ops-http.ts';

export const ADMIN_PREFIX = '/api/admin/';
export const KICK_REASON = 'Kicked by admin';

export interface AdminDeps {
  core: ChatCore;
  /** admin.token; empty disables the API. */
  token: string;
  maxBodyBytes: number;
  log: Logger;
}


const NoticeBody = z.object({ text: z.string() }).strict();
const CONN_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export function adminRoute(deps: AdminDeps) {
  return (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    if (!url.pathname.startsWith(ADMIN_PREFIX) || deps.token === '') return false;
    const path = url.pathname.slice(ADMIN_PREFIX.length);
    res.setHeader('Cache-Control', 'no-store');
    const onUnexpected = (err: unknown): void => deps.log.error({ err, path: url.pathname }, 'admin request failed');

    if (path === 'clients') {
      if (!allow(req, res, 'GET')) return true;
      runRoute(res, onUnexpected, async () => {
        requireBearer(req, deps.token, 'banter-admin');
        json(res, 200, { clients: clients(deps.core) });
      });
      return true;
    }
    const kick = /^clients\/([^/]+)\/disconnect$/.exec(path);
    if (kick) {
      if (!allow(req, res, 'POST')) return true;
      runRoute(res, onUnexpected, async () => {
        requireBearer(req, deps.token, 'banter-admin');
        req.resume();
        const id = decodePathSegment(kick[1]!);
        const name = deps.core.connections().find((c) => c.id === id)?.name;
        if (!CONN_ID.test(id) || !deps.core.disconnect(id, KICK_REASON)) throw new HttpError(404, 'NO_SUCH_CONNECTION', `no connection "${id.slice(0, 64)}"`);
        // Admin API actions go to the same append-only audit log as admins' commands.
        await deps.core.moderation.appendAudit({ ts: Date.now(), actor: 'admin-api', action: 'kill', target: name ?? id, reason: KICK_REASON });
        deps.log.info({ conn: id, remote: req.socket.remoteAddress }, 'admin: disconnect');
        json(res, 200, { ok: true });
      });
      return true;
    }
    if (path === 'notice') {
      if (!allow(req, res, 'POST')) return true;
      runRoute(res, onUnexpected, async () => {
        requireBearer(req, deps.token, 'banter-admin');
        const parsed = NoticeBody.safeParse(await readJson(req, deps.maxBodyBytes));
        if (!parsed.success) throw new HttpError(400, 'BAD_REQUEST', 'expected {"text": "<notice>"} and nothing else');
        const norm = normalizeText(parsed.data.text);
        if ('problem' in norm) throw new HttpError(400, textProblemCode(norm.problem), `the notice text is refused: ${ERROR_CODES[textProblemCode(norm.problem)]}`);
        await deps.core.moderation.appendAudit({ ts: Date.now(), actor: 'admin-api', action: 'wallops', reason: norm.text });
        deps.core.emit({ kind: 'notice', text: norm.text });
        deps.log.info({ length: norm.text.length, remote: req.socket.remoteAddress }, 'admin: notice sent');
        json(res, 200, { ok: true });
      });
      return true;
    }
    if (path === 'admins') {
      if (!allow(req, res, 'GET')) return true;
      runRoute(res, onUnexpected, async () => {
        requireBearer(req, deps.token, 'banter-admin');
        json(res, 200, adminsView(deps.core, await deps.core.moderation.admins()));
      });
      return true;
    }
    const grant = /^admins\/([^/]+)$/.exec(path);
    if (grant) {
      if (!allow(req, res, 'PUT', 'DELETE')) return true;
      runRoute(res, onUnexpected, async () => {
        requireBearer(req, deps.token, 'banter-admin');
        req.resume();
        const account = decodePathSegment(grant[1]!);
        if (checkUserName(account) !== null) throw new HttpError(400, 'NAME_INVALID', `"${account.slice(0, 64)}" is not an account name`);
        let granted: string[];
        try {
          granted = await deps.core.setAdmin(account, req.method === 'PUT', 'admin-api');
        } catch (err) {
          if (!(err instanceof ChatError)) throw err;
          const status = err.code === 'NO_SUCH_ACCOUNT' ? 404 : err.code === 'STORE_UNAVAILABLE' ? 503 : 409;
          throw new HttpError(status, err.code, err.message);
        }
        deps.log.info({ account, on: req.method === 'PUT', remote: req.socket.remoteAddress }, 'admin: server administrator changed');
        json(res, 200, adminsView(deps.core, granted));
      });
      return true;
    }
    return false;
  };
}

function adminsView(core: ChatCore, granted: string[]): { config: string[]; granted: string[] } {
  return { config: [...(core.deps.config.admins ?? [])], granted };
}

/** A path segment's %-escapes decoded; a malformed escape is the client's error (400 BAD_URL), not ours. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'BAD_URL', 'malformed %-escape in the path');
  }
}

function clients(core: ChatCore): AdminClient[] {
  return core.connections().map((c) => ({
    id: c.id, name: c.name ?? null, transport: c.transport, remote: c.remote,
    connectedAt: c.connectedAt, rooms: c.rooms, queuedBytes: c.queuedBytes,
  }));
}
