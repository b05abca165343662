// The dataset flags every dataset-reading command shares, and their parsing into a DatasetSpec.
import { Option, type Command } from 'commander';
import { parseLabelSize, type DatasetSpec } from '../dataset/open.js';
import { DATASET_FORMATS, type DatasetFormat } from '../dataset/manifest.js';
import { UsageError } from '../util/errors.js';

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
