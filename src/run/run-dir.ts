// The run directory: its identity (a digest of every setting that changes the numbers), the lock
// that keeps one dissect per directory, the check that a rerun has the same settings (resume) or
// the removal of the old run (--restart), and run.json, the manifest that says the run's state.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ConceptDataset } from '../dataset/types.js';
import { RunDirError } from '../util/errors.js';
import { describeFsError } from '../util/fs-errors.js';
import { TOOL_VERSION } from '../util/version.js';
import { writeFileAtomic } from './atomic.js';
import { RunLock } from './lock.js';
import type { LayerResults, ResultsSettings } from './results-types.js';
import type { RunLayer, RunManifest } from './run-types.js';
import type { LayerSummary } from './write-outputs.js';

/** Every setting that decides the run's numbers. Two runs with equal identities give equal outputs. */
export interface RunIdentity {
  readonly settings: ResultsSettings;
  readonly layers: readonly string[];
  readonly model: string;
  readonly dataset: string;
  readonly limit: number | null;
}

export function identityDigest(id: RunIdentity): string {
  return createHash('sha256').update(JSON.stringify(id)).digest('hex');
}

export function ortVersion(): string {
  return (ort.env as { versions?: { node?: string; common?: string } }).versions?.node
    ?? (ort.env as { versions?: { common?: string } }).versions?.common ?? 'unknown';
}

/** sha256 over the dataset's identity files (its tables), so a changed dataset refuses to resume. */
export function digestDataset(ds: ConceptDataset): string {
  const h = createHash('sha256');
  for (const f of ds.identityFiles) {
    h.update(f);
    h.update('\0');
    try {
      h.update(readFileSync(path.join(ds.root, f)));
    } catch {
      h.update('(missing)');
    }
  }
  h.update(`images:${ds.images.length}`);
  return h.digest('hex');
}

/** Filesystem-safe folder name for a tensor name (`/layer3/Relu_output_0` → `layer3_Relu_output_0`). */
export function layerDirName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[_.]+|_+$/g, '');
  return safe === '' ? 'layer' : safe;
}

/** Tool versions recorded in run.json and checked by workers. */
export function toolInfo(): RunManifest['tool'] {
  return { name: 'netdissect', version: TOOL_VERSION, onnxruntime: ortVersion(), node: process.version };
}

/**
 * Create and lock the run directory, or check that an existing run has the same settings.
 * Returns 'complete' (without locking) when that run already finished.
 */
export function prepareRunDir(out: string, restart: boolean, id: RunIdentity): RunLock | 'complete' {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new RunDirError(`--out ${out} is a file, not a folder; choose another --out.`);
  try {
    mkdirSync(out, { recursive: true });
  } catch (err) {
    let cause = err;
    // Node's recursive mkdir reports ENOENT for other failures (EROFS, EACCES): ask once more without it.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && existsSync(path.dirname(out))) {
      try { mkdirSync(out); } catch (again) { cause = again; }
    }
    throw new RunDirError(`cannot create the output folder ${out}: ${describeFsError(cause)}; choose another --out.`);
  }
  const lock = RunLock.acquire(out);
  try {
    const runJson = path.join(out, 'run.json');
    if (!existsSync(runJson)) return lock;
    let old: RunManifest | null = null;
    try {
      old = JSON.parse(readFileSync(runJson, 'utf8')) as RunManifest;
    } catch {
      if (!restart) throw new RunDirError(`${runJson} is not a readable run manifest; pass --restart to start the run over, or use another --out.`);
    }
    if (restart) {
      // Remove what the old run wrote, so nothing stale sits beside the new outputs.
      for (const l of old?.layers ?? []) rmSync(path.join(out, path.basename(l.dir)), { recursive: true, force: true });
      for (const f of ['run.json', 'labels.csv', '.cache']) rmSync(path.join(out, f), { recursive: true, force: true });
      return lock;
    }
    const differs: string[] = [];
    const cmp = (name: string, a: unknown, b: unknown): void => {
      if (JSON.stringify(a) !== JSON.stringify(b)) differs.push(`${name} (was ${JSON.stringify(a)}, now ${JSON.stringify(b)})`);
    };
    cmp('model', old!.model?.sha256, id.model);
    cmp('dataset', old!.dataset?.digest, id.dataset);
    cmp('layers', old!.settings?.layers, id.layers);
    const { batch: _b, limit: oldLimit, layers: _l, shards: _s, ...oldSettings } = old!.settings ?? ({} as RunManifest['settings']);
    cmp('limit', oldLimit, id.limit);
    for (const key of Object.keys({ ...oldSettings, ...id.settings }) as (keyof ResultsSettings)[]) {
      cmp(key, (oldSettings as Record<string, unknown>)[key], id.settings[key]);
    }
    if (differs.length > 0) {
      throw new RunDirError(`${out} holds a run with other settings: ${differs.join('; ')}. Pass --restart to replace it, or use another --out.`);
    }
    if (old!.state === 'complete') {
      lock.release();
      return 'complete';
    }
    return lock;
  } catch (err) {
    lock.release();
    throw err;
  }
}

export function writeManifest(out: string, manifest: RunManifest): void {
  writeFileAtomic(path.join(out, 'run.json'), `${JSON.stringify(manifest, null, 1)}\n`);
}

export function readManifest(out: string): RunManifest {
  return JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as RunManifest;
}

/** The per-layer summaries of a finished run, read back from its results. */
export function completedLayers(out: string, layers: readonly RunLayer[]): LayerSummary[] {
  return layers.map((l): LayerSummary => {
    const r = JSON.parse(readFileSync(path.join(out, l.dir, 'results.json'), 'utf8')) as LayerResults;
    const best = r.units.filter((u) => u.detector).sort((a, b) => b.score - a.score || a.unit - b.unit).slice(0, 10)
      .map((u) => ({ unit: u.unit, name: u.name, category: u.category, score: u.score }));
    return { layer: l.name, dir: l.dir, shape: l.shape, stats: r.stats, best, warnings: r.warnings ?? [], ...(r.saturationHint !== undefined ? { saturationHint: r.saturationHint } : {}) };
  });
}
