/**
 * arXiv categories ↔ OAI-PMH sets, and the datestamps of a page. arXiv's OAI sets are archives:
 * `cs`, `math`, `stat`, `q-bio`, `eess`, `econ`, and for the physics archives `physics:hep-th`,
 * `physics:astro-ph`… (as the headers' setSpec say). Categories are finer (`cs.AI`), so the harvester asks
 * for each needed set and keeps the records whose categories meet the configured ones. Pure.
 */

/** Archives that arXiv's OAI interface lists under the `physics` set (`physics:ARCHIVE`). */
const PHYSICS_ARCHIVES = new Set([
  'astro-ph', 'cond-mat', 'gr-qc', 'hep-ex', 'hep-lat', 'hep-ph', 'hep-th', 'math-ph', 'nlin', 'nucl-ex', 'nucl-th', 'physics', 'quant-ph',
]);

/** The archive of a category: `cs.AI` → `cs`, `hep-th` → `hep-th`. */
const archiveOf = (category: string) => category.split('.')[0]!;

/** The OAI set that holds a category's papers. */
export function oaiSetOf(category: string): string {
  const archive = archiveOf(category);
  return PHYSICS_ARCHIVES.has(archive) ? `physics:${archive}` : archive;
}

/** The sets to harvest for these categories, each once, in the order first needed. */
export function oaiSetsFor(categories: string[]): string[] {
  return [...new Set(categories.map(oaiSetOf))];
}

/** Whether a paper's categories meet the wanted ones (a wanted archive, `cs`, takes all of its categories). */
export function matchesCategories(paperCategories: readonly string[] | undefined, wanted: readonly string[]): boolean {
  if (!paperCategories) return false;
  return paperCategories.some((c) => wanted.some((w) => c === w || (!w.includes('.') && archiveOf(c) === w)));
}

/** The datestamps (YYYY-MM-DD) of a page's record headers, deleted records included. */
export function oaiDatestamps(xml: string): string[] {
  return [...xml.matchAll(/<(?:\w+:)?datestamp>\s*(\d{4}-\d{2}-\d{2})/g)].map((m) => m[1]!);
}
