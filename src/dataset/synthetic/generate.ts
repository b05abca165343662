// Generates the synthetic Broden-format dataset (docs/synthetic-dataset.md): deterministic for
// given options (same options, byte-identical files), written atomically (a temporary sibling
// folder renamed into place), refusing to replace a non-empty folder unless forced.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError, check } from '../../util/errors.js';
import { SharedNameBalance } from './balance.js';
import { BrodenWriter, type PhotoFormat } from './broden-writer.js';
import { labelSize, SYNTHETIC_LABELS } from './plan.js';
import { rasterize } from './raster.js';
import { buildScene } from './scene.js';

export interface SyntheticOptions {
  /** Rows of index.csv (including the ~2 % rows without data). */
  images: number;
  /** Output folder (created; must not exist or be empty unless `force`). */
  out: string;
  seed: number;
  /** Photo size in pixels (square); label maps are floor(size / 2). */
  size: number;
  format: PhotoFormat;
  /** Replace a non-empty `out`. */
  force?: boolean;
  /** Called after each image (for progress messages). */
  onProgress?: (done: number, total: number) => void;
}

export interface SyntheticSummary {
  /** Rows written to index.csv. */
  images: number;
  /** Rows of label.csv. */
  labels: number;
  /** Files written (photos, label PNGs, CSVs, synthetic.json). */
  files: number;
  /** Rows with no data in any category (a reader drops them). */
  emptyRows: number;
}

export const MAX_IMAGES = 1_000_000;
export const MIN_SIZE = 16;
export const MAX_SIZE = 2048;

/** Writes that may be in flight at once (photo encoding runs on sharp's threads meanwhile). */
const IN_FLIGHT = 8;

function validate(o: SyntheticOptions): void {
  check(Number.isInteger(o.images) && o.images >= 1 && o.images <= MAX_IMAGES, UsageError,
    () => `--images must be an integer from 1 to ${MAX_IMAGES}, got ${o.images}`);
  check(Number.isInteger(o.size) && o.size >= MIN_SIZE && o.size <= MAX_SIZE, UsageError,
    () => `--size must be an integer from ${MIN_SIZE} to ${MAX_SIZE} pixels, got ${o.size}`);
  check(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff, UsageError,
    () => `--seed must be an integer from 0 to 4294967295, got ${o.seed}`);
  check(o.format === 'jpeg' || o.format === 'png', UsageError,
    () => `photo format must be jpeg or png, got ${String(o.format)}`);
  check(o.out.length > 0, UsageError, () => '--out must name a folder');
}

/** Refuse an existing output that is a file, or a non-empty folder without force. */
function checkTarget(out: string, force: boolean): void {
  if (!existsSync(out)) return;
  check(statSync(out).isDirectory(), UsageError,
    () => `--out ${out} exists and is not a folder; choose another path`);
  check(force || readdirSync(out).length === 0, UsageError,
    () => `--out ${out} exists and is not empty; pass --force to replace it, or choose another folder`);
}

/** Draw and write every image, then the CSVs, into `root`. */
async function writeAll(root: string, o: SyntheticOptions): Promise<BrodenWriter> {
  const sh = labelSize(o.size);
  const writer = new BrodenWriter(root, o.size, sh, o.format);
  const balance = new SharedNameBalance();
  const pending = new Set<Promise<void>>();
  for (let i = 0; i < o.images; i++) {
    const spec = buildScene(o.seed, i);
    const noiseSeed = (o.seed ^ Math.imul(i + 1, 0x2545f491)) >>> 0;
    let raster = rasterize(spec.layers, o.size, sh, noiseSeed);
    if (spec.empty === 'no') {
      const drop = balance.excess(raster);
      if (drop.length > 0) {
        spec.layers = spec.layers.filter((l) => l.tag === undefined || !drop.includes(l.tag));
        raster = rasterize(spec.layers, o.size, sh, noiseSeed);
      }
      balance.add(raster);
    }
    const p = writer.addImage(spec, raster);
    pending.add(p);
    p.then(() => pending.delete(p), () => pending.delete(p));
    if (pending.size >= IN_FLIGHT) await Promise.race(pending);
    o.onProgress?.(i + 1, o.images);
  }
  await Promise.all(pending);
  await writer.finish();
  return writer;
}

/**
 * Generate the dataset into `options.out`. Same options (seed, images, size, format) give
 * byte-identical files; the first MIN_IMAGES_FOR_ALL_QUIRKS images contain every quirk.
 */
export async function generateSyntheticBroden(options: SyntheticOptions): Promise<SyntheticSummary> {
  validate(options);
  const out = path.resolve(options.out);
  checkTarget(out, options.force === true);
  mkdirSync(path.dirname(out), { recursive: true });
  const suffix = randomBytes(4).toString('hex');
  const tmp = `${out}.tmp-${suffix}`;
  mkdirSync(tmp);
  let writer: BrodenWriter;
  try {
    writer = await writeAll(tmp, options);
    const manifest = {
      generator: 'netdissect make-dataset synthetic',
      seed: options.seed,
      images: options.images,
      size: options.size,
      labelSize: labelSize(options.size),
      format: options.format,
    };
    writeFileSync(path.join(tmp, 'synthetic.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writer.files++;
    // Put the finished folder in place; an old one (empty, or forced) is moved aside first,
    // because rename cannot replace a non-empty folder. Checked again: it may have changed.
    checkTarget(out, options.force === true);
    if (existsSync(out)) {
      const old = `${out}.old-${suffix}`;
      renameSync(out, old);
      try {
        renameSync(tmp, out);
      } catch (err) {
        renameSync(old, out);
        throw err;
      }
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, out);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { images: options.images, labels: SYNTHETIC_LABELS.length, files: writer.files, emptyRows: writer.emptyRows };
}
