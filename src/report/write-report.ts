// Write the report of a run directory: report/index.html (static, readable without JavaScript),
// report/data.js (the data for the viewer), report/viewer.js (the bundled viewer) and the unit
// strips under report/units/. The public entry point for `report` and `dissect --report`.
import { copyFile, mkdir, stat, writeFile, rename } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { DatasetError, NetDissectError, UsageError, check } from '../util/errors.js';
import { buildReportData } from './build-data.js';
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
  const data = buildReportData(run, shown, new Date(), { shown: gt.truth !== null, note: gt.note });

  const photoRoot = await findPhotoRoot(datasetRoot, run.layers[0]?.results.dataset.imageFiles ?? []);
  const cache = new PhotoCache(photoRoot, data.tiles.small, data.tiles.large, options.photoCacheBytes ?? 512 * 2 ** 20);
  const total = data.layers.reduce((n, l) => n + l.units.length, 0);
  let lastLog = 0;
  // libvips' operation cache only costs here: no pipeline is ever repeated (every photo and
  // strip is a new input). Off while the strips are written, then restored.
  const vipsCache = sharp.cache();
  sharp.cache(false);
  try {
    await writeStrips(
      run.layers.map(({ layer, results }) => ({
        dir: layer.dir,
        h: results.shape[1],
        w: results.shape[2],
        units: results.units,
        imageFiles: results.dataset.imageFiles,
      })),
      {
        outDir,
        topK: shown,
        small: data.tiles.small,
        large: data.tiles.large,
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
      },
    );
  } finally {
    sharp.cache({ memory: vipsCache.memory.max, files: vipsCache.files.max, items: vipsCache.items.max });
  }

  await writeAtomic(join(outDir, 'data.js'), `window.__NETDISSECT__ = ${scriptSafeJson(data)};\n`);
  await copyFile(bundle, join(outDir, 'viewer.js'));
  const indexPath = join(outDir, 'index.html');
  await writeAtomic(indexPath, renderIndexHtml(data)); // last: its presence means the report is whole
  const seconds = (performance.now() - started) / 1000;
  log(`report: ${total} units, ${cache.decoded} photos decoded, ${seconds.toFixed(1)} s`);
  return { indexPath, seconds };
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
