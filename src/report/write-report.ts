// Write the report of a run directory: report/index.html (static, readable without JavaScript),
// report/data.js (the data for the viewer: units, maps, ground truth), report/viewer.js (the
// bundled viewer), the shown photos once each under report/photos/, copies of each layer's
// tally.csv and results.json under report/layers/, and with --all-strips every unit's JPEG
// strips under report/units/. The public entry point for `report` and `dissect --report`.
import { copyFile, mkdir, rm, stat, writeFile, rename } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { DatasetError, NetDissectError, UsageError, check } from '../util/errors.js';
import { buildReportData, tileSizes } from './build-data.js';
import { DEFAULT_DIM } from './composite.js';
import type { GroundTruth } from './ground-truth.js';
import { outlineKey } from './ground-truth.js';
import { runLengths } from './pack.js';
import { planPhotos, writePhotoSheets } from './photo-sheets.js';
import type { ReportTruth } from './report-data.js';
import { scriptSafeJson } from './escape.js';
import { renderIndexHtml } from './html.js';
import { openGroundTruth } from './ground-truth.js';
import { loadRun } from './load-run.js';
import { PhotoCache } from './photo-cache.js';
import { writeStrips } from './strips.js';

export interface WriteReportOptions {
  /** Report folder; default RUN_DIR/report. */
  readonly outDir?: string;
  /** Images per unit strip; default 10 (at most what results.json stores). */
  readonly topK?: number;
  /** Dataset root holding the photos; default run.json's dataset.root. */
  readonly datasetRoot?: string;
  /** Unit strips encoded at once by sharp's threads; default the number of CPUs, from 2 to 16. */
  readonly encoders?: number;
  /** Memory for decoded photos shared across units; default 512 MiB. */
  readonly photoCacheBytes?: number;
  /** Outline each unit's concept's ground truth in the large strips (needs the dataset's
   *  labels, reopened from run.json); default true, skipped with a note when unavailable. */
  readonly groundTruth?: boolean;
  /** Also write every unit's two JPEG strips (report/units/), so the static page shows images
   *  without JavaScript and the strips can be used as files; default false (the viewer draws
   *  the tiles from the photo sheets and the maps). */
  readonly allStrips?: boolean;
  /** Brightness kept outside a unit's mask in the grid tiles, 0 to 1; default 0.5 (NetDissect: 0.2). */
  readonly dim?: number;
  /** Progress messages (the CLI prints them to stderr); default silent. */
  readonly log?: (message: string) => void;
}

export const DEFAULT_TOP_K = 10;

/** Where the build puts the viewer bundle: dist/viewer/viewer.js, beside dist/src/. */
export function viewerBundlePath(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../viewer/viewer.js');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Write `text` through a temporary file so a reader never sees half a file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

export async function writeReport(runDir: string, options: WriteReportOptions = {}): Promise<{ indexPath: string; seconds: number }> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const topK = options.topK ?? DEFAULT_TOP_K;
  check(Number.isInteger(topK) && topK >= 1 && topK <= 100, UsageError, () => `--top-k ${topK}: expected an integer from 1 to 100`);
  const dim = options.dim ?? DEFAULT_DIM;
  check(Number.isFinite(dim) && dim >= 0 && dim <= 1, UsageError, () => `--dim ${dim}: expected a number from 0 to 1 (NetDissect's is 0.2)`);
  const allStrips = options.allStrips ?? false;
  const bundle = viewerBundlePath();
  check(await exists(bundle), NetDissectError, () => `viewer bundle not found at ${bundle}; build it with \`npm run build\``);

  const run = await loadRun(runDir);
  for (const name of run.missing) log(`layer ${name}: no results.json yet (run is ${run.manifest.state}); left out of the report`);
  const datasetRoot = await findDatasetRoot(runDir, options.datasetRoot ?? run.manifest.dataset.root, options.datasetRoot !== undefined);
  const outDir = resolve(options.outDir ?? join(runDir, 'report'));
  await mkdir(outDir, { recursive: true });

  const stored = run.layers.reduce((m, l) => l.results.units.reduce((n, u) => Math.max(n, u.topImages.length), m), 0);
  const shown = Math.min(topK, Math.max(stored, 1));
  if (shown < topK) log(`results.json stores ${stored} top images per unit; showing ${shown}, not ${topK}`);
  const gt =
    options.groundTruth === false
      ? { truth: null, note: 'turned off (--no-ground-truth)' }
      : await openGroundTruth(run.manifest, run.layers.map((l) => l.results), datasetRoot);
  log(`report: ground truth ${gt.truth ? gt.note : `not shown: ${gt.note}`}`);

  const stripLayers = run.layers.map(({ layer, results }) => ({
    dir: layer.dir,
    h: results.shape[1],
    w: results.shape[2],
    units: results.units,
    imageFiles: results.dataset.imageFiles,
  }));
  const tiles = tileSizes(run.manifest.settings.preprocess.inputSize);
  const photoRoot = await findPhotoRoot(datasetRoot, run.layers[0]?.results.dataset.imageFiles ?? []);
  const cache = new PhotoCache(photoRoot, tiles.small, tiles.large, options.photoCacheBytes ?? 512 * 2 ** 20, dim);
  const total = stripLayers.reduce((n, l) => n + l.units.length, 0);
  const plan = planPhotos(stripLayers, shown);
  // Folders this writer owns: what an earlier report left there must not linger (old sheets,
  // or strips of a report written with --all-strips).
  await rm(join(outDir, 'photos'), { recursive: true, force: true });
  if (!allStrips) await rm(join(outDir, 'units'), { recursive: true, force: true });
  let lastLog = 0;
  // libvips' operation cache only costs here: no pipeline is ever repeated (every photo and
  // strip is a new input). Off while the images are written, then restored.
  const vipsCache = sharp.cache();
  sharp.cache(false);
  let photos;
  try {
    photos = await writePhotoSheets(plan, cache, tiles.large, outDir);
    log(`report: ${plan.images.length} photos in ${photos.sheets.length} sheet${photos.sheets.length === 1 ? '' : 's'}`);
    if (allStrips) {
      await writeStrips(stripLayers, {
        outDir,
        topK: shown,
        small: tiles.small,
        large: tiles.large,
        cache,
        truth: gt.truth,
        encoders: options.encoders ?? Math.max(2, Math.min(16, availableParallelism())),
        onProgress: (done) => {
          const now = performance.now();
          if (now - lastLog > 2000 || done === total) {
            lastLog = now;
            log(`report: unit strips ${done}/${total}`);
          }
        },
      });
    }
  } finally {
    sharp.cache({ memory: vipsCache.memory.max, files: vipsCache.files.max, items: vipsCache.items.max });
  }
  const truths = gt.truth ? await truthTable(gt.truth, truthNeeds(stripLayers, shown)) : {};
  const files = await copyLayerFiles(runDir, run.layers.map((l) => l.layer.dir), outDir);
  const data = buildReportData(run, new Date(), {
    topK: shown,
    dim,
    photos,
    photoIndex: plan.index,
    truths,
    groundTruth: { shown: gt.truth !== null, note: gt.note },
    strips: allStrips,
    files,
  });

  await writeAtomic(join(outDir, 'data.js'), `window.__NETDISSECT__ = ${scriptSafeJson(data)};\n`);
  await copyFile(bundle, join(outDir, 'viewer.js'));
  const indexPath = join(outDir, 'index.html');
  await writeAtomic(indexPath, renderIndexHtml(data)); // last: its presence means the report is whole
  const seconds = (performance.now() - started) / 1000;
  log(`report: ${total} units, ${cache.decoded} photos decoded, ${seconds.toFixed(1)} s`);
  return { indexPath, seconds };
}

/** The labels whose ground truth each shown image needs: image → best labels of its units, and
 *  the labels of their formulas (the viewer outlines a formula's mask too). */
function truthNeeds(
  layers: readonly { readonly units: readonly { readonly label: number; readonly formula?: { readonly labels: readonly number[] }; readonly topImages: readonly { readonly image: number }[] }[] }[],
  topK: number,
): Map<number, Set<number>> {
  const needs = new Map<number, Set<number>>();
  for (const layer of layers) {
    for (const unit of layer.units) {
      const wanted = [...(unit.label > 0 ? [unit.label] : []), ...(unit.formula?.labels ?? [])];
      if (wanted.length === 0) continue;
      for (const t of unit.topImages.slice(0, topK)) {
        let labels = needs.get(t.image);
        if (!labels) needs.set(t.image, (labels = new Set()));
        for (const l of wanted) labels.add(l);
      }
    }
  }
  return needs;
}

/** The ground truth the viewer outlines, at label resolution, keyed `${image}:${label}`. */
async function truthTable(truth: GroundTruth, needs: Map<number, Set<number>>): Promise<Record<string, ReportTruth>> {
  const masks = await truth.masks(needs);
  const out: Record<string, ReportTruth> = {};
  for (const [image, labels] of needs) {
    for (const label of labels) {
      const m = masks.get(outlineKey(image, label));
      if (m) out[`${image}:${label}`] = m.mask === 'full' ? 'full' : { h: m.h, w: m.w, runs: runLengths(m.mask) };
    }
  }
  return out;
}

/** Copy each layer's tally.csv and results.json into OUT/layers/<dir>/: a report folder sent
 *  alone still carries the numbers. Returns report-relative paths (null: not in the run). */
async function copyLayerFiles(runDir: string, dirs: readonly string[], outDir: string): Promise<Map<string, { tally: string | null; results: string | null }>> {
  const out = new Map<string, { tally: string | null; results: string | null }>();
  for (const dir of dirs) {
    await mkdir(join(outDir, 'layers', dir), { recursive: true });
    const copy = async (name: string): Promise<string | null> => {
      const from = join(runDir, dir, name);
      if (!(await exists(from))) return null;
      await copyFile(from, join(outDir, 'layers', dir, name));
      return `layers/${dir}/${name}`;
    };
    out.set(dir, { tally: await copy('tally.csv'), results: await copy('results.json') });
  }
  return out;
}

/**
 * The folder that imageFiles are relative to: the dataset root, or its images/ folder (the
 * Broden reader records paths as index.csv has them, relative to images/).
 */
async function findPhotoRoot(datasetRoot: string, imageFiles: readonly string[]): Promise<string> {
  const probe = imageFiles[0];
  if (probe === undefined) return datasetRoot;
  for (const base of [datasetRoot, join(datasetRoot, 'images')]) if (await exists(join(base, probe))) return base;
  return datasetRoot; // the photo cache then names the missing file
}

/** The dataset root as given, else relative to the run directory (a run moved with its data). */
async function findDatasetRoot(runDir: string, root: string, explicit: boolean): Promise<string> {
  const candidates = explicit || root.startsWith('/') ? [resolve(root)] : [resolve(root), resolve(runDir, root)];
  for (const c of candidates) if (await exists(c)) return c;
  throw new DatasetError(
    `dataset root ${candidates.join(' or ')} not found (${explicit ? '--dataset' : `dataset.root in ${join(runDir, 'run.json')}`}); the report needs the photos: pass --dataset DIR`,
  );
}
