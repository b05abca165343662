// Hand-made run directories for the experiment tests: run.json and per-layer results.json that
// follow the contracts in src/run/, with units described by their labels only.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ConceptScore, LayerResults, UnitResult } from '../../src/run/results-types.js';
import type { RunManifest } from '../../src/run/run-types.js';

/** A unit: its best label overall, and per category its best label and IoU. */
export interface FixtureUnit {
  readonly category: string;
  readonly label: string;
  readonly score: number;
  readonly best: Readonly<Record<string, readonly [string, number]>>;
}

export function layerResults(layer: string, categories: readonly string[], units: readonly FixtureUnit[], iouThreshold = 0.04): LayerResults {
  const unitResults: UnitResult[] = units.map((u, i) => ({
    unit: i + 1,
    threshold: 1,
    maxActivation: 2,
    saturated: false,
    label: u.label === '' ? 0 : 100 + i,
    name: u.label,
    category: u.category,
    score: u.score,
    detector: u.score > iouThreshold,
    categories: Object.fromEntries(
      categories.map((c): [string, ConceptScore[]] => {
        const b = u.best[c];
        return [c, b && b[0] !== '' ? [{ label: 1, name: b[0], category: c, iou: b[1], intersection: 1, activation: 2, truth: 3 }] : []];
      }),
    ),
    topImages: [],
  }));
  return {
    schema: 'netdissect/results',
    version: 1,
    tool: { name: 'netdissect', version: '0.1.0' },
    layer,
    shape: [units.length, 7, 7],
    model: { file: 'model.onnx', sha256: 'ab' },
    dataset: { root: 'd', format: 'broden', digest: 'x', images: 1, imageFiles: ['a.png'], labelResolution: [112, 112] },
    settings: {
      semantics: 'original',
      quantile: 0.005,
      iouThreshold,
      categories,
      topK: 0,
      preprocess: { mean: [0, 0, 0], std: [1, 1, 1], inputSize: [224, 224] },
    },
    categories,
    labels: [],
    stats: { units: units.length, detectors: 0, uniqueConcepts: 0, uniqueDetectors: 0, saturatedUnits: 0, zeroThresholdUnits: 0, perCategory: [] },
    units: unitResults,
  };
}

/** Write RUN_DIR/run.json and RUN_DIR/<dir>/results.json for each layer; returns the folder. */
export function writeRun(
  dir: string,
  layers: readonly { name: string; dir: string; results: LayerResults | null }[],
  options: { state?: 'running' | 'failed' | 'complete'; rotation?: { seed: number; alpha: number } } = {},
): string {
  mkdirSync(dir, { recursive: true });
  const first = layers[0]?.results;
  const manifest: RunManifest = {
    schema: 'netdissect/run',
    version: 1,
    state: options.state ?? 'complete',
    tool: { name: 'netdissect', version: '0.1.0', onnxruntime: '1.30.0', node: process.version },
    command: ['dissect'],
    model: { path: 'models/m.onnx', sha256: 'ab', input: 'input' },
    dataset: { root: 'd', format: 'broden', digest: 'x', images: 1 },
    settings: {
      ...(first?.settings ?? layerResults('x', [], []).settings),
      ...(options.rotation ? { rotation: options.rotation } : {}),
      batch: 16,
      limit: null,
      layers: layers.map((l) => l.name),
    },
    layers: layers.map((l) => ({ name: l.name, dir: l.dir, shape: [1, 7, 7] })),
    images: { used: 1, skipped: [] },
    timings: {},
    startedAt: '2026-01-01T00:00:00Z',
  };
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(manifest));
  for (const l of layers) {
    mkdirSync(path.join(dir, l.dir), { recursive: true });
    if (l.results) writeFileSync(path.join(dir, l.dir, 'results.json'), JSON.stringify(l.results));
  }
  return dir;
}
