import { readFileSync } from 'node:fs';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Which code this process runs: the JavaScript built into dist/ (`npm run build`) or the TypeScript sources. */
export const CODE: 'built' | 'sources' = import.meta.url.endsWith('.js') ? 'built' : 'sources';
