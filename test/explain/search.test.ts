// Beam and optimal search against brute force on pixel-level random data: every formula's counts
// evaluated pixel by pixel, compexp's beam search written out plainly, every formula enumerated.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CountSpace, type AtomSet } from '../../src/explain/count-space.js';
import { compexpLength, expand, extend, formulaText, leaf, OPS, type Formula } from '../../src/explain/formula.js';
import { beamSearch, optimalSearch, type SearchSettings } from '../../src/explain/search.js';
import { Random } from '../../src/util/random.js';

/** Pixels with label sets and a mask bit. */
interface Pixels {
  readonly labels: number;
  readonly sets: readonly (readonly number[])[];
  readonly mask: readonly boolean[];
}

function randomPixels(seed: number, n: number, labels: number): Pixels {
  const rng = new Random(seed);
  // Labels with different frequencies; the mask follows two of them, with noise.
  const freq = Array.from({ length: labels }, (_, l) => 0.05 + 0.4 * ((l * 7 + seed) % labels) / labels);
  const sets: number[][] = [];
  const mask: boolean[] = [];
  for (let p = 0; p < n; p++) {
    const s: number[] = [];
    for (let l = 0; l < labels; l++) if (rng.next() < freq[l]!) s.push(l);
    sets.push(s);
    const a = s.includes(seed % labels);
    const b = s.includes((seed + 2) % labels);
    const c = s.includes((seed + 3) % labels);
    mask.push(rng.next() < ((a || b) && !c ? 0.8 : 0.08));
  }
  return { labels, sets, mask };
}

/** Atom sets (one atom per pixel: no merging, so merging cannot hide a mistake). */
function spaces(px: Pixels): { g: CountSpace; u: CountSpace } {
  const build = (keep: (p: number) => boolean): AtomSet => {
    const start = [0];
    const members: number[] = [];
    const weight: number[] = [];
    px.sets.forEach((s, p) => {
      if (!keep(p)) return;
      members.push(...s);
      start.push(members.length);
      weight.push(1);
    });
    return { labelCount: px.labels, atomCount: weight.length, start: Int32Array.from(start), members: Int32Array.from(members), weight: Float64Array.from(weight) };
  };
  return { g: new CountSpace(build(() => true)), u: new CountSpace(build((p) => px.mask[p]!)) };
}

function holds(f: Formula, set: readonly number[]): boolean {
  let v = set.includes(f.labels[0]!);
  f.ops.forEach((op, i) => {
    const x = set.includes(f.labels[i + 1]!);
    v = op === 'or' ? v || x : op === 'and' ? v && x : v && !x;
  });
  return v;
}

function bruteScore(px: Pixels, f: Formula, penalty = 1): { iou: number; score: number } {
  let I = 0;
  let G = 0;
  let M = 0;
  px.sets.forEach((s, p) => {
    const inF = holds(f, s);
    if (inF) G++;
    if (px.mask[p]) { M++; if (inF) I++; }
  });
  const iou = I / (G + M - I + 1e-10);
  return { iou, score: penalty ** (compexpLength(f) - 1) * iou };
}

/** compexp's compute_best_iou, as written there: dicts in insertion order, stable top-k. */
function bruteBeam(px: Pixels, s: SearchSettings): { f: Formula; score: number } | null {
  const top = (items: { f: Formula; score: number }[], k: number) => items.slice().sort((a, b) => b.score - a.score).slice(0, k);
  const singles: { f: Formula; score: number }[] = [];
  for (let l = 0; l < px.labels; l++) {
    const v = bruteScore(px, leaf(l)).iou;
    if (v > 0) singles.push({ f: leaf(l), score: v });
  }
  if (singles.length === 0) return null;
  let beam = top(singles, s.beam);
  for (let r = 1; r < s.length; r++) {
    const fresh: { f: Formula; score: number }[] = [];
    for (const b of beam) for (let l = 0; l < px.labels; l++) for (const op of OPS) {
      const f = extend(b.f, op, l);
      fresh.push({ f, score: bruteScore(px, f, s.penalty).score });
    }
    beam = top([...beam, ...fresh], s.beam);
  }
  return beam[0]!;
}

function allFormulas(labels: number, length: number): Formula[] {
  let level: Formula[] = Array.from({ length: labels }, (_, l) => leaf(l));
  const out = [...level];
  for (let d = 1; d < length; d++) {
    const next: Formula[] = [];
    for (const f of level) for (let l = 0; l < labels; l++) for (const op of OPS) next.push(extend(f, op, l));
    out.push(...next);
    level = next;
  }
  return out;
}

const name = (l: number): string => `L${l}`;

describe('expand (inclusion–exclusion)', () => {
  it('gives every formula of up to 4 labels the pixel counts of direct evaluation', () => {
    const px = randomPixels(3, 400, 5);
    const { g, u } = spaces(px);
    const rng = new Random(9);
    for (let t = 0; t < 300; t++) {
      let f = leaf(rng.int(0, 5));
      const k = rng.int(0, 4);
      for (let i = 0; i < k; i++) f = extend(f, OPS[rng.int(0, 3)]!, rng.int(0, 5));
      const e = expand(f);
      let G = 0;
      let I = 0;
      const rowG = new Float64Array(5);
      px.sets.forEach((s, p) => {
        if (!holds(f, s)) return;
        G++;
        if (px.mask[p]) I++;
        for (const l of s) rowG[l]!++;
      });
      assert.equal(g.formulaSize(e), G, formulaText(f, name));
      assert.equal(u.formulaSize(e), I, formulaText(f, name));
      assert.deepEqual(Array.from(g.formulaRow(e, new Float64Array(5))), Array.from(rowG), formulaText(f, name));
    }
  });
});

describe('formulaText and lengths', () => {
  it('writes compexp\'s strings and counts NOT as compexp does', () => {
    const f = extend(extend(leaf(0), 'or', 1), 'andnot', 2);
    assert.equal(formulaText(f, (l) => ['water', 'river', 'blue-c'][l]!), '((water OR river) AND (NOT blue-c))');
    assert.equal(compexpLength(f), 4);
    assert.equal(f.labels.length, 3);
  });
});

describe('beamSearch', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    for (const s of [{ length: 3, beam: 5, penalty: 1 }, { length: 3, beam: 2, penalty: 0.9 }, { length: 2, beam: 1, penalty: 1 }]) {
      it(`matches compexp's procedure written out plainly (seed ${seed}, length ${s.length}, beam ${s.beam}, penalty ${s.penalty})`, () => {
        const px = randomPixels(seed, 300, 6);
        const { g, u } = spaces(px);
        const got = beamSearch(g, u, s);
        const want = bruteBeam(px, s);
        assert.equal(got.best ? formulaText(got.best.formula, name) : null, want ? formulaText(want.f, name) : null);
        assert.equal(got.best?.score, want?.score);
      });
    }
  }

  it('finds an OR of two disjoint concepts', () => {
    // Labels 0 and 1 never overlap; the mask is exactly their union; label 2 covers half of it.
    const sets: number[][] = [];
    const mask: boolean[] = [];
    for (let p = 0; p < 100; p++) {
      const s: number[] = [];
      if (p < 20) s.push(0);
      else if (p < 35) s.push(1);
      if (p % 2 === 0) s.push(2);
      sets.push(s);
      mask.push(p < 35);
    }
    const { g, u } = spaces({ labels: 3, sets, mask });
    const r = beamSearch(g, u, { length: 3, beam: 5, penalty: 1 });
    assert.equal(formulaText(r.best!.formula, name), '(L0 OR L1)');
    assert.equal(r.best!.iou, 35 / (35 + 35 - 35 + 1e-10));
    assert.equal(formulaText(r.single!.formula, name), 'L0');
  });

  it('carves a part out with AND NOT', () => {
    // The unit fires on label 0 except where label 1 (a part of label 0) is.
    const sets: number[][] = [];
    const mask: boolean[] = [];
    for (let p = 0; p < 100; p++) {
      const s: number[] = [];
      if (p < 50) s.push(0);
      if (p >= 40 && p < 50) s.push(1);
      if (p >= 45) s.push(2);
      sets.push(s);
      mask.push(p < 40);
    }
    const { g, u } = spaces({ labels: 3, sets, mask });
    const r = beamSearch(g, u, { length: 2, beam: 5, penalty: 1 });
    assert.equal(formulaText(r.best!.formula, name), '(L0 AND (NOT L1))');
    assert.equal(r.best!.iou, 40 / (40 + 40 - 40 + 1e-10));
    const opt = optimalSearch(g, u, { length: 2, beam: 5, penalty: 1 }, r.best);
    assert.equal(opt.best!.score, r.best!.score);
  });

  it('has no formula for a unit whose mask meets no label', () => {
    const { g, u } = spaces({ labels: 2, sets: [[0], [1], []], mask: [false, false, true] });
    assert.deepEqual(beamSearch(g, u, { length: 3, beam: 5, penalty: 1 }), { best: null, single: null });
  });
});

describe('optimalSearch', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    for (const length of [2, 3]) {
      it(`proves the best formula of at most ${length} labels (exhaustive enumeration, seed ${seed})`, () => {
        const px = randomPixels(seed, 250, 5);
        const { g, u } = spaces(px);
        const s = { length, beam: 2, penalty: 1 };
        let best = -1;
        for (const f of allFormulas(5, length)) best = Math.max(best, bruteScore(px, f).score);
        const beam = beamSearch(g, u, s);
        const opt = optimalSearch(g, u, s, beam.best);
        assert.equal(opt.best!.score, best);
        assert.equal(bruteScore(px, opt.best!.formula).score, best, 'the reported formula has the reported score');
        assert.ok(opt.best!.score >= beam.best!.score);
        assert.equal(optimalSearch(g, u, s, null).best!.score, best, 'without the beam as incumbent');
      });
    }
  }

  it('with a penalty above 1, finds formulas whose extra labels change nothing but pay', () => {
    // The mask is exactly label 0; labels 1 and 2 are disjoint from it. At penalty 1.5 the best
    // formula carves nothing: ((L0 AND (NOT L1)) AND (NOT L2)) scores 1.5^4 × IoU(L0).
    const sets: number[][] = [];
    const mask: boolean[] = [];
    for (let p = 0; p < 100; p++) {
      sets.push(p < 20 ? [0] : p < 40 ? [1] : p < 60 ? [2] : []);
      mask.push(p < 20);
    }
    const px = { labels: 3, sets, mask };
    const { g, u } = spaces(px);
    const s = { length: 3, beam: 5, penalty: 1.5 };
    let best = -1;
    for (const f of allFormulas(3, 3)) best = Math.max(best, bruteScore(px, f, 1.5).score);
    // No incumbent: the search alone must find it (the beam happens to find it here too).
    const opt = optimalSearch(g, u, s, null);
    assert.equal(opt.best!.score, best);
    assert.equal(compexpLength(opt.best!.formula), 5);
    assert.equal(beamSearch(g, u, s).best!.score, best);
  });

  it('keeps the proof with a complexity penalty, below and above 1 (where useless labels pay)', () => {
    for (const seed of [11, 12, 13]) {
      const raw = randomPixels(seed, 250, 5);
      // Labels 0 and 4 never meet, and label 3 never meets the mask: steps that change nothing.
      const px: Pixels = {
        labels: 5,
        sets: raw.sets.map((s, p) => s.filter((l) => !(l === 4 && s.includes(0)) && !(l === 3 && raw.mask[p]))),
        mask: raw.mask,
      };
      const { g, u } = spaces(px);
      for (const penalty of [0.8, 1.2]) {
        const s = { length: 3, beam: 2, penalty };
        let best = -1;
        for (const f of allFormulas(5, 3)) best = Math.max(best, bruteScore(px, f, penalty).score);
        const opt = optimalSearch(g, u, s, beamSearch(g, u, s).best);
        assert.equal(opt.best!.score, best, `seed ${seed} penalty ${penalty}`);
      }
    }
  });
});
