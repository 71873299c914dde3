/**
 * Worker entry points are loaded by URL, not by `import`, so the build (`npm run build`,
 * tsc's rewriteRelativeImportExtensions) cannot rewrite them: a module names its worker
 * through this helper, which keeps the caller's own extension — `.ts` when the sources run,
 * `.js` when the built JavaScript in dist/ runs.
 */
export function siblingModule(base: string, name: string): URL {
  const path = new URL(base).pathname;
  const ext = path.slice(path.lastIndexOf('.'));
  return new URL(`./${name}${ext}`, base);
}
