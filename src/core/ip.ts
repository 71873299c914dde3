/**
 * Client addresses as rate-limit keys, shared by the transports' connection limits and the
 * core's login throttles (the core only sees `Session.remote`, "address:port").
 */
import { isIP } from 'node:net';

/** "::ffff:1.2.3.4" -> "1.2.3.4", so IPv4 clients on a dual-stack socket count once. */
export function normalizeIp(addr: string | undefined): string {
  if (!addr) return '?';
  return addr.startsWith('::ffff:') && isIP(addr.slice(7)) === 4 ? addr.slice(7) : addr;
}

export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.');
}

/** The address part of a `Session.remote` ("1.2.3.4:5678", "::1:5678", "?:0"), normalised. */
export function remoteIp(remote: string): string {
  const i = remote.lastIndexOf(':');
  const addr = i > 0 && /^\d+$/.test(remote.slice(i + 1)) ? remote.slice(0, i) : remote;
  return normalizeIp(addr);
}

/**
 * The key one client address is limited under: an IPv4 address as it is, an IPv6 address
 * by its /64 prefix (one subscriber usually gets a whole /64, so per-address limits on
 * single IPv6 addresses would be free to dodge). Anything else is its own key.
 */
export function ipKey(ip: string): string {
  const bare = ip.split('%')[0]!;
  if (isIP(bare) !== 6) return bare;
  const groups = expandIpv6(bare);
  return groups ? `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64` : bare;
}

/** The eight 16-bit groups of a valid IPv6 address (embedded IPv4 tails included). */
function expandIpv6(ip: string): number[] | undefined {
  const words = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((w) => {
      if (w.includes('.')) {
        const [a, b, c, d] = w.split('.').map(Number) as [number, number, number, number];
        return [(a << 8) | b, (c << 8) | d];
      }
      return [parseInt(w, 16)];
    });
  };
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = words(head);
  if (tail === undefined) return h.length === 8 ? h : undefined;
  const t = words(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/**
 * Whether `ip` (normalised, as remoteIp gives it) lies in `range`: an address, or CIDR
 * "a.b.c.d/n" / "x:y::/n". Mismatched families never match.
 */
export function ipInRange(ip: string, range: string): boolean {
  const [base, bitsText] = range.split('/') as [string, string | undefined];
  const a = ipBits(ip);
  const b = ipBits(normalizeIp(base));
  if (!a || !b || a.length !== b.length) return false;
  const bits = bitsText === undefined ? a.length : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > a.length) return false;
  for (let i = 0; i < bits; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A valid IP range for a server ban: an address or CIDR, normalised; undefined otherwise. */
export function normalizeIpRange(range: string): string | undefined {
  const [base, bitsText, extra] = range.trim().split('/');
  if (base === undefined || extra !== undefined) return undefined;
  const addr = normalizeIp(base);
  const bitsOf = ipBits(addr);
  if (!bitsOf) return undefined;
  if (bitsText === undefined) return addr;
  if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > bitsOf.length) return undefined;
  return `${addr}/${Number(bitsText)}`;
}

/** The address as a string of 32 or 128 '0'/'1' characters; undefined when not an IP address. */
function ipBits(ip: string): string | undefined {
  const bare = ip.split('%')[0]!;
  const v = isIP(bare);
  if (v === 4) return bare.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  if (v === 6) return expandIpv6(bare)?.map((g) => g.toString(2).padStart(16, '0')).join('');
  return undefined;
}
