// Read a run directory for the report: run.json and each layer's results.json, checked enough
// that the report can trust shapes, indices and folder names (they become file paths and URLs).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunLayer, RunManifest } from '../run/run-types.js';
import { RESULTS_SCHEMA_VERSION, type LayerResults } from '../run/results-types.js';
import { RunDirError, check } from '../util/errors.js';

export interface LoadedLayer {
  readonly layer: RunLayer;
  readonly results: LayerResults;
}

export interface LoadedRun {
  readonly runDir: string;
  readonly manifest: RunManifest;
  readonly layers: readonly LoadedLayer[];
  /** Layers listed in run.json without results.json (only when the run is not complete). */
  readonly missing: readonly string[];
}

/** A layer folder name usable as one path segment: no separators, not `.` or `..`. */
const SAFE_DIR = /^(?!\.{1,2}$)[A-Za-z0-9._-]+$/;

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RunDirError(
      code === 'ENOENT'
        ? `${file}: not found; expected ${what} (a run directory written by \`netdissect dissect\`)`
        : `${file}: cannot read ${what}: ${(err as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RunDirError(`${file}: ${what} is not valid JSON (${(err as Error).message}); rerun \`netdissect dissect\``);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Load run.json and every layer's results.json from `runDir`. Throws RunDirError on bad input. */
export async function loadRun(runDir: string): Promise<LoadedRun> {
  const manifestFile = join(runDir, 'run.json');
  const manifest = await readJson(manifestFile, 'the run manifest run.json');
  check(isObject(manifest) && manifest['schema'] === 'netdissect/run', RunDirError, () =>
    `${manifestFile}: schema is ${JSON.stringify(isObject(manifest) ? manifest['schema'] : typeof manifest)}, expected "netdissect/run"`,
  );
  check(Array.isArray(manifest['layers']) && manifest['layers'].length > 0, RunDirError, () =>
    `${manifestFile}: "layers" must be a non-empty array; the run has no layer to report`,
  );
  const run = manifest as unknown as RunManifest;
  const layers: LoadedLayer[] = [];
  const missing: string[] = [];
  for (const layer of run.layers) {
    check(typeof layer.dir === 'string' && SAFE_DIR.test(layer.dir), RunDirError, () =>
      `${manifestFile}: layer ${JSON.stringify(layer.name)} has folder ${JSON.stringify(layer.dir)}, expected one path segment of letters, digits, '.', '_' or '-'`,
    );
    const file = join(runDir, layer.dir, 'results.json');
    if (run.state !== 'complete') {
      try {
        layers.push({ layer, results: checkResults(await readJson(file, 'layer results'), file) });
      } catch (err) {
        if (!(err instanceof RunDirError) || !err.message.includes('not found')) throw err;
        missing.push(layer.name);
      }
      continue;
    }
    layers.push({ layer, results: checkResults(await readJson(file, 'layer results'), file) });
  }
  check(layers.length > 0, RunDirError, () =>
    `${runDir}: the run is ${run.state} and no layer has results.json yet; wait for \`netdissect dissect\` to finish`,
  );
  return { runDir, manifest: run, layers, missing };
}

/** Check what the report relies on: schema, unit count, map sizes, image indices. */
export function checkResults(value: unknown, file: string): LayerResults {
  check(isObject(value) && value['schema'] === 'netdissect/results', RunDirError, () =>
    `${file}: schema is ${JSON.stringify(isObject(value) ? value['schema'] : typeof value)}, expected "netdissect/results"`,
  );
  const r = value as unknown as LayerResults;
  check(typeof r.version === 'number' && r.version <= RESULTS_SCHEMA_VERSION, RunDirError, () =>
    `${file}: results version ${String(r.version)} is newer than this netdissect reads (${RESULTS_SCHEMA_VERSION}); update netdissect`,
  );
  check(Array.isArray(r.shape) && r.shape.length === 3 && r.shape.every((n) => Number.isInteger(n) && n > 0), RunDirError, () =>
    `${file}: shape ${JSON.stringify(r.shape)}, expected [units, h, w] of positive integers`,
  );
  const [units, h, w] = r.shape;
  check(Array.isArray(r.units) && r.units.length === units, RunDirError, () =>
    `${file}: ${Array.isArray(r.units) ? r.units.length : 'no'} units, expected ${units} (shape[0])`,
  );
  const files = r.dataset?.imageFiles;
  check(Array.isArray(files), RunDirError, () => `${file}: dataset.imageFiles missing; the report needs it to find the photos`);
  for (const u of r.units) {
    check(Array.isArray(u.topImages), RunDirError, () => `${file}: unit ${u.unit} has no topImages array`);
    for (const t of u.topImages) {
      check(Number.isInteger(t.image) && t.image >= 0 && t.image < files.length, RunDirError, () =>
        `${file}: unit ${u.unit} top image ${String(t.image)} is outside dataset.imageFiles (0..${files.length - 1})`,
      );
      check(Array.isArray(t.map) && t.map.length === h * w, RunDirError, () =>
        `${file}: unit ${u.unit} image ${t.image} map has ${Array.isArray(t.map) ? t.map.length : 'no'} values, expected h*w = ${h * w}`,
      );
    }
  }
  return r;
}
