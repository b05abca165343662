// Formulas as compexp builds them: a first label, then steps `F OR L`, `F AND L`, `F AND NOT L`
// (left-deep: every step adds one label to the whole formula so far). Text and lengths follow
// compexp's formula.py; counting goes through the expansion into signed sums of conjunctions.

export type Op = 'or' | 'and' | 'andnot';
export const OPS: readonly Op[] = ['or', 'and', 'andnot']; // compexp's order: Or, And, And(Not)

/** A left-deep formula over compact label indices: labels[0], then (ops[i-1], labels[i]). */
export interface Formula {
  readonly labels: readonly number[];
  readonly ops: readonly Op[];
}

export function leaf(label: number): Formula {
  return { labels: [label], ops: [] };
}

export function extend(f: Formula, op: Op, label: number): Formula {
  return { labels: [...f.labels, label], ops: [...f.ops, op] };
}

/** Leaves: what --length bounds and what our `length` column reports. */
export function leafCount(f: Formula): number {
  return f.labels.length;
}

/** compexp's len(): leaves plus one per NOT (`A AND NOT B` has length 3). */
export function compexpLength(f: Formula): number {
  let n = f.labels.length;
  for (const op of f.ops) if (op === 'andnot') n++;
  return n;
}

/** compexp's to_str: `((a OR b) AND (NOT c))`. */
export function formulaText(f: Formula, name: (label: number) => string): string {
  let s = name(f.labels[0]!);
  for (let i = 0; i < f.ops.length; i++) {
    const l = name(f.labels[i + 1]!);
    const op = f.ops[i]!;
    s = op === 'or' ? `(${s} OR ${l})` : op === 'and' ? `(${s} AND ${l})` : `(${s} AND (NOT ${l}))`;
  }
  return s;
}

/** A signed sum of conjunctions of labels (each sorted ascending, no repeats). */
export type Expansion = Map<string, { readonly labels: Int32Array; coef: number }>;

function addTerm(e: Expansion, labels: Int32Array, coef: number): void {
  const key = labels.join(',');
  const t = e.get(key);
  if (t) {
    t.coef += coef;
    if (t.coef === 0) e.delete(key);
  } else if (coef !== 0) e.set(key, { labels, coef });
}

function withLabel(labels: Int32Array, x: number): Int32Array {
  if (labels.includes(x)) return labels;
  const out = new Int32Array(labels.length + 1);
  let j = 0;
  let placed = false;
  for (const l of labels) {
    if (!placed && x < l) { out[j++] = x; placed = true; }
    out[j++] = l;
  }
  if (!placed) out[j] = x;
  return out;
}

/**
 * The indicator of `f` as Σ coef·[all labels of the conjunction present], by inclusion–exclusion:
 * F ∪ X = F + X − F·X, F ∩ X = F·X, F ∖ X = F − F·X. Every count of a formula (its size, its
 * overlap with the unit mask, with each label) is then the same sum of conjunction counts.
 */
export function expand(f: Formula): Expansion {
  let e: Expansion = new Map();
  addTerm(e, Int32Array.of(f.labels[0]!), 1);
  for (let i = 0; i < f.ops.length; i++) {
    const x = f.labels[i + 1]!;
    const op = f.ops[i]!;
    const next: Expansion = new Map();
    if (op !== 'and') for (const t of e.values()) addTerm(next, t.labels, t.coef);
    const sign = op === 'and' ? 1 : -1;
    for (const t of e.values()) addTerm(next, withLabel(t.labels, x), sign * t.coef);
    if (op === 'or') addTerm(next, Int32Array.of(x), 1);
    e = next;
  }
  return e;
}
