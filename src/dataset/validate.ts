// `dataset validate`: open the dataset collecting every structural problem, then read every photo
// and every label map, so one run lists all that is wrong (not just the first).
import { formatProblem, type DatasetProblem } from './problems.js';
import { openDataset, resolveSpec, type DatasetSpec } from './open.js';
import { validateBroden } from './validate-broden.js';
import { forEachOrdered } from './ordered.js';
import { NetDissectError } from '../util/errors.js';
import type { ConceptDataset } from './types.js';

export interface ValidationResult {
  readonly images: number;
  readonly problems: readonly DatasetProblem[];
}

/** Check everything; `progress(done, total)` is called after each image. */
export async function validateDataset(spec: DatasetSpec, progress?: (done: number, total: number) => void): Promise<ValidationResult> {
  const problems: DatasetProblem[] = [];
  const resolved = await resolveSpec(spec);
  if (resolved.format === 'broden') {
    // The reader stops at the first error; this check goes through every row and file.
    const images = await validateBroden(resolved.dataset!, problems, progress);
    if (problems.some((p) => p.severity === 'error')) return { images, problems };
    try {
      await openDataset(spec);
    } catch (err) {
      if (!(err instanceof NetDissectError)) throw err;
      problems.push({ severity: 'error', file: resolved.dataset!, message: err.message });
    }
    return { images, problems };
  }
  let ds: ConceptDataset;
  try {
    ds = await openDataset(spec, problems);
  } catch (err) {
    if (!(err instanceof NetDissectError)) throw err;
    problems.push({ severity: 'error', file: spec.dataset ?? spec.images ?? '', message: err.message });
    return { images: 0, problems };
  }
  // Each image's problems are gathered by its own task and appended in index order.
  await forEachOrdered(
    ds.images.length,
    8,
    async (i) => {
      const found: DatasetProblem[] = [];
      const file = ds.images[i]!.file;
      for (const read of [() => ds.readImage(i), () => checkLabels(i, found)]) {
        try {
          await read();
        } catch (err) {
          if (!(err instanceof NetDissectError)) throw err;
          found.push({ severity: 'error', file, message: err.message });
        }
      }
      return found;
    },
    (i, found) => {
      problems.push(...found);
      progress?.(i + 1, ds.images.length);
    },
  );
  return { images: ds.images.length, problems };

  async function checkLabels(index: number, problems: DatasetProblem[]): Promise<void> {
    const rec = ds.images[index]!;
    const labels = await ds.readLabels(index);
    for (const [cat, ann] of labels.byCategory) {
      ann.maps.forEach((map, channel) => {
        if (map.length !== rec.sh * rec.sw) {
          problems.push({ severity: 'error', file: rec.file, message: `${cat} map ${channel + 1} has ${map.length} pixels, expected sh*sw = ${rec.sh}*${rec.sw}` });
          return;
        }
        for (let i = 0; i < map.length; i++) {
          const v = map[i]!;
          if (v !== 0 && !ds.labels[v]?.categories.includes(cat)) {
            problems.push({ severity: 'error', file: rec.file, message: `${cat} map ${channel + 1}: label ${v} at pixel (${i % rec.sw}, ${Math.floor(i / rec.sw)}) is not a ${cat} label of the dataset` });
            return;
          }
        }
      });
      for (const n of ann.imageLabels) {
        if (!ds.labels[n]?.categories.includes(cat)) {
          problems.push({ severity: 'error', file: rec.file, message: `image-level label ${n} is not a ${cat} label of the dataset` });
        }
      }
    }
  }
}

export { formatProblem };
