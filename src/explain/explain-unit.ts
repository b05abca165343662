// The search for one unit, as the main thread and the worker threads both run it.
import { CountSpace, type AtomSet } from './count-space.js';
import { compexpLength, leafCount, type Formula } from './formula.js';
import { beamSearch, optimalSearch, type Scored, type SearchSettings } from './search.js';

export type SearchKind = 'beam' | 'optimal';

/** Plain data (crosses worker boundaries): formulas over compact label indices. */
export interface ScoredData {
  readonly labels: readonly number[];
  readonly ops: readonly Formula['ops'][number][];
  readonly score: number;
  readonly iou: number;
  readonly length: number;
  readonly compexpLength: number;
}

export interface UnitExplanation {
  readonly unit: number; // 0-based
  /** Mask pixels over the dataset. */
  readonly maskPixels: number;
  readonly beam: ScoredData | null;
  readonly single: ScoredData | null;
  /** With --search optimal: the proven best (the beam's formula when it ties). */
  readonly optimal?: ScoredData | null;
  readonly evaluated?: number;
  readonly expanded?: number;
}

function data(s: Scored | null): ScoredData | null {
  if (!s) return null;
  return { labels: s.formula.labels, ops: s.formula.ops, score: s.score, iou: s.iou, length: leafCount(s.formula), compexpLength: compexpLength(s.formula) };
}

export function explainUnit(global: CountSpace, unit: number, atoms: AtomSet, settings: SearchSettings, search: SearchKind): UnitExplanation {
  const u = new CountSpace(atoms);
  const beam = beamSearch(global, u, settings);
  const out: UnitExplanation = { unit, maskPixels: u.total, beam: data(beam.best), single: data(beam.single) };
  if (search === 'beam') return out;
  const opt = optimalSearch(global, u, settings, beam.best);
  return { ...out, optimal: data(opt.best), evaluated: opt.evaluated, expanded: opt.expanded };
}
