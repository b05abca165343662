// One way to name and open a dataset (a DatasetSpec), shared by `dissect`, `dataset
// info|validate|convert`, workers and the report: the same format detection, the same wrappers
// (automatic colour). The command-line flags that build a spec live in src/cli/dataset-options.ts.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, DatasetError } from '../util/errors.js';
import { openAde20k } from './ade20k/ade20k.js';
import { COLOR_CATEGORY, withAutoColor } from './auto-color.js';
import { openBroden } from './broden/reader.js';
import { readManifest, type DatasetFormat, type Manifest } from './manifest.js';
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

/** "112" or "112,112" or "90x120" → [h, w]. */
export function parseLabelSize(text: string): [number, number] {
  const parts = text.split(/[,x×]/).map((p) => p.trim());
  const nums = parts.map(Number);
  const ok = (parts.length === 1 || parts.length === 2) && nums.every((n) => Number.isInteger(n) && n >= 1 && n <= 4096);
  if (!ok) throw new UsageError(`--label-size ${text}: expected H,W (or one number for both), integers 1..4096, e.g. 112,112`);
  return [nums[0]!, nums[nums.length - 1]!];
}
