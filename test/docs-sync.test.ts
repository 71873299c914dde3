/** docs/config.md and docs/errors.md must list exactly what the code defines. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { DOCS, splice } from '../scripts/gen-docs.ts';

for (const d of DOCS) {
  it(`${d.file.pathname.split('/').slice(-2).join('/')} matches the code (run "npm run docs" to regenerate)`, () => {
    const doc = readFileSync(d.file, 'utf8');
    assert.equal(doc, splice(doc, d.table()));
  });
}
