/**
 * axe-core in a Playwright page, for the browser tests (tests/e2e): in light a run checks every WCAG 2.0–2.2
 * A and AA rule; dark mode changes only colours, so its run checks the colour rules alone.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2.0–2.2 A and AA rules (or only the colour rules) on the page: the violations, one line each. */
export async function axe(page: Page, onlyColours: boolean): Promise<string[]> {
  await page.evaluate(AXE);
  const result = await page.evaluate((onlyColours) =>
    (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; nodes: { target: string[]; failureSummary?: string }[] }[] }> } }).axe.run(document, {
      runOnly: onlyColours ? { type: 'rule', values: ['color-contrast', 'link-in-text-block'] } : { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      resultTypes: ['violations'],
    }), onlyColours);
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} at ${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 200)}`));
}
