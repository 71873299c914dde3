/**
 * Regenerates the tables in docs/config.md and docs/errors.md from the code (the single
 * source of truth). `npm run docs` writes them; test/docs-sync.test.ts fails when they differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_KEYS, envName } from '../src/server/config.ts';
import { ERROR_CODES } from '../src/protocol/errors.ts';

const BEGIN = '<!-- BEGIN GENERATED -->';
const END = '<!-- END GENERATED -->';

export function configTable(): string {
  const rows = Object.entries(CONFIG_KEYS).map(([k, d]) => {
    const flag = 'flag' in d && d.flag ? `\`--${d.flag}\`` : '';
    return `| \`${k}\` | \`${envName(k)}\` | ${flag} | \`${JSON.stringify(d.default)}\` | ${d.doc} |`;
  });
  return ['| key | environment variable | flag | default | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

export function errorsTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, text]) => `| \`${code}\` | ${text} |`);
  return ['| code | meaning |', '| --- | --- |', ...rows].join('\n');
}

export function splice(doc: string, table: string): string {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a === -1 || b === -1) throw new Error('generated-section markers missing');
  return `${doc.slice(0, a + BEGIN.length)}\n${table}\n${doc.slice(b)}`;
}

export const DOCS = [
  { file: new URL('../docs/config.md', import.meta.url), table: configTable },
  { file: new URL('../docs/errors.md', import.meta.url), table: errorsTable },
];

if (import.meta.main) {
  for (const d of DOCS) writeFileSync(d.file, splice(readFileSync(d.file, 'utf8'), d.table()));
  console.log('docs/config.md and docs/errors.md regenerated');
}
