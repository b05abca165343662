// Sorting, filtering and searching a layer's units (pure functions of the view state).
import type { ReportUnit } from '../report-data';
import type { SearchIn, SortKey } from './hash-state';

/**
 * Does `unit` match the search text? A number (or #number) matches the unit number. Other text,
 * case-insensitive and trimmed: `label` (default) matches units whose best label is exactly the
 * text, so the units a concept link shows are exactly those its count counts (`car` is not
 * `carpet`); `all` matches the best label or any per-category top concept exactly; `text`
 * matches any of them containing the text.
 */
export function matches(unit: ReportUnit, query: string, where: SearchIn = 'label'): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  const num = /^#?(\d+)$/.exec(q);
  if (num) return unit.unit === Number(num[1]);
  const hit = where === 'text' ? (name: string) => name.toLowerCase().includes(q) : (name: string) => name.toLowerCase() === q;
  if (hit(unit.label)) return true;
  if (where === 'label') return false;
  return unit.categories.some((c) => c.concepts.some((s) => hit(s.name)));
}

export function selectUnits(units: readonly ReportUnit[], sort: SortKey, cat: string, query: string, detectorsOnly: boolean, where: SearchIn = 'label'): ReportUnit[] {
  const out = units.filter((u) => (cat === '' || u.category === cat) && (!detectorsOnly || u.detector) && matches(u, query, where));
  const byScore = (a: ReportUnit, b: ReportUnit): number => b.score - a.score || a.unit - b.unit;
  if (sort === 'unit') out.sort((a, b) => a.unit - b.unit);
  else if (sort === 'label') out.sort((a, b) => (a.label === '' ? 1 : 0) - (b.label === '' ? 1 : 0) || a.label.localeCompare(b.label) || byScore(a, b));
  else out.sort(byScore);
  return out;
}
