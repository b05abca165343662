// Exact integer counts of label conjunctions over "atoms": an atom is one distinct set of labels
// that a pixel carries (every channel of every selected category, plus the image's image-level
// labels), weighted by how many pixels carry exactly that set. Any pixel count of a formula is a
// sum over the atoms where the formula holds, so the dataset (millions of pixels) is replaced by
// its atoms (far fewer) and nothing is approximated. One space holds the whole dataset (weights:
// pixels), another the unit mask (weights: mask pixels per atom).
import type { Expansion } from './formula.js';

export interface AtomSet {
  /** Compact label indices 0..labelCount-1. */
  readonly labelCount: number;
  readonly atomCount: number;
  /** CSR: the labels of atom a are members[start[a] .. start[a+1]), ascending. */
  readonly start: Int32Array;
  readonly members: Int32Array;
  /** Pixels carrying exactly this label set. */
  readonly weight: Float64Array;
}

const EMPTY = new Int32Array(0);

/** Conjunction rows of one atom set, computed on demand and cached. */
export class CountSpace {
  private postStart: Int32Array | null = null;
  private postAtoms: Int32Array = EMPTY;
  private readonly rows = new Map<string, Float64Array>();
  private readonly mark: Uint8Array;
  /** Σ weight over all atoms (every pixel). */
  readonly total: number;
  /** Row of the empty conjunction: pixels carrying each label. */
  readonly labelTotals: Float64Array;

  constructor(readonly atoms: AtomSet, private readonly cacheLimit = 4096) {
    this.mark = new Uint8Array(atoms.labelCount);
    let t = 0;
    const totals = new Float64Array(atoms.labelCount);
    const { start, members, weight } = atoms;
    for (let a = 0; a < atoms.atomCount; a++) {
      const w = weight[a] as number;
      t += w;
      for (let j = start[a] as number; j < (start[a + 1] as number); j++) totals[members[j] as number] = (totals[members[j] as number] as number) + w;
    }
    this.total = t;
    this.labelTotals = totals;
  }

  /** Atoms by label (built once, on first use). */
  private postings(): void {
    if (this.postStart) return;
    const { atomCount, start, members, labelCount } = this.atoms;
    const ps = new Int32Array(labelCount + 1);
    for (let j = 0; j < members.length; j++) ps[(members[j] as number) + 1]!++;
    for (let l = 0; l < labelCount; l++) ps[l + 1] = (ps[l + 1] as number) + (ps[l] as number);
    const fill = ps.slice(0, labelCount);
    const pa = new Int32Array(members.length);
    for (let a = 0; a < atomCount; a++) {
      for (let j = start[a] as number; j < (start[a + 1] as number); j++) {
        const l = members[j] as number;
        pa[fill[l]!++] = a;
      }
    }
    this.postStart = ps;
    this.postAtoms = pa;
  }

  /**
   * Row of a conjunction C (labels ascending): for every label X, the pixels carrying all of C
   * and X. The empty conjunction gives labelTotals.
   */
  row(conj: Int32Array): Float64Array {
    if (conj.length === 0) return this.labelTotals;
    const key = conj.join(',');
    const hit = this.rows.get(key);
    if (hit) return hit;
    this.postings();
    const ps = this.postStart!;
    const pa = this.postAtoms;
    const { start, members, weight } = this.atoms;
    // Walk the shortest posting list; an atom qualifies when it holds every label of C.
    let rarest = conj[0] as number;
    for (const l of conj) if ((ps[l + 1] as number) - (ps[l] as number) < (ps[rarest + 1] as number) - (ps[rarest] as number)) rarest = l;
    const mark = this.mark;
    for (const l of conj) mark[l] = 1;
    const need = conj.length;
    const out = new Float64Array(this.atoms.labelCount);
    for (let p = ps[rarest] as number; p < (ps[rarest + 1] as number); p++) {
      const a = pa[p] as number;
      const s = start[a] as number;
      const e = start[a + 1] as number;
      if (need > 1) {
        let hits = 0;
        for (let j = s; j < e; j++) hits += mark[members[j] as number] as number;
        if (hits !== need) continue;
      }
      const w = weight[a] as number;
      for (let j = s; j < e; j++) out[members[j] as number] = (out[members[j] as number] as number) + w;
    }
    for (const l of conj) mark[l] = 0;
    if (this.rows.size >= this.cacheLimit) this.rows.delete(this.rows.keys().next().value as string);
    this.rows.set(key, out);
    return out;
  }

  /** Pixels carrying every label of the conjunction. */
  size(conj: Int32Array): number {
    const k = conj.length;
    if (k === 0) return this.total;
    if (k === 1) return this.labelTotals[conj[0] as number] as number;
    return this.row(conj.subarray(0, k - 1))[conj[k - 1] as number] as number;
  }

  /** Pixels where the expanded formula holds. */
  formulaSize(e: Expansion): number {
    let s = 0;
    for (const t of e.values()) s += t.coef * this.size(t.labels);
    return s;
  }

  /** For every label X, the pixels where the formula holds and X is present (into `out`). */
  formulaRow(e: Expansion, out: Float64Array): Float64Array {
    out.fill(0);
    const n = out.length;
    for (const t of e.values()) {
      const r = this.row(t.labels);
      const c = t.coef;
      for (let x = 0; x < n; x++) out[x] = (out[x] as number) + c * (r[x] as number);
    }
    return out;
  }
}
