#!/usr/bin/env node
// @ts-check
// The package's bin. Runs the built JavaScript (dist/, `npm run build`) when it was built from
// exactly the sources beside it, else the TypeScript sources (Node 24 strips their types).
// The built code starts faster and uses less memory: no type stripper is loaded
// (docs/benchmarks.md, "Build step and idle memory"). BANTER_SOURCES=1 forces the sources.
import { fileURLToPath } from 'node:url';
import { buildIsFresh } from './build-stamp.js';

const root = fileURLToPath(new URL('..', import.meta.url));
if (process.env.BANTER_SOURCES !== '1' && buildIsFresh(root)) await import('../dist/cli.js');
else await import('../src/cli.ts');
