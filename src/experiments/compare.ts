// Comparison of dissections: the layers of one model, several models, or the checkpoints of one
// training run, in the order given. Loads each input (a run directory, a results.json or a
// tally.csv), computes the detector statistics of every layer at one IoU threshold, and writes
// compare.csv, compare.json and index.html (a static page, see compare-page.ts).
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DatasetError, RunDirError, UsageError } from '../util/errors.js';
import { TOOL_VERSION } from '../util/version.js';
import { RESULTS_SCHEMA_VERSION, type LayerResults } from '../run/results-types.js';
import type { RunManifest } from '../run/run-types.js';
import { writeFileAtomic } from '../run/atomic.js';
import { csvLine } from './csv.js';
import { detectorStats, readTally, unitTableFromResults, type DetectorStats, type UnitTable } from './tally-stats.js';
import { renderComparePage } from './compare-page.js';

export const COMPARE_SCHEMA_VERSION = 1;

/** The dataset a layer was dissected on, as its results.json or run.json records it. */
export interface CompareDataset {
  readonly format: string;
  readonly root: string;
  readonly digest: string;
  readonly images: number;
}

/** What makes two dissections comparable: the data and the counting rules (null: unknown, as
 *  for a bare tally.csv). */
export interface CompareProvenance {
  readonly dataset: CompareDataset | null;
  readonly semantics: string | null;
  readonly quantile: number | null;
  /** Label resolution [h, w] the masks were counted at. */
  readonly labelSize: readonly [number, number] | null;
}

/** One compared layer. */
export interface CompareEntry extends CompareProvenance {
  readonly order: number; // 1-based position in the comparison
  readonly label: string;
  /** The file the numbers came from (results.json or tally.csv). */
  readonly source: string;
  /** Tensor name, when known (from run.json or results.json). */
  readonly layer: string | null;
  readonly model: string | null;
  readonly rotation: { readonly seed: number; readonly alpha: number } | null;
  readonly stats: DetectorStats;
}

export interface Comparison {
  readonly schema: 'netdissect/compare';
  readonly version: number;
  readonly tool: { readonly name: 'netdissect'; readonly version: string };
  readonly iouThreshold: number;
  /** Union of the entries' categories, in order of first appearance. */
  readonly categories: readonly string[];
  readonly entries: readonly CompareEntry[];
  /** Differences between the entries' datasets, semantics, quantiles or label sizes: numbers
   *  counted on different data or by different rules do not compare. Empty when none. */
  readonly warnings: readonly string[];
}

export interface CompareOptions {
  readonly iouThreshold: number;
  /** One label per input, in input order. */
  readonly labels?: readonly string[];
  /** Only this layer of each run directory (tensor name or folder name). */
  readonly layer?: string;
}

/** A layer loaded from disk, before labelling. */
interface LoadedLayer extends CompareProvenance {
  readonly source: string;
  readonly layer: string | null;
  readonly model: string | null;
  readonly rotation: { readonly seed: number; readonly alpha: number } | null;
  readonly table: UnitTable;
}

/**
 * Load every input and compute the comparison. `warn` receives messages that do not stop it
 * (a run that is not complete).
 */
export function compareRuns(inputs: readonly string[], options: CompareOptions, warn: (message: string) => void): Comparison {
  if (inputs.length === 0) throw new UsageError('compare: give at least one RUN_DIR, results.json or tally.csv');
  const labels = options.labels;
  if (labels && labels.length !== inputs.length) {
    throw new UsageError(`--labels has ${labels.length} name(s) for ${inputs.length} input(s); give one label per RUN_DIR/file, comma-separated`);
  }
  const entries: CompareEntry[] = [];
  inputs.forEach((input, i) => {
    const layers = loadInput(input, options.layer, warn);
    const base = labels?.[i] ?? defaultLabel(input);
    for (const l of layers) {
      // One input: name entries by layer; several: by input, plus the layer when it has several.
      const label = inputs.length === 1 && layers.length > 1 ? (l.layer ?? base) : layers.length > 1 ? `${base}/${l.layer ?? '?'}` : base;
      entries.push({
        order: entries.length + 1,
        label,
        source: l.source,
        layer: l.layer,
        model: l.model,
        rotation: l.rotation,
        dataset: l.dataset,
        semantics: l.semantics,
        quantile: l.quantile,
        labelSize: l.labelSize,
        stats: detectorStats(l.table, options.iouThreshold),
      });
    }
  });
  const categories: string[] = [];
  for (const e of entries) for (const c of e.stats.perCategory) if (!categories.includes(c.category)) categories.push(c.category);
  const warnings = provenanceWarnings(entries);
  for (const w of warnings) warn(w);
  return {
    schema: 'netdissect/compare',
    version: COMPARE_SCHEMA_VERSION,
    tool: { name: 'netdissect', version: TOOL_VERSION },
    iouThreshold: options.iouThreshold,
    categories,
    entries,
    warnings,
  };
}

/** How a dataset is named in messages and tables. */
export function datasetText(d: CompareDataset | null): string {
  return d === null ? 'unknown' : `${d.format} ${d.root} (${d.images} images, digest ${d.digest.slice(0, 12)})`;
}

/**
 * One warning per property on which the entries differ (entries that do not record it are left
 * out): the values and which entries have each. Datasets are the same when format, digest and
 * image count are (the root may move).
 */
export function provenanceWarnings(entries: readonly CompareEntry[]): string[] {
  const checks: [string, (e: CompareEntry) => string | null, string][] = [
    ['datasets', (e) => (e.dataset ? `${e.dataset.format}:${e.dataset.digest}:${e.dataset.images}` : null), 'their detector counts measure different data'],
    ['semantics', (e) => e.semantics, 'activation counts follow different rules'],
    ['quantiles', (e) => (e.quantile === null ? null : String(e.quantile)), 'masks cover different shares of each unit'],
    ['label sizes', (e) => (e.labelSize ? `${e.labelSize[0]}×${e.labelSize[1]}` : null), 'IoU is counted at different resolutions'],
  ];
  const out: string[] = [];
  for (const [what, key, why] of checks) {
    const groups = new Map<string, CompareEntry[]>();
    for (const e of entries) {
      const k = key(e);
      if (k === null) continue;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(e);
    }
    if (groups.size < 2) continue;
    const shown = [...groups.values()].map((g) => {
      const first = g[0] as CompareEntry;
      const value = what === 'datasets' ? datasetText(first.dataset) : (key(first) as string);
      return `${value}: ${g.map((e) => `${e.order}. ${e.label}`).join(', ')}`;
    });
    out.push(`the entries differ in ${what} (${why}): ${shown.join('; ')}`);
  }
  return out;
}

function defaultLabel(input: string): string {
  const resolved = path.resolve(input);
  const base = path.basename(resolved);
  if (isDirectory(resolved)) return base;
  // A layer's generic file name says nothing: name it by its folder.
  if (base === 'results.json' || base === 'tally.csv' || base === 'run.json') return path.basename(path.dirname(resolved));
  return base.replace(/\.(csv|json)$/i, '');
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function loadInput(input: string, layerFilter: string | undefined, warn: (message: string) => void): LoadedLayer[] {
  if (!existsSync(input)) throw new UsageError(`compare: ${input} does not exist; expected a run directory (with run.json), a results.json or a tally.csv`);
  if (isDirectory(input)) {
    if (existsSync(path.join(input, 'run.json'))) return loadRunDir(input, layerFilter, warn);
    if (existsSync(path.join(input, 'results.json')) || existsSync(path.join(input, 'tally.csv'))) {
      return [loadLayerDir(input, null, null, null, UNKNOWN)]; // a single layer's folder
    }
    throw new UsageError(`compare: ${input} holds no run.json, results.json or tally.csv; expected a run directory written by netdissect dissect`);
  }
  if (path.basename(input) === 'run.json') return loadRunDir(path.dirname(input), layerFilter, warn);
  if (/\.json$/i.test(input)) return [loadResults(input, null)];
  return [{ source: input, layer: null, model: null, rotation: null, ...UNKNOWN, table: readTally(input) }];
}

function loadRunDir(dir: string, layerFilter: string | undefined, warn: (message: string) => void): LoadedLayer[] {
  const file = path.join(dir, 'run.json');
  const manifest = readJson(file, RunDirError) as RunManifest;
  if (manifest?.schema !== 'netdissect/run' || !Array.isArray(manifest.layers)) {
    throw new RunDirError(`${file}: not a netdissect run.json (schema '${String(manifest?.schema)}', expected 'netdissect/run')`);
  }
  if (manifest.state !== 'complete') {
    warn(`${file}: the run is '${manifest.state}', not complete; comparing the layers it has written`);
  }
  let layers = manifest.layers;
  if (layerFilter !== undefined) {
    layers = layers.filter((l) => l.name === layerFilter || l.dir === layerFilter);
    if (layers.length === 0) {
      throw new UsageError(`--layer ${layerFilter}: not in ${file} (layers: ${manifest.layers.map((l) => l.name).join(', ')})`);
    }
  }
  if (layers.length === 0) throw new RunDirError(`${file}: the run has no layers`);
  const rotation = manifest.settings?.rotation ?? null;
  const provenance = provenanceOf(manifest.dataset, manifest.settings, null);
  return layers.map((l) => loadLayerDir(path.join(dir, l.dir), l.name, manifest.model?.path ?? null, rotation, provenance));
}

/** A layer folder: results.json when present, else tally.csv. */
function loadLayerDir(
  dir: string,
  layer: string | null,
  model: string | null,
  rotation: { readonly seed: number; readonly alpha: number } | null,
  provenance: CompareProvenance,
): LoadedLayer {
  const results = path.join(dir, 'results.json');
  if (existsSync(results)) {
    const loaded = loadResults(results, model);
    return { ...loaded, layer: loaded.layer ?? layer, rotation: loaded.rotation ?? rotation };
  }
  const tally = path.join(dir, 'tally.csv');
  if (existsSync(tally)) return { source: tally, layer, model, rotation, ...provenance, table: readTally(tally) };
  throw new RunDirError(`${dir}: neither results.json nor tally.csv; the layer has not been written yet (finish the run with netdissect dissect)`);
}

function loadResults(file: string, model: string | null): LoadedLayer {
  const r = readJson(file, DatasetError) as LayerResults;
  if (r?.schema !== 'netdissect/results' || !Array.isArray(r.units) || !Array.isArray(r.categories)) {
    throw new DatasetError(`${file}: not a netdissect results.json (schema '${String(r?.schema)}', expected 'netdissect/results')`);
  }
  if (typeof r.version !== 'number' || r.version > RESULTS_SCHEMA_VERSION) {
    throw new DatasetError(`${file}: results schema version ${String(r.version)}; this tool reads up to ${RESULTS_SCHEMA_VERSION} (upgrade netdissect)`);
  }
  return {
    source: file,
    layer: typeof r.layer === 'string' ? r.layer : null,
    model: r.model?.file ?? model,
    rotation: r.settings?.rotation ?? null,
    ...provenanceOf(r.dataset, r.settings, r.dataset?.labelResolution ?? null),
    table: unitTableFromResults(r, file),
  };
}

const UNKNOWN: CompareProvenance = { dataset: null, semantics: null, quantile: null, labelSize: null };

/** Provenance from the records of results.json or run.json, each field checked (older or
 *  hand-written files may lack some). */
function provenanceOf(dataset: unknown, settings: unknown, labelSize: unknown): CompareProvenance {
  const d = (dataset ?? {}) as Record<string, unknown>;
  const s = (settings ?? {}) as Record<string, unknown>;
  const str = (v: unknown): v is string => typeof v === 'string';
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const size = Array.isArray(labelSize) && labelSize.length === 2 && labelSize.every(num) ? ([labelSize[0] as number, labelSize[1] as number] as const) : null;
  return {
    dataset: str(d['format']) && str(d['root']) && str(d['digest']) && num(d['images']) ? { format: d['format'], root: d['root'], digest: d['digest'], images: d['images'] } : null,
    semantics: str(s['semantics']) ? s['semantics'] : null,
    quantile: num(s['quantile']) ? s['quantile'] : null,
    labelSize: size,
  };
}

function readJson(file: string, ErrorClass: new (message: string) => Error): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ErrorClass(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ErrorClass(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** compare.csv: one row per entry; per category detectors and unique detectors by both rules. */
export function compareCsv(c: Comparison): string {
  const head = [
    'order', 'label', 'source', 'layer',
    'dataset_format', 'dataset_root', 'dataset_digest', 'dataset_images', 'semantics', 'quantile', 'label_size',
    'units', 'detectors', 'detector_share', 'unique_concepts', 'unique_detectors',
  ];
  for (const cat of c.categories) head.push(`${cat}-detectors`, `${cat}-unique-concepts`, `${cat}-category-detectors`, `${cat}-unique-detectors`);
  const lines = [csvLine(head)];
  for (const e of c.entries) {
    const d = e.dataset;
    const row: (string | number)[] = [
      e.order, e.label, e.source, e.layer ?? '',
      d?.format ?? '', d?.root ?? '', d?.digest ?? '', d?.images ?? '', e.semantics ?? '', e.quantile ?? '', e.labelSize ? `${e.labelSize[0]}x${e.labelSize[1]}` : '',
      e.stats.units, e.stats.detectors, detectorShare(e), e.stats.uniqueConcepts, e.stats.uniqueDetectors,
    ];
    for (const cat of c.categories) {
      const s = e.stats.perCategory.find((p) => p.category === cat);
      if (s) row.push(s.detectors, s.uniqueConcepts, s.categoryDetectors, s.uniqueDetectors);
      else row.push('', '', '', ''); // the entry's dataset has no such category
    }
    lines.push(csvLine(row));
  }
  return `${lines.join('\n')}\n`;
}

/** Detectors as a share of the layer's units (0 for an empty layer): layers of different widths
 *  compare by this, not by counts. */
export function detectorShare(e: CompareEntry): number {
  return e.stats.units === 0 ? 0 : e.stats.detectors / e.stats.units;
}

/** Write compare.csv, compare.json and index.html into `outDir` (created), each atomically. */
export function writeComparison(c: Comparison, outDir: string): string[] {
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    throw new RunDirError(`cannot create output folder ${outDir}: ${(err as Error).message}`);
  }
  const files: [string, string][] = [
    ['compare.csv', compareCsv(c)],
    ['compare.json', `${JSON.stringify(c, null, 2)}\n`],
    ['index.html', renderComparePage(c)],
  ];
  return files.map(([name, text]) => {
    const target = path.join(outDir, name);
    writeFileAtomic(target, text);
    return target;
  });
}
