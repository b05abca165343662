// Formula search for one unit: compexp's beam search (NeuronOperator.compute_best_iou in
// jayelm/compexp vision/dissection/neuron.py) reproduced step for step, and an exact search
// (branch and bound) that proves which formula of at most `length` labels is best.
//
// IoU of a formula F: I / (G + M − I + 1e-10), with I = |M ∩ F|, G = |F|, M = |M| summed over
// every image (compexp's compute_iou). Counts come from inclusion–exclusion over conjunction
// rows (count-space.ts), so every score is computed from exact integers.
import type { CountSpace } from './count-space.js';
import { compexpLength, expand, extend, leaf, OPS, type Formula, type Op } from './formula.js';

export interface SearchSettings {
  /** Most labels in a formula (compexp MAX_FORMULA_LENGTH: length − 1 beam rounds). */
  readonly length: number;
  readonly beam: number;
  /** Score = IoU × penalty^(compexp length − 1) (compexp FORMULA_COMPLEXITY_PENALTY). */
  readonly penalty: number;
}

export interface Scored {
  readonly formula: Formula;
  readonly score: number;
  readonly iou: number;
}

export interface BeamResult {
  /** Best formula (null when no label has IoU > 0 with the unit). */
  readonly best: Scored | null;
  /** Best single label (compexp's best_noncomp). */
  readonly single: Scored | null;
}

function iouOf(I: number, G: number, M: number): number {
  return I / (G + M - I + 1e-10);
}

function childLength(parentCompexpLength: number, op: Op): number {
  return parentCompexpLength + (op === 'andnot' ? 2 : 1);
}

/**
 * The best `size` entries, highest score first; an entry offered later loses ties (Python's
 * Counter.most_common keeps insertion order among equal counts).
 */
class StableTop {
  readonly items: Scored[] = [];
  constructor(private readonly size: number) {}
  accepts(score: number): boolean {
    return this.items.length < this.size || score > this.items[this.items.length - 1]!.score;
  }
  add(s: Scored): void {
    let i = this.items.length;
    while (i > 0 && this.items[i - 1]!.score < s.score) i--;
    this.items.splice(i, 0, s);
    if (this.items.length > this.size) this.items.pop();
  }
}

/** Counts of one formula: its size, its overlap with the mask, and both per label. */
interface NodeCounts {
  G: number;
  I: number;
  readonly rowG: Float64Array;
  readonly rowI: Float64Array;
}

function nodeCounts(f: Formula, g: CountSpace, u: CountSpace, into: NodeCounts): NodeCounts {
  const e = expand(f);
  into.G = g.formulaSize(e);
  into.I = u.formulaSize(e);
  g.formulaRow(e, into.rowG);
  u.formulaRow(e, into.rowI);
  return into;
}

/** (I, G) of `f op x` from f's counts. */
function childCounts(n: NodeCounts, op: Op, x: number, Ix: number, Gx: number): [number, number] {
  const rI = n.rowI[x] as number;
  const rG = n.rowG[x] as number;
  if (op === 'or') return [n.I + Ix - rI, n.G + Gx - rG];
  if (op === 'and') return [rI, rG];
  return [n.I - rI, n.G - rG];
}

/**
 * compexp's beam search: the beam starts with the `beam` best labels with IoU > 0 (ties: lower
 * label number); each of `length − 1` rounds extends every beam formula by every label (ascending)
 * with OR, AND, AND NOT in that order, adds the new formulas after the old beam, and keeps the
 * `beam` best (ties: earlier in that order). Like compexp, formulas are not deduplicated.
 */
export function beamSearch(g: CountSpace, u: CountSpace, s: SearchSettings): BeamResult {
  const M = u.total;
  const nL = g.atoms.labelCount;
  const Ix = u.labelTotals;
  const Gx = g.labelTotals;
  const singles: Scored[] = [];
  for (let x = 0; x < nL; x++) {
    if ((Ix[x] as number) === 0) continue;
    const v = iouOf(Ix[x] as number, Gx[x] as number, M);
    if (v > 0) singles.push({ formula: leaf(x), score: v, iou: v });
  }
  if (singles.length === 0) return { best: null, single: null };
  // Array.prototype.sort is stable: equal IoUs keep ascending label order.
  singles.sort((a, b) => b.score - a.score);
  let beam = singles.slice(0, s.beam);
  const single = beam[0]!;
  const n: NodeCounts = { G: 0, I: 0, rowG: new Float64Array(nL), rowI: new Float64Array(nL) };
  for (let round = 1; round < s.length; round++) {
    const top = new StableTop(s.beam);
    for (const f of beam) top.add(f);
    for (const f of beam) {
      nodeCounts(f.formula, g, u, n);
      const len = compexpLength(f.formula);
      for (let x = 0; x < nL; x++) {
        for (const op of OPS) {
          const [I, G] = childCounts(n, op, x, Ix[x] as number, Gx[x] as number);
          const v = iouOf(I, G, M);
          const score = s.penalty ** (childLength(len, op) - 1) * v;
          if (top.accepts(score)) top.add({ formula: extend(f.formula, op, x), score, iou: v });
        }
      }
    }
    beam = top.items;
  }
  return { best: beam[0]!, single };
}

export interface OptimalResult {
  readonly best: Scored | null;
  /** Formulas whose counts were computed (each one scored exactly). */
  readonly evaluated: number;
  /** Formulas whose extensions were searched (their rows computed). */
  readonly expanded: number;
}

/**
 * The best formula with at most `length` labels, proven by branch and bound. Starts from
 * `incumbent` (the beam's answer) and replaces it only by a strictly higher score, so a tie keeps
 * the beam's formula. Pruning is sound: (1) with a penalty ≤ 1, OR/AND with a label that never
 * meets the mask, AND NOT with a label disjoint from the formula, and steps that leave the set
 * unchanged can only give a formula no better than a shorter one that is searched; (2) `A OR B` = `B OR A` and
 * `A AND B` = `B AND A` are searched once; (3) a formula is extended only when an upper bound on
 * every extension's score beats the incumbent (see `bound`).
 */
export function optimalSearch(g: CountSpace, u: CountSpace, s: SearchSettings, incumbent: Scored | null): OptimalResult {
  const M = u.total;
  const nL = g.atoms.labelCount;
  const Ix = u.labelTotals;
  const Gx = g.labelTotals;
  let best = incumbent;
  let evaluated = 0;
  let expanded = 0;
  if (M === 0) return { best, evaluated, expanded };
  // For the OR bound: labels meeting the mask, by pixels outside the mask (N) ascending.
  // Dominance (a formula no better than a shorter one) holds only when length never pays:
  // with a penalty above 1 a useless label raises the score, so every formula is searched.
  const dominance = s.penalty <= 1;
  const hot: number[] = [];
  for (let x = 0; x < nL; x++) if ((Ix[x] as number) > 0) hot.push(x);
  const roots = dominance ? hot : Array.from({ length: nL }, (_, x) => x);
  const byN = hot.slice().sort((a, b) => ((Gx[a] as number) - (Ix[a] as number)) - ((Gx[b] as number) - (Ix[b] as number)));
  const Ns = Float64Array.from(byN, (x) => (Gx[x] as number) - (Ix[x] as number));
  const prefMaxI = new Float64Array(byN.length);
  const sufMaxRatio = new Float64Array(byN.length + 1);
  byN.forEach((x, i) => { prefMaxI[i] = Math.max(i > 0 ? (prefMaxI[i - 1] as number) : 0, Ix[x] as number); });
  for (let i = byN.length - 1; i >= 0; i--) {
    const x = byN[i]!;
    sufMaxRatio[i] = Math.max(sufMaxRatio[i + 1] as number, (Ix[x] as number) / (M + (Ns[i] as number)));
  }
  const topI = hot.map((x) => Ix[x] as number).sort((a, b) => b - a);
  const SLACK = 1 + 1e-12; // bounds are computed in floating point; never prune on a rounding

  /** Upper bound on the IoU of any formula made from one with (I = c, false pixels F) by r more steps. */
  const bound = (c: number, F: number, r: number): number => {
    if (r >= 2) {
      let gain = 0;
      for (let i = 0; i < r && i < topI.length; i++) gain += topI[i]!;
      return Math.min(M, c + gain) / M;
    }
    // AND / AND NOT keep a subset: I ≤ c and G + M − I ≥ M.
    let b = c / M;
    // OR X: I ≤ c + I_X, false pixels ≥ max(F, N_X).
    let lo = 0;
    let hi = Ns.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if ((Ns[mid] as number) <= F) lo = mid + 1; else hi = mid; }
    if (lo > 0) b = Math.max(b, Math.min(M, c + (prefMaxI[lo - 1] as number)) / (M + F));
    if (lo < Ns.length) b = Math.max(b, c / (M + F) + (sufMaxRatio[lo] as number));
    return Math.min(1, b);
  };
  const maxLen = 2 * s.length - 1;
  const penaltyAtLeast = (len: number): number => (s.penalty <= 1 ? s.penalty ** (len - 1) : s.penalty ** (maxLen - 1));
  const pools: NodeCounts[] = [];
  const counts = (depth: number): NodeCounts => {
    while (pools.length <= depth) pools.push({ G: 0, I: 0, rowG: new Float64Array(nL), rowI: new Float64Array(nL) });
    return pools[depth]!;
  };
  const consider = (f: Formula, I: number, G: number, len: number): number => {
    evaluated++;
    const v = iouOf(I, G, M);
    const score = s.penalty ** (len - 1) * v;
    if (best === null || score > best.score) best = { formula: f, score, iou: v };
    return score;
  };
  const search = (f: Formula, depth: number): void => {
    expanded++;
    const n = nodeCounts(f, g, u, counts(depth));
    const len = compexpLength(f);
    const first = f.labels[0]!;
    for (let x = 0; x < nL; x++) {
      const ix = Ix[x] as number;
      const gx = Gx[x] as number;
      const rG = n.rowG[x] as number;
      for (const op of OPS) {
        if (op !== 'andnot') {
          if (depth === 1 && (dominance ? x <= first : x < first)) continue; // symmetric (or the label itself)
          if (dominance) {
            if (ix === 0) continue; // adds only false pixels (OR) or leaves none of the mask (AND)
            if (op === 'or' && rG === gx) continue; // X ⊆ F: the same set
            if (op === 'and' && rG === n.G) continue; // F ⊆ X: the same set
          }
        } else if (dominance && rG === 0) continue; // disjoint: the same set
        const [I, G] = childCounts(n, op, x, ix, gx);
        const cl = childLength(len, op);
        const child = extend(f, op, x);
        consider(child, I, G, cl);
        const r = s.length - (depth + 1);
        if (r > 0 && best !== null && bound(I, G - I, r) * penaltyAtLeast(cl) * SLACK > best.score) search(child, depth + 1);
        else if (r > 0 && best === null) search(child, depth + 1);
      }
    }
  };
  for (const x of roots) {
    const f = leaf(x);
    consider(f, Ix[x] as number, Gx[x] as number, 1);
    if (s.length > 1) search(f, 1);
  }
  return { best, evaluated, expanded };
}
