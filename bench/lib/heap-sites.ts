/**
 * V8 sampling heap profiles (`HeapProfiler.stopSampling` / `getSamplingProfile`) by allocation
 * site, for bench/irc-alloc.ts and bench/promoted.ts. A site is a function with its file (from
 * `src/`, `bench/` or `node_modules/`) and line; one outside `src/` (a Node internal, a native) is
 * listed with the nearest `src/` frame that called it. V8 folds inlined functions into the
 * optimised caller they were inlined into, so a hot caller's site can hold its callees' bytes.
 */
export interface ProfileNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: ProfileNode[] }

export const siteOf = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*?\/(src|bench|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;

export interface Sites {
  /** Bytes by site (`site  (in nearest src/ site)` for one outside src/). */
  bySite: Map<string, number>;
  /** Bytes in all, and under a `src/` frame. */
  total: number;
  banter: number;
  /** With `stacks`: per site, bytes by its 8 nearest calling frames. */
  stacksOf: Map<string, Map<string, number>>;
}

/** Sums a profile's bytes by site; `banterOnly` leaves out what no `src/` frame called, `stacks` keeps callers. */
export function bytesBySite(head: ProfileNode, opts: { banterOnly?: boolean; stacks?: boolean } = {}): Sites {
  const out: Sites = { bySite: new Map(), total: 0, banter: 0, stacksOf: new Map() };
  const walk = (n: ProfileNode, banter: string | undefined, path: string[]): void => {
    const site = siteOf(n);
    const inBanter = site.includes(' src/') ? site : banter;
    if (n.selfSize > 0 && (inBanter !== undefined || opts.banterOnly !== true)) {
      const key = inBanter === undefined || inBanter === site ? site : `${site}  (in ${inBanter})`;
      out.bySite.set(key, (out.bySite.get(key) ?? 0) + n.selfSize);
      if (opts.stacks === true) {
        const callers = path.slice(-8).reverse().join(' < ');
        const m = out.stacksOf.get(key) ?? new Map<string, number>();
        m.set(callers, (m.get(callers) ?? 0) + n.selfSize);
        out.stacksOf.set(key, m);
      }
      out.total += n.selfSize;
      if (inBanter !== undefined) out.banter += n.selfSize;
    }
    for (const c of n.children) walk(c, inBanter, opts.stacks === true ? [...path, site] : path);
  };
  walk(head, undefined, []);
  return out;
}

/** The `top` heaviest sites, heaviest first. */
export const heaviest = (bySite: Map<string, number>, top: number): [string, number][] => [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top);
