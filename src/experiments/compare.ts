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

/** One compared layer. */
export interface CompareEntry {
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
}

export interface CompareOptions {
  readonly iouThreshold: number;
  /** One label per input, in input order. */
  readonly labels?: readonly string[];
  /** Only this layer of each run directory (tensor name or folder name). */
  readonly layer?: string;
}

/** A layer loaded from disk, before labelling. */
interface LoadedLayer {
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
        stats: detectorStats(l.table, options.iouThreshold),
      });
    }
  });
  const categories: string[] = [];
  for (const e of entries) for (const c of e.stats.perCategory) if (!categories.includes(c.category)) categories.push(c.category);
  return {
    schema: 'netdissect/compare',
    version: COMPARE_SCHEMA_VERSION,
    tool: { name: 'netdissect', version: TOOL_VERSION },
    iouThreshold: options.iouThreshold,
    categories,
    entries,
  };
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
      return [loadLayerDir(input, null, null, null)]; // a single layer's folder
    }
    throw new UsageError(`compare: ${input} holds no run.json, results.json or tally.csv; expected a run directory written by netdissect dissect`);
  }
  if (path.basename(input) === 'run.json') return loadRunDir(path.dirname(input), layerFilter, warn);
  if (/\.json$/i.test(input)) return [loadResults(input, null)];
  return [{ source: input, layer: null, model: null, rotation: null, table: readTally(input) }];
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
  return layers.map((l) => loadLayerDir(path.join(dir, l.dir), l.name, manifest.model?.path ?? null, rotation));
}

/** A layer folder: results.json when present, else tally.csv. */
function loadLayerDir(
  dir: string,
  layer: string | null,
  model: string | null,
  rotation: { readonly seed: number; readonly alpha: number } | null,
): LoadedLayer {
  const results = path.join(dir, 'results.json');
  if (existsSync(results)) {
    const loaded = loadResults(results, model);
    return { ...loaded, layer: loaded.layer ?? layer, rotation: loaded.rotation ?? rotation };
  }
  const tally = path.join(dir, 'tally.csv');
  if (existsSync(tally)) return { source: tally, layer, model, rotation, table: readTally(tally) };
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
    table: unitTableFromResults(r, file),
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
  const head = ['order', 'label', 'source', 'layer', 'units', 'detectors', 'unique_concepts', 'unique_detectors'];
  for (const cat of c.categories) head.push(`${cat}-detectors`, `${cat}-unique-concepts`, `${cat}-category-detectors`, `${cat}-unique-detectors`);
  const lines = [csvLine(head)];
  for (const e of c.entries) {
    const row: (string | number)[] = [e.order, e.label, e.source, e.layer ?? '', e.stats.units, e.stats.detectors, e.stats.uniqueConcepts, e.stats.uniqueDetectors];
    for (const cat of c.categories) {
      const s = e.stats.perCategory.find((p) => p.category === cat);
      if (s) row.push(s.detectors, s.uniqueConcepts, s.categoryDetectors, s.uniqueDetectors);
      else row.push('', '', '', ''); // the entry's dataset has no such category
    }
    lines.push(csvLine(row));
  }
  return `${lines.join('\n')}\n`;
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
