/**
 * axe-core (a devDependency, never downloaded at run time) run inside a page. The source is
 * evaluated through the DevTools protocol, which the page's CSP does not govern, so the app's
 * `script-src 'self'` stays as strict as it is (an injected <script> tag would be refused).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The WCAG 2.0 and 2.1 level A and AA rules (axe's tags for them). */
export const WCAG_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface AxeNode { target: unknown[]; html: string; failureSummary?: string }
interface AxeViolation { id: string; impact: string | null; help: string; nodes: AxeNode[] }

/** Which axe rules run: by tag (the default: WCAG A and AA) or by rule id. */
export interface AxeRunOnly { type: 'tag' | 'rule'; values: string[] }
const AA: AxeRunOnly = { type: 'tag', values: WCAG_AA_TAGS };

/** The violations axe finds in the page as it is now. */
export async function axeViolations(page: Page, runOnly: AxeRunOnly = AA): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (only) => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { runOnly: only, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })) }));
  }, runOnly);
}

/** Readable report: rule, impact, and the first nodes with axe's explanation. */
export function describeViolations(vs: AxeViolation[]): string {
  return vs.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 5).map((n) => `    ${JSON.stringify(n.target)} ${n.html.slice(0, 160)}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`).join('\n')}`).join('\n');
}

/** Fails with axe's report when the page has any WCAG 2.0/2.1 A or AA violation (or of `runOnly`). */
export async function assertAccessible(page: Page, screen: string, runOnly: AxeRunOnly = AA): Promise<void> {
  const vs = await axeViolations(page, runOnly);
  assert.equal(vs.length, 0, `${screen}: ${vs.length} axe violation(s)\n${describeViolations(vs)}`);
}
