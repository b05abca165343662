// The formula search at Broden scale, without Broden: a seeded atom table shaped like Broden's
// ADE20K part (22,210 images, ~1,200 concepts with Zipf-like frequencies, one scene per image,
// objects, parts and colours per region) and units whose masks prefer a few concepts. Times
// compexp's beam search and the optimal search per unit on one thread.
//   npx tsc -p . && node dist/bench/explain-search.bench.js [units] [optimalUnits]
import { CountSpace, type AtomSet } from '../src/explain/count-space.js';
import { beamSearch, optimalSearch } from '../src/explain/search.js';
import { Random } from '../src/util/random.js';

const IMAGES = 22210;
const SCENES = 365;
const OBJECTS = 580;
const PARTS = 230;
const COLORS = 11;
const LABELS = SCENES + OBJECTS + PARTS + COLORS;
const REGIONS = 24; // distinct label sets per image

const rng = new Random(2026);
// Label ranks with P(rank ≤ k) ~ log k: a few very frequent concepts, a long tail.
const zipf = (n: number): number => Math.min(n - 1, Math.floor(n ** rng.next()) - 1);

function atomTable(): { atoms: AtomSet; perImage: number[][] } {
  const key = new Map<string, number>();
  const start = [0];
  const members: number[] = [];
  const weight: number[] = [];
  const perImage: number[][] = [];
  for (let i = 0; i < IMAGES; i++) {
    const scene = zipf(SCENES);
    const ids: number[] = [];
    for (let r = 0; r < REGIONS; r++) {
      const set = new Set<number>([scene]);
      set.add(SCENES + zipf(OBJECTS));
      if (rng.next() < 0.4) set.add(SCENES + OBJECTS + zipf(PARTS));
      set.add(SCENES + OBJECTS + PARTS + rng.int(0, COLORS));
      const labels = [...set].sort((a, b) => a - b);
      const k = labels.join(',');
      let a = key.get(k);
      if (a === undefined) {
        a = weight.length;
        key.set(k, a);
        members.push(...labels);
        start.push(members.length);
        weight.push(0);
      }
      const w = 1 + rng.int(0, 1000);
      weight[a] = weight[a]! + w;
      ids.push(a);
    }
    perImage.push(ids);
  }
  return { atoms: { labelCount: LABELS, atomCount: weight.length, start: Int32Array.from(start), members: Int32Array.from(members), weight: Float64Array.from(weight) }, perImage };
}

/** A unit firing on a few preferred labels (and a little everywhere), about 0.5 % of pixels. */
function unitAtoms(g: AtomSet, seed: number): AtomSet {
  const r = new Random(seed);
  const liked = new Set([r.int(0, LABELS), r.int(0, LABELS), SCENES + zipf(OBJECTS)]);
  const hist = new Map<number, number>();
  for (let a = 0; a < g.atomCount; a++) {
    let like = false;
    for (let j = g.start[a]!; j < g.start[a + 1]!; j++) if (liked.has(g.members[j]!)) like = true;
    const p = like ? 0.3 : 0.002;
    const w = g.weight[a]!;
    const n = Math.round(w * p * r.next());
    if (n > 0) hist.set(a, n);
  }
  const ids = [...hist.keys()].sort((x, y) => x - y);
  const start = [0];
  const members: number[] = [];
  for (const a of ids) { members.push(...g.members.subarray(g.start[a]!, g.start[a + 1]!)); start.push(members.length); }
  return { labelCount: g.labelCount, atomCount: ids.length, start: Int32Array.from(start), members: Int32Array.from(members), weight: Float64Array.from(ids, (a) => hist.get(a)!) };
}

const units = Number(process.argv[2] ?? 32);
const optimalUnits = Number(process.argv[3] ?? 8);
let t = performance.now();
const { atoms } = atomTable();
const global = new CountSpace(atoms);
console.log(`atom table: ${atoms.atomCount} atoms, ${LABELS} labels, ${IMAGES} images (${((performance.now() - t) / 1000).toFixed(1)} s to build)`);
const settings = { length: 3, beam: 5, penalty: 1 };
let beamMs = 0;
let optMs = 0;
let beamCpu = 0;
let optCpu = 0;
const cpu = (): number => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
let misses = 0;
let unitAtomTotal = 0;
for (let u = 0; u < units; u++) {
  const ua = unitAtoms(atoms, 100 + u);
  unitAtomTotal += ua.atomCount;
  const us = new CountSpace(ua);
  t = performance.now();
  let c = cpu();
  const b = beamSearch(global, us, settings);
  beamMs += performance.now() - t;
  beamCpu += cpu() - c;
  if (u < optimalUnits) {
    t = performance.now();
    c = cpu();
    const o = optimalSearch(global, us, settings, b.best);
    optMs += performance.now() - t;
    optCpu += cpu() - c;
    if (o.best && b.best && o.best.score > b.best.score) misses++;
  }
}
// Wall time on a shared machine overstates the work: CPU time is the figure to scale from.
console.log(`beam (length 3, beam 5): ${(beamMs / units).toFixed(0)} ms wall, ${(beamCpu / units).toFixed(0)} ms CPU per unit over ${units} units (mean ${Math.round(unitAtomTotal / units)} atoms per unit mask); 512 units: ${((beamCpu / units) * 512 / 1000).toFixed(0)} s CPU on one thread`);
console.log(`optimal: ${(optMs / optimalUnits).toFixed(0)} ms wall, ${(optCpu / optimalUnits).toFixed(0)} ms CPU per unit over ${optimalUnits} units; beam missed the optimum on ${misses}`);
