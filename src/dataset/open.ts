// One way to name and open a dataset, shared by `dissect` and `dataset info|validate|convert`:
// the same flags, the same format detection, the same wrappers (automatic colour).
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError, DatasetError } from '../util/errors.js';
import { openAde20k } from './ade20k/ade20k.js';
import { COLOR_CATEGORY, withAutoColor } from './auto-color.js';
import { openBroden } from './broden/reader.js';
import { DATASET_FORMATS, readManifest, type DatasetFormat, type Manifest } from './manifest.js';
import type { DatasetProblem } from './problems.js';
import { openSegFolder } from './segfolder/segfolder.js';
import type { ConceptDataset } from './types.js';

/** Half of a 224×224 model input, as Broden's 112×112 label maps. `dissect` passes its own. */
export const DEFAULT_LABEL_SIZE: readonly [number, number] = [112, 112];

export interface DatasetSpec {
  /** Broden directory, ADE20K folder, or a manifest `.json` (segfolder or ade20k). */
  dataset?: string;
  /** segfolder: photo folder (ade20k: the folder to search). */
  images?: string;
  /** segfolder: label PNG folder. */
  labels?: string;
  /** segfolder: class-name file (line k+1 = class id k). */
  classes?: string;
  /** segfolder: class id meaning "no label". */
  ignore?: number;
  /** segfolder: the category of its labels (default object). */
  category?: string;
  /** Format; detected from the folder contents when absent. */
  format?: DatasetFormat;
  /** Add the automatic `color` category (first). */
  autoColor?: boolean;
  /** Categories to keep (default all). */
  categories?: string[];
  /** Working label resolution [h, w] for formats that resize label maps (not Broden). */
  labelSize?: [number, number];
}

/**
 * Open the dataset `spec` names. With `problems`, format adapters that can go on past a problem
 * (segfolder, ade20k) record every one there instead of throwing at the first.
 */
export async function openDataset(spec: DatasetSpec, problems?: DatasetProblem[]): Promise<ConceptDataset> {
  const s = await resolveSpec(spec);
  const labelSize = s.labelSize ?? DEFAULT_LABEL_SIZE;
  const wanted = s.categories?.filter((c) => !(s.autoColor && c === COLOR_CATEGORY));
  const baseCategories = wanted && wanted.length > 0 ? wanted : undefined;
  let ds: ConceptDataset;
  switch (s.format) {
    case 'broden':
      ds = await openBroden(s.dataset!, baseCategories ? { categories: baseCategories } : {});
      break;
    case 'ade20k':
      ds = await openAde20k({ dir: s.images ?? s.dataset!, labelSize, ...(baseCategories ? { categories: baseCategories } : {}) }, problems);
      break;
    case 'segfolder': {
      const category = s.category ?? 'object';
      if (baseCategories && !baseCategories.includes(category)) {
        throw new UsageError(`--categories ${baseCategories.join(',')}: this dataset has only '${category}'${s.autoColor ? ` (and ${COLOR_CATEGORY})` : ''}`);
      }
      ds = await openSegFolder(
        {
          images: s.images!,
          labels: s.labels!,
          classes: s.classes!,
          category,
          labelSize,
          ...(s.ignore !== undefined ? { ignore: s.ignore } : {}),
          ...(s.manifest ? { root: path.dirname(s.manifest), identityFiles: [path.basename(s.manifest)] } : {}),
        },
        problems,
      );
      break;
    }
  }
  return s.autoColor ? withAutoColor(ds) : ds;
}

interface ResolvedSpec extends DatasetSpec {
  format: DatasetFormat;
  manifest?: string;
}

/** Fill the spec from a manifest, detect the format, and check the fields the format needs. */
export async function resolveSpec(spec: DatasetSpec): Promise<ResolvedSpec> {
  const out: ResolvedSpec = { ...spec, format: spec.format ?? 'segfolder' };
  if (spec.dataset !== undefined) {
    const kind = await stat(spec.dataset).then(
      (st) => (st.isDirectory() ? 'dir' : 'file'),
      () => undefined,
    );
    if (kind === undefined) throw new UsageError(`--dataset ${spec.dataset}: no such file or folder`);
    if (kind === 'file') {
      const m: Manifest = await readManifest(spec.dataset);
      out.manifest = spec.dataset;
      for (const key of ['images', 'labels', 'classes', 'ignore', 'category'] as const) {
        if (out[key] === undefined && m[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = m[key];
      }
      out.format = spec.format ?? m.format ?? (m.labels !== undefined ? 'segfolder' : 'ade20k');
      if (out.format === 'broden') throw new UsageError(`${spec.dataset}: a Broden dataset is a folder; pass the folder, not a manifest`);
    } else {
      out.format = spec.format ?? (await detectFormat(spec.dataset));
    }
  } else if (spec.images === undefined) {
    throw new UsageError('no dataset given; pass --dataset DIR|MANIFEST.json, or --images DIR --labels DIR --classes FILE');
  }
  if (out.format === 'segfolder') {
    const missing = (['images', 'labels', 'classes'] as const).filter((k) => out[k] === undefined);
    if (missing.length > 0) {
      throw new UsageError(`an image + label-PNG folder needs ${missing.map((k) => `--${k}`).join(', ')} (or the same keys in a manifest)`);
    }
  }
  return out;
}

/** Broden has index.csv; ADE20K has X_seg.png files (searched recursively). */
export async function detectFormat(dir: string): Promise<DatasetFormat> {
  const entries = await readdir(dir, { recursive: true }).catch((err: Error) => {
    throw new DatasetError(`${dir}: cannot list the folder: ${err.message}`);
  });
  const names = entries.map(String);
  if (names.includes('index.csv')) return 'broden';
  // Broden's other tables without its index: the likely mistake is a lost or misnamed index.csv.
  if (names.includes('label.csv') && names.includes('category.csv')) {
    throw new DatasetError(`${path.join(dir, 'index.csv')}: file not found; a Broden dataset needs index.csv beside label.csv and category.csv. Is the dataset complete?`);
  }
  if (names.some((n) => n.endsWith('_seg.png'))) return 'ade20k';
  throw new UsageError(
    `${dir}: cannot tell the dataset format (no index.csv for Broden, no *_seg.png for ADE20K); ` +
      'pass --images DIR --labels DIR --classes FILE for an image + label-PNG folder, or --format',
  );
}

/** The dataset flags every dataset-reading command shares. */
export function addDatasetOptions(cmd: Command): Command {
  return cmd
    .option('--dataset <path>', 'Broden folder, ADE20K folder, or a dataset manifest (.json) for the formats below')
    .addOption(new Option('--format <name>', 'dataset format (default: detected from the folder)').choices([...DATASET_FORMATS]))
    .option('--images <dir>', 'image + label-PNG folders: the photos (jpg, png, ...); ADE20K: the folder to search')
    .option('--labels <dir>', 'image + label-PNG folders: one label PNG per photo, same base name, class id per pixel')
    .option('--classes <file>', 'image + label-PNG folders: class names, one a line; line k+1 names class id k')
    .option('--ignore <id>', 'image + label-PNG folders: the class id meaning "no label" (e.g. 11 for CamVid)')
    .option('--category <name>', 'image + label-PNG folders: the category of the labels (default: object)')
    .option('--categories <list>', 'comma-separated categories to use (default: all)')
    .option('--auto-color', 'add a "color" category labelled from the photos (11 colour names, see docs/datasets.md)')
    .option('--label-size <h,w>', 'label resolution for formats whose label maps are resized (not Broden); default: half the model input, 112,112 without a model');
}

/** Parsed commander options of addDatasetOptions → DatasetSpec (UsageError on bad values). */
export function datasetSpecFromOptions(opts: Record<string, unknown>, positional?: string): DatasetSpec {
  const str = (k: string): string | undefined => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);
  const spec: DatasetSpec = {};
  const dataset = positional ?? str('dataset');
  if (positional !== undefined && str('dataset') !== undefined && str('dataset') !== positional) {
    throw new UsageError(`two datasets given (${positional} and --dataset ${str('dataset')}); pass one`);
  }
  if (dataset !== undefined) spec.dataset = dataset;
  for (const k of ['images', 'labels', 'classes'] as const) {
    const v = str(k);
    if (v !== undefined) spec[k] = v;
  }
  if (spec.dataset !== undefined && (spec.labels !== undefined || spec.classes !== undefined)) {
    throw new UsageError('pass either a dataset (DIR or --dataset) or --images/--labels/--classes, not both');
  }
  const format = str('format');
  if (format !== undefined) spec.format = format as DatasetFormat;
  const ignore = str('ignore');
  if (ignore !== undefined) {
    if (!/^\d+$/.test(ignore) || Number(ignore) > 65535) throw new UsageError(`--ignore ${ignore}: expected a class id, an integer 0..65535`);
    spec.ignore = Number(ignore);
  }
  const category = str('category');
  if (category !== undefined) spec.category = category;
  // A string, or a list when a command collects repeated --categories flags.
  const raw = opts['categories'];
  const categories = typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.map(String).join(',') : undefined;
  if (categories !== undefined) {
    const list = categories.split(',').map((c) => c.trim()).filter((c) => c !== '');
    if (list.length === 0) throw new UsageError(`--categories '${categories}': expected a comma-separated list such as object,part`);
    spec.categories = list;
  }
  if (opts['autoColor'] === true) spec.autoColor = true;
  const size = str('labelSize');
  if (size !== undefined) spec.labelSize = parseLabelSize(size);
  return spec;
}

/** "112" or "112,112" or "90x120" → [h, w]. */
export function parseLabelSize(text: string): [number, number] {
  const parts = text.split(/[,x×]/).map((p) => p.trim());
  const nums = parts.map(Number);
  const ok = (parts.length === 1 || parts.length === 2) && nums.every((n) => Number.isInteger(n) && n >= 1 && n <= 4096);
  if (!ok) throw new UsageError(`--label-size ${text}: expected H,W (or one number for both), integers 1..4096, e.g. 112,112`);
  return [nums[0]!, nums[nums.length - 1]!];
}
