/**
 * What every request on the HTTP listener is checked against before any route sees it, shared
 * by the plain HTTP routes (src/server/http.ts) and the WebSocket upgrade (ws/server.ts):
 *
 * - `requestTarget()` parses the request target without throwing: origin-form (`/path?q`)
 *   and absolute-form (`http://host/path`) only, and the path's percent-escapes must decode.
 *   Anything else (`*`, `/%zz`) is `undefined`, answered 400 BAD_URL; so is a target starting
 *   with `//`, which URL parsers read as a host (`//[` made `new URL` throw, `//evil/x` is a
 *   scheme-relative link elsewhere) and no client of ours sends.
 * - `HostPolicy` defends against DNS rebinding: a page on an attacker's domain that resolves
 *   to this server sends `Host: attacker.example`, so only the names the operator configured
 *   (`http.allowedHosts`), `localhost` (and `*.localhost`) and IP literals are answered; the
 *   others get 421 HOST_NOT_ALLOWED. An IP literal cannot be rebound: a browser sends it only
 *   when the user typed the address.
 * - `originAllowed()` decides whether a browser page may open a WebSocket.
 * - `rawResponse()` is the one writer of a complete HTTP response on a bare socket (upgrade
 *   refusals, malformed requests), where no ServerResponse exists.
 */
import { isIP } from 'node:net';

const BASE = 'http://localhost';

/** The parsed request target, or undefined when it is not one this server accepts. */
export function requestTarget(raw: string | undefined): URL | undefined {
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    // Origin-form is appended to a fixed authority: `//x` is a path here, never a host.
    if (raw.startsWith('/') && !raw.startsWith('//')) url = new URL(BASE + raw);
    else if (/^https?:\/\//i.test(raw)) url = new URL(raw);
    else return undefined;
    decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  return url;
}

/** The host name of a Host header value (`name`, `name:port`, `[v6]:port`), lower-cased, or undefined when malformed. */
export function hostName(header: string): string | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/@\\?#]+))(?::\d{1,5})?$/.exec(header);
  if (!m) return undefined;
  if (m[1] !== undefined) return isIP(m[1]) === 6 ? m[1].toLowerCase() : undefined;
  return m[2]!.toLowerCase().replace(/\.$/, '');
}

export class HostPolicy {
  private readonly names: ReadonlySet<string>;
  private readonly any: boolean;

  /** `names`: the configured host names (http.allowedHosts); `*` allows every Host. */
  constructor(names: readonly string[]) {
    this.any = names.includes('*');
    this.names = new Set(names.map((n) => n.toLowerCase().replace(/\.$/, '')));
  }

  /** True when a Host header value names this server. A request without Host (HTTP/1.0, no browser) is allowed. */
  allows(header: string | undefined): boolean {
    if (header === undefined || this.any) return true;
    const name = hostName(header);
    if (name === undefined) return false;
    return name === 'localhost' || name.endsWith('.localhost') || isIP(name) !== 0 || this.names.has(name);
  }

  /** True when both the Host header and, for an absolute-form target, its authority name this server. */
  allowsRequest(hostHeader: string | undefined, rawTarget: string | undefined, target: URL): boolean {
    if (!this.allows(hostHeader)) return false;
    return rawTarget === undefined || rawTarget.startsWith('/') || this.allows(target.host || undefined);
  }
}

/** The Host check's answer body, with the offending value cut short. */
export function hostRefusal(header: string | undefined): string {
  return `this server does not answer to host "${(header ?? '').slice(0, 100)}"; add its name to http.allowedHosts`;
}

/**
 * Browsers send Origin; a page on another site must not open a socket with the user's
 * cookies or network position (cross-site WebSocket hijacking). With `allowedOrigins`
 * configured, Origin must be one of them; otherwise it must be the server's own origin: the
 * same host and port as the Host header, which itself passed the HostPolicy (so an attacker's
 * rebinding domain, equal in Origin and Host, is refused too). Non-browser clients send no
 * Origin and are allowed.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, policy: HostPolicy, allowedOrigins: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowedOrigins.length > 0) return allowedOrigins.includes(origin);
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  return host !== undefined && parsed.host === host.toLowerCase() && policy.allows(parsed.host);
}

/** A complete `Connection: close` response for a bare socket; `body` is JSON-encoded when it is not a string. */
export function rawResponse(status: number, statusText: string, body: string | object): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  return `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: ${type}\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}
