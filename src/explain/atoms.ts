// One pass over the run's images: each image's labels (selected categories only) become atoms
// (distinct label sets with pixel counts, merged over the dataset), and every kept unit map of
// the image becomes its mask (the run's exact upsampling and float32 threshold, strict >),
// counted per atom. Everything after this pass is counting over atoms.
import type { ConceptDataset, ImageLabels } from '../dataset/types.js';
import type { Segment } from '../quantile/candidate-cache.js';
import { maskAbove, MaskScratch, upsamplePlan } from '../tally/upsample.js';
import { RunDirError } from '../util/errors.js';
import type { ProgressSink } from '../util/progress.js';
import type { AtomSet } from './count-space.js';

export interface AtomData {
  /** Compact label index → label number, ascending (labels seen in the selected categories). */
  readonly labelNumbers: Int32Array;
  readonly global: AtomSet;
  /** Per 0-based unit (null when not selected): its mask's pixels per atom. */
  readonly units: readonly (AtomSet | null)[];
}

export interface AtomInput {
  readonly ds: ConceptDataset;
  /** The images of this part, ascending (a contiguous slice of the run's counted images). */
  readonly images: Int32Array;
  /** Kept maps of images before this part are skipped; of images after it, left unread. */
  readonly partial: boolean;
  readonly categories: readonly string[];
  readonly blocks: Iterable<Segment>;
  readonly thresholds: Float64Array;
  readonly mapShape: readonly [number, number];
  /** 1 for the units to collect masks of. */
  readonly selected: Uint8Array;
  readonly progress: ProgressSink;
  readonly file: string;
}

/** Growable pair list (atom, pixels) for one unit. */
class PairList {
  atoms = new Int32Array(64);
  counts = new Float64Array(64);
  n = 0;
  push(a: number, c: number): void {
    if (this.n === this.atoms.length) {
      const na = new Int32Array(this.n * 2); na.set(this.atoms); this.atoms = na;
      const nc = new Float64Array(this.n * 2); nc.set(this.counts); this.counts = nc;
    }
    this.atoms[this.n] = a;
    this.counts[this.n++] = c;
  }
}

const LABEL_PREFETCH = 4;

/** Atoms of a part of the images: label sets as label numbers, and per unit (atom, pixels) pairs. */
export interface PartialAtoms {
  readonly atomMembers: number[][];
  readonly weight: Float64Array;
  readonly pairs: readonly ({ readonly atoms: Int32Array; readonly counts: Float64Array } | null)[];
}

/** Collect the atoms and unit masks of all images (one part) on this thread. */
export async function collectAtoms(inp: AtomInput): Promise<AtomData> {
  return mergeAtoms([await collectAtomsPart(inp)], inp.selected.length);
}

export async function collectAtomsPart(inp: AtomInput): Promise<PartialAtoms> {
  const { ds, images, thresholds } = inp;
  const wanted = new Set(inp.categories);
  const t32 = Float32Array.from(thresholds);
  const [h, w] = inp.mapShape;
  const mapSize = h * w;
  // Global atoms keyed by their label numbers; members stored as label numbers until the end.
  const atomKey = new Map<string, number>();
  const atomMembers: number[][] = [];
  let weight = new Float64Array(1024);
  const pairs = Array.from(inp.selected, (s) => (s ? new PairList() : null));
  const scratch = new MaskScratch();
  let active = new Int32Array(0);
  let local = new Int32Array(0);
  let localCount = new Float64Array(256);

  const it = inp.blocks[Symbol.iterator]();
  let block: Segment | null = null;
  let pos = 0;
  const nextBlock = (): boolean => {
    const r = it.next();
    block = r.done ? null : r.value;
    pos = 0;
    return block !== null;
  };
  nextBlock();

  const ahead = new Map<number, Promise<ImageLabels>>();
  const request = (k: number): void => {
    const image = images[k];
    if (image === undefined || ahead.has(image)) return;
    const p = ds.readLabels(image);
    p.catch(() => undefined); // awaited below
    ahead.set(image, p);
  };
  inp.progress.start('atoms and unit masks', images.length);
  try {
    for (let k = 0; k < images.length; k++) {
      for (let j = 0; j <= LABEL_PREFETCH; j++) request(k + j);
      const image = images[k]!;
      const labels = await ahead.get(image)!;
      ahead.delete(image);
      const rec = ds.images[image]!;
      const S = rec.sh * rec.sw;
      if (local.length < S) { local = new Int32Array(S); active = new Int32Array(S); }
      local.fill(0, 0, S);
      // Local label-set ids by refinement: id' = (id, label) for each channel; the last
      // transition is remembered, since label maps are piecewise constant.
      const parent: number[] = [-1];
      const added: number[] = [0];
      const trans = new Map<number, number>();
      const imageLevel: number[] = [];
      for (const [cat, ann] of labels.byCategory) {
        if (!wanted.has(cat)) continue;
        for (const l of ann.imageLabels) if (l !== 0) imageLevel.push(l);
        for (const ch of ann.maps) {
          let lastId = -1;
          let lastL = -1;
          let lastRes = 0;
          for (let p = 0; p < S; p++) {
            const l = ch[p] as number;
            if (l === 0) continue;
            const id = local[p] as number;
            if (id === lastId && l === lastL) { local[p] = lastRes; continue; }
            const key = id * 65536 + l;
            let res = trans.get(key);
            if (res === undefined) {
              // A label already in the set leaves it unchanged.
              let q = id;
              while (q > 0 && added[q] !== l) q = parent[q]!;
              if (q > 0) res = id;
              else {
                res = parent.length;
                parent.push(id);
                added.push(l);
              }
              trans.set(key, res);
            }
            lastId = id; lastL = l; lastRes = res;
            local[p] = res;
          }
        }
      }
      const nLocal = parent.length;
      if (localCount.length < nLocal) localCount = new Float64Array(nLocal * 2);
      localCount.fill(0, 0, nLocal);
      for (let p = 0; p < S; p++) localCount[local[p] as number]!++;
      const toGlobal = new Int32Array(nLocal);
      for (let id = 0; id < nLocal; id++) {
        const set = new Set<number>(imageLevel);
        for (let q = id; q > 0; q = parent[q]!) set.add(added[q]!);
        const members = [...set].sort((a, b) => a - b);
        const key = members.join(',');
        let g = atomKey.get(key);
        if (g === undefined) {
          g = atomMembers.length;
          atomKey.set(key, g);
          atomMembers.push(members);
          if (g >= weight.length) { const nw = new Float64Array(weight.length * 2); nw.set(weight); weight = nw; }
        }
        toGlobal[id] = g;
        weight[g] = (weight[g] as number) + (localCount[id] as number);
      }
      // Unit masks of this image, counted per local set then per global atom.
      const plan = upsamplePlan(h, w, rec.sh, rec.sw);
      for (;;) {
        if (block === null) break;
        const b: Segment = block;
        if (pos >= b.count) { if (!nextBlock()) break; continue; }
        const img = b.images[pos] as number;
        if (img < image && inp.partial && k === 0) { pos++; continue; }
        if (img < image) throw new RunDirError(`${inp.file}: a kept map of image ${img}, which the run did not count (or out of image order); rerun \`netdissect dissect\`.`);
        if (img > image) break;
        const u = b.units[pos] as number;
        const list = pairs[u];
        if (list) {
          const n = maskAbove(plan, b.maps, pos * mapSize, t32[u] as number, active, scratch);
          if (n > 0) {
            localCount.fill(0, 0, nLocal);
            for (let j = 0; j < n; j++) localCount[local[active[j] as number] as number]!++;
            for (let id = 0; id < nLocal; id++) if ((localCount[id] as number) > 0) list.push(toGlobal[id] as number, localCount[id] as number);
          }
        }
        pos++;
      }
      inp.progress.update(k + 1);
    }
  } finally {
    inp.progress.finish();
  }
  if (!inp.partial && block !== null && pos < (block as Segment).count) {
    throw new RunDirError(`${inp.file}: kept maps of image ${(block as Segment).images[pos]}, which the run did not count; rerun \`netdissect dissect\`.`);
  }
  return {
    atomMembers,
    weight: weight.slice(0, atomMembers.length),
    pairs: pairs.map((l) => (l ? { atoms: l.atoms.slice(0, l.n), counts: l.counts.slice(0, l.n) } : null)),
  };
}

/** Merge parts (in image order) into one atom table: equal label sets become one atom. */
export function mergeAtoms(parts: readonly PartialAtoms[], units: number): AtomData {
  const key = new Map<string, number>();
  const members: number[][] = [];
  const weights: number[] = [];
  const lists = Array.from({ length: units }, (_, u) => (parts.some((p) => p.pairs[u]) ? new PairList() : null));
  for (const part of parts) {
    const toGlobal = part.atomMembers.map((m, a) => {
      const k = m.join(',');
      let g = key.get(k);
      if (g === undefined) { g = members.length; key.set(k, g); members.push(m); weights.push(0); }
      weights[g] = weights[g]! + (part.weight[a] as number);
      return g;
    });
    part.pairs.forEach((p, u) => {
      if (!p) return;
      for (let i = 0; i < p.atoms.length; i++) lists[u]!.push(toGlobal[p.atoms[i] as number]!, p.counts[i] as number);
    });
  }
  return finishAtoms(members, Float64Array.from(weights), lists);
}

/** Compact label numbering (ascending numbers) and CSR atom sets. */
function finishAtoms(atomMembers: readonly number[][], weight: Float64Array, pairs: readonly (PairList | null)[]): AtomData {
  const seen = new Set<number>();
  for (const m of atomMembers) for (const l of m) seen.add(l);
  const labelNumbers = Int32Array.from([...seen].sort((a, b) => a - b));
  const compact = new Map<number, number>();
  labelNumbers.forEach((l, i) => compact.set(l, i));
  const start = new Int32Array(atomMembers.length + 1);
  let total = 0;
  atomMembers.forEach((m, a) => { total += m.length; start[a + 1] = total; });
  const members = new Int32Array(total);
  atomMembers.forEach((m, a) => { m.forEach((l, j) => { members[(start[a] as number) + j] = compact.get(l)!; }); });
  const global: AtomSet = { labelCount: labelNumbers.length, atomCount: atomMembers.length, start, members, weight: weight.slice(0, atomMembers.length) };
  const units = pairs.map((list) => (list ? unitAtoms(global, list) : null));
  return { labelNumbers, global, units };
}

/** A unit's (atom, pixels) pairs merged by atom, as an atom set over the same labels. */
function unitAtoms(g: AtomSet, list: PairList): AtomSet {
  const order = Array.from({ length: list.n }, (_, i) => i).sort((x, y) => (list.atoms[x] as number) - (list.atoms[y] as number));
  const ids: number[] = [];
  const counts: number[] = [];
  for (const i of order) {
    const a = list.atoms[i] as number;
    if (ids.length > 0 && ids[ids.length - 1] === a) counts[counts.length - 1]! += list.counts[i] as number;
    else { ids.push(a); counts.push(list.counts[i] as number); }
  }
  const start = new Int32Array(ids.length + 1);
  let total = 0;
  ids.forEach((a, i) => { total += (g.start[a + 1] as number) - (g.start[a] as number); start[i + 1] = total; });
  const members = new Int32Array(total);
  ids.forEach((a, i) => members.set(g.members.subarray(g.start[a] as number, g.start[a + 1] as number), start[i] as number));
  return { labelCount: g.labelCount, atomCount: ids.length, start, members, weight: Float64Array.from(counts) };
}
