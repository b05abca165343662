// Sorting, filtering and searching a layer's units (pure functions of the view state).
import type { ReportUnit } from '../report-data';
import type { SortKey } from './hash-state';

/** Does `unit` match the search text? A number (or #number) matches the unit number; other
 *  text matches its best label or any concept in its per-category lists (case-insensitive). */
export function matches(unit: ReportUnit, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  const num = /^#?(\d+)$/.exec(q);
  if (num) return unit.unit === Number(num[1]);
  if (unit.label.toLowerCase().includes(q)) return true;
  return unit.categories.some((c) => c.concepts.some((s) => s.name.toLowerCase().includes(q)));
}

export function selectUnits(units: readonly ReportUnit[], sort: SortKey, cat: string, query: string, detectorsOnly: boolean): ReportUnit[] {
  const out = units.filter((u) => (cat === '' || u.category === cat) && (!detectorsOnly || u.detector) && matches(u, query));
  const byScore = (a: ReportUnit, b: ReportUnit): number => b.score - a.score || a.unit - b.unit;
  if (sort === 'unit') out.sort((a, b) => a.unit - b.unit);
  else if (sort === 'label') out.sort((a, b) => (a.label === '' ? 1 : 0) - (b.label === '' ? 1 : 0) || a.label.localeCompare(b.label) || byScore(a, b));
  else out.sort(byScore);
  return out;
}
