// A small but realistic run directory for report tests and the report benchmark: generated
// photos (real JPEG files written by sharp), run.json, and per layer a valid results.json (stats
// computed from its units), tally.csv and thresholds.csv. Seeded: the same options give the same
// files. One concept name is an HTML injection attempt, one holds `</script>` and U+2028.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RunManifest } from '../../src/run/run-types.js';
import type { CategoryStats, ConceptScore, LabelInfo, LayerResults, LayerStats, TopImage, UnitResult } from '../../src/run/results-types.js';
import { Random } from '../../src/util/random.js';

export const XSS_CONCEPT = '<img src=x onerror=alert(1)>';
export const SCRIPT_CONCEPT = 'wall</script>\u2028<!--';
export const CATEGORIES = ['color', 'object', 'part', 'material', 'scene', 'texture'] as const;

const NAMES: Readonly<Record<(typeof CATEGORIES)[number], readonly string[]>> = {
  color: ['red-c', 'green-c', 'blue-c', 'yellow-c', 'black-c'],
  object: [XSS_CONCEPT, 'dog', 'car', 'person', 'tree', 'sky', 'building', 'grass', SCRIPT_CONCEPT, 'road'],
  part: ['wheel', 'head', 'leg', 'window', 'screen'],
  material: ['wood', 'glass', 'fabric', 'metal', 'carpet'],
  scene: ['street', 'kitchen', 'bedroom', 'forest-path'],
  texture: ['striped', 'dotted', 'honeycombed', 'woven', 'zigzagged'],
};

const FORCED: Readonly<Record<number, { readonly name: string; readonly iou: number }>> = {
  1: { name: XSS_CONCEPT, iou: 0.41 },
  3: { name: 'car', iou: 0.3 },
  4: { name: 'carpet', iou: 0.28 },
};

export interface FixtureLayer {
  readonly name: string;
  readonly dir: string;
  readonly units: number;
  readonly h: number;
  readonly w: number;
}

export interface FixtureOptions {
  readonly layers?: readonly FixtureLayer[];
  readonly images?: number; // photos in the dataset
  readonly topK?: number; // top images stored per unit
  readonly seed?: number;
  readonly photoSize?: number;
  /** Add what `netdissect explain` and `netdissect baseline` write (see explainedUnits). */
  readonly explained?: boolean;
}

export interface RunFixture {
  readonly dir: string; // temp folder holding everything
  readonly runDir: string;
  readonly datasetRoot: string;
  readonly imageFiles: readonly string[];
  cleanup(): Promise<void>;
}

export const DEFAULT_LAYERS: readonly FixtureLayer[] = [
  { name: 'layer4/conv', dir: 'layer4_conv', units: 64, h: 7, w: 7 },
  { name: 'layer3', dir: 'layer3', units: 12, h: 14, w: 14 },
];

/** A photo-like image: a diagonal colour gradient, a disc and a band, from seeded colours. */
async function writePhoto(path: string, size: number, rng: Random): Promise<void> {
  const data = new Uint8Array(size * size * 3);
  const c0 = [rng.int(0, 256), rng.int(0, 256), rng.int(0, 256)];
  const c1 = [rng.int(0, 256), rng.int(0, 256), rng.int(0, 256)];
  const disc = [rng.int(0, 256), rng.int(0, 256), rng.int(0, 256)];
  const cx = rng.int(size / 4, (3 * size) / 4);
  const cy = rng.int(size / 4, (3 * size) / 4);
  const r = rng.int(size / 8, size / 3);
  const band = rng.int(0, size - 20);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const t = (x + y) / (2 * size);
      const inDisc = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      const inBand = y >= band && y < band + 14;
      for (let k = 0; k < 3; k++) {
        let v = (c0[k] as number) * (1 - t) + (c1[k] as number) * t;
        if (inDisc) v = disc[k] as number;
        if (inBand) v = v * 0.5 + 100;
        data[(y * size + x) * 3 + k] = Math.round(v);
      }
    }
  }
  await sharp(data, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 90 }).toFile(path);
}

function labelTable(): LabelInfo[] {
  const labels: LabelInfo[] = [];
  let number = 1;
  for (const category of CATEGORIES) for (const name of NAMES[category]) labels.push({ number: number++, name, category, truth: 1000 + number * 37 });
  return labels;
}

/** A map with one Gaussian blob (a unit firing on one region), values ≥ 0. */
function blobMap(h: number, w: number, amplitude: number, rng: Random): number[] {
  const cy = rng.next() * h;
  const cx = rng.next() * w;
  const s = (0.15 + rng.next() * 0.25) * Math.max(h, w);
  const map: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) map.push(Math.fround(amplitude * Math.exp(-((y + 0.5 - cy) ** 2 + (x + 0.5 - cx) ** 2) / (2 * s * s)) + 0.02 * rng.next()));
  }
  return map;
}

function makeUnits(layer: FixtureLayer, labels: readonly LabelInfo[], images: number, topK: number, rng: Random, iouThreshold: number): UnitResult[] {
  const units: UnitResult[] = [];
  for (let u = 1; u <= layer.units; u++) {
    const categories: Record<string, ConceptScore[]> = {};
    let best: ConceptScore | null = null;
    const detectorish = rng.next() < 0.6;
    // Like real units: one category where the unit may be a detector, weak scores elsewhere.
    const home = rng.pick(CATEGORIES);
    for (const category of CATEGORIES) {
      const pool = labels.filter((l) => l.category === category);
      const a = rng.pick(pool);
      let b = rng.pick(pool);
      if (b.number === a.number) b = pool[(pool.indexOf(a) + 1) % pool.length] as LabelInfo;
      const top = detectorish && category === home ? 0.045 + rng.next() * 0.22 : rng.next() * (detectorish ? 0.05 : 0.039);
      const second = top * rng.next();
      const scores = [a, b].map((l, i) => {
        const iou = i === 0 ? top : second;
        const intersection = Math.round(iou * 4000);
        return { label: l.number, name: l.name, category, iou, intersection, activation: 3000 + rng.int(0, 2000), truth: l.truth };
      });
      categories[category] = scores;
      const first = scores[0] as ConceptScore;
      if (best === null || first.iou >= best.iou) best = first;
    }
    // Fixed best labels: unit 1 of every layer is the injection attempt, units 3 and 4 are `car`
    // and `carpet` (a name that contains the other, for the search), all strong detectors.
    const forced = FORCED[u];
    if (forced) {
      const l = labels.find((x) => x.name === forced.name) as LabelInfo;
      best = { label: l.number, name: l.name, category: l.category, iou: forced.iou, intersection: Math.round(forced.iou * 4000), activation: 3000, truth: l.truth };
      categories[l.category] = [best, ...(categories[l.category] ?? []).filter((c) => c.label !== l.number).slice(0, 1)];
    }
    const b = best as ConceptScore;
    const picked = new Set<number>();
    while (picked.size < Math.min(topK, images)) picked.add(rng.int(0, images));
    const top: TopImage[] = [...picked].map((image, i) => {
      const map = blobMap(layer.h, layer.w, 5 - i * 0.3 + rng.next(), rng);
      return { image, max: Math.max(...map), map };
    });
    top.sort((p, q) => q.max - p.max || p.image - q.image);
    const maxActivation = (top[0] as TopImage).max;
    const saturated = u === 2; // one saturated unit: threshold = max, every mask empty
    units.push({
      unit: u,
      threshold: saturated ? maxActivation : maxActivation * (0.45 + rng.next() * 0.25),
      maxActivation,
      saturated,
      label: b.label,
      name: b.name,
      category: b.category,
      score: b.iou,
      detector: b.iou > iouThreshold,
      categories,
      topImages: top,
    });
  }
  return units;
}

/** Formulas written by `explain` on units 1, 3 and 4 (unit 1's holds the injection attempt). */
export const FIXTURE_FORMULAS: Readonly<Record<number, { readonly text: string; readonly names: readonly string[]; readonly ops: readonly ('or' | 'and' | 'andnot')[]; readonly iou: number }>> = {
  1: { text: `(${XSS_CONCEPT} OR dog)`, names: [XSS_CONCEPT, 'dog'], ops: ['or'], iou: 0.45 },
  3: { text: '((car OR road) AND (NOT red-c))', names: ['car', 'road', 'red-c'], ops: ['or', 'andnot'], iou: 0.33 },
  4: { text: '(carpet AND wood)', names: ['carpet', 'wood'], ops: ['and'], iou: 0.29 },
};
/** The one unit whose IoU is not above chance (the others beat all 20 shuffles). */
export const BELOW_CHANCE_UNIT = 4;
const SHUFFLES = 20;

/** Units with the `formula` and `baseline` fields that explain and baseline add (no rng drawn,
 *  so every other number of the fixture stays as without them). */
function explainedUnits(units: readonly UnitResult[], labels: readonly LabelInfo[]): UnitResult[] {
  const number = (name: string): number => (labels.find((l) => l.name === name) as LabelInfo).number;
  return units.map((u) => {
    const f = FIXTURE_FORMULAS[u.unit];
    const below = u.unit === BELOW_CHANCE_UNIT;
    const chance = below ? u.score + 0.01 : Math.round(u.score * 100) / 1000;
    return {
      ...u,
      ...(f ? { formula: { text: f.text, iou: f.iou, length: f.names.length, score: f.iou, compexpLength: f.names.length, labels: f.names.map(number), ops: f.ops, search: 'beam' as const } } : {}),
      baseline: { chance, aboveChance: !below, p: below ? 12 / (SHUFFLES + 1) : 1 / (SHUFFLES + 1) },
    };
  });
}

/** Layer statistics computed from the units, both rules (DESIGN.md §5.6). */
export function statsOf(units: readonly UnitResult[], iouThreshold: number): LayerStats {
  const perCategory: CategoryStats[] = CATEGORIES.map((category) => {
    const best = units.filter((u) => u.detector && u.category === category);
    const byCat = units.filter((u) => (u.categories[category]?.[0]?.iou ?? 0) > iouThreshold);
    return {
      category,
      detectors: best.length,
      uniqueConcepts: new Set(best.map((u) => u.label)).size,
      categoryDetectors: byCat.length,
      uniqueDetectors: new Set(byCat.map((u) => u.categories[category]?.[0]?.label)).size,
    };
  });
  const detectors = units.filter((u) => u.detector);
  return {
    units: units.length,
    detectors: detectors.length,
    uniqueConcepts: new Set(detectors.map((u) => u.label)).size,
    uniqueDetectors: perCategory.reduce((n, c) => n + c.uniqueDetectors, 0),
    saturatedUnits: units.filter((u) => u.saturated).length,
    zeroThresholdUnits: units.filter((u) => u.threshold === 0).length,
    perCategory,
  };
}

function tallyCsv(units: readonly UnitResult[]): string {
  const head = ['unit', 'category', 'label', 'score', ...CATEGORIES.flatMap((c) => [`${c}-label`, `${c}-truth`, `${c}-activation`, `${c}-intersect`, `${c}-iou`])];
  const q = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = [...units]
    .sort((a, b) => b.score - a.score || a.unit - b.unit)
    .map((u) => {
      const cells = [String(u.unit), u.category, q(u.name), String(u.score)];
      for (const c of CATEGORIES) {
        const s = u.categories[c]?.[0];
        cells.push(q(s?.name ?? ''), String(s?.truth ?? 0), String(s?.activation ?? 0), String(s?.intersection ?? 0), String(s?.iou ?? 0));
      }
      return cells.join(',');
    });
  return [head.join(','), ...rows].join('\n') + '\n';
}

export async function makeRunFixture(options: FixtureOptions = {}): Promise<RunFixture> {
  const layers = options.layers ?? DEFAULT_LAYERS;
  const images = options.images ?? 24;
  const topK = options.topK ?? 10;
  const size = options.photoSize ?? 224;
  const rng = new Random(options.seed ?? 7);
  const dir = await mkdtemp(join(tmpdir(), 'netdissect-report-'));
  const datasetRoot = join(dir, 'dataset');
  const runDir = join(dir, 'run');
  await mkdir(join(datasetRoot, 'images'), { recursive: true });
  await mkdir(runDir, { recursive: true });
  const imageFiles: string[] = [];
  for (let i = 0; i < images; i++) {
    const file = `images/photo_${String(i).padStart(4, '0')}.jpg`;
    imageFiles.push(file);
    await writePhoto(join(datasetRoot, file), size, rng);
  }
  const labels = labelTable();
  const iouThreshold = 0.04;
  const settings = {
    semantics: 'original' as const,
    quantile: 0.005,
    iouThreshold,
    categories: [...CATEGORIES],
    topK,
    preprocess: { mean: [124.6901, 118.6897, 109.5388], std: [57.12, 57.12, 57.12], inputSize: [224, 224] as const },
  };
  const model = { file: '/models/resnet18_places365.onnx', sha256: 'ab'.repeat(32) };
  const dataset = { root: datasetRoot, format: 'broden', digest: 'cd'.repeat(32), images };
  for (const layer of layers) {
    const made = makeUnits(layer, labels, images, topK, rng, iouThreshold);
    const units = options.explained ? explainedUnits(made, labels) : made;
    const extra = options.explained
      ? {
          explain: { length: 3, beam: 5, penalty: 1, search: 'beam' as const, categories: ['color', 'object', 'part', 'scene', 'texture'], units: units.length },
          baseline: {
            shuffles: SHUFFLES,
            seed: 1,
            detectors: units.filter((u) => u.detector).length,
            detectorsAboveChance: units.filter((u) => u.detector && u.baseline?.aboveChance).length,
            unitsAboveChance: units.filter((u) => u.baseline?.aboveChance).length,
          },
        }
      : {};
    const results: LayerResults = {
      schema: 'netdissect/results',
      version: 1,
      tool: { name: 'netdissect', version: '0.1.0' },
      layer: layer.name,
      shape: [layer.units, layer.h, layer.w],
      model,
      dataset: { ...dataset, imageFiles, labelResolution: [112, 112] },
      settings,
      categories: [...CATEGORIES],
      labels,
      stats: statsOf(units, iouThreshold),
      units,
      ...extra,
    };
    await mkdir(join(runDir, layer.dir), { recursive: true });
    await writeFile(join(runDir, layer.dir, 'results.json'), JSON.stringify(results));
    await writeFile(join(runDir, layer.dir, 'tally.csv'), tallyCsv(units));
    await writeFile(join(runDir, layer.dir, 'thresholds.csv'), 'unit,threshold\n' + units.map((u) => `${u.unit},${u.threshold}`).join('\n') + '\n');
  }
  const manifest: RunManifest = {
    schema: 'netdissect/run',
    version: 1,
    state: 'complete',
    tool: { name: 'netdissect', version: '0.1.0', onnxruntime: '1.30.0', node: process.version },
    command: ['netdissect', 'dissect', model.file, datasetRoot],
    model: { path: model.file, sha256: model.sha256, input: 'input' },
    dataset: { ...dataset, spec: { dataset: datasetRoot, format: 'broden' } },
    settings: { ...settings, batch: 32, limit: null, layers: layers.map((l) => l.name) },
    layers: layers.map((l) => ({ name: l.name, dir: l.dir, shape: [l.units, l.h, l.w] as const })),
    images: { used: images, skipped: [] },
    timings: { forward: 12.5, thresholds: 0.8, counting: 3.1, writing: 0.4 },
    startedAt: '2026-11-28T10:00:00.000Z',
    finishedAt: '2026-11-28T10:00:17.000Z',
  };
  await writeFile(join(runDir, 'run.json'), JSON.stringify(manifest, null, 2));
  return { dir, runDir, datasetRoot, imageFiles, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
