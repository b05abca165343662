// Dataset manifest: a small JSON file naming a dataset's parts, so a segfolder or ADE20K dataset
// can be passed as one path (`--dataset camvid.json`). Paths inside are relative to the manifest.
//
//   { "format": "segfolder", "images": "train", "labels": "trainannot",
//     "classes": "classes.txt", "ignore": 11, "category": "object" }
//   { "format": "ade20k", "images": "ADE20K_2021_17_01/images/ADE/training" }
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from '../util/errors.js';

export type DatasetFormat = 'broden' | 'segfolder' | 'ade20k';
export const DATASET_FORMATS: readonly DatasetFormat[] = ['broden', 'segfolder', 'ade20k'];

export interface Manifest {
  readonly format?: DatasetFormat;
  readonly images?: string;
  readonly labels?: string;
  readonly classes?: string;
  readonly ignore?: number;
  readonly category?: string;
}

const KEYS: Record<keyof Manifest, 'string' | 'number'> = {
  format: 'string',
  images: 'string',
  labels: 'string',
  classes: 'string',
  ignore: 'number',
  category: 'string',
};

/** Read a manifest; paths come back resolved against the manifest's folder. */
export async function readManifest(file: string): Promise<Manifest> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new DatasetError(`${file}: cannot read the dataset manifest: ${(err as Error).message}`);
  }
  return parseManifest(json, file);
}

export function parseManifest(json: unknown, file: string): Manifest {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DatasetError(`${file}: a dataset manifest is a JSON object like {"images": "train", "labels": "trainannot", "classes": "classes.txt"}`);
  }
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(json)) {
    const type = KEYS[key as keyof Manifest];
    if (!type) throw new DatasetError(`${file}: unknown manifest key '${key}'; known keys: ${Object.keys(KEYS).join(', ')}`);
    if (typeof value !== type || (type === 'number' && !Number.isInteger(value))) {
      throw new DatasetError(`${file}: manifest key '${key}' must be ${type === 'number' ? 'an integer' : 'a string'}, got ${JSON.stringify(value)}`);
    }
    out[key] = value as string | number;
  }
  if (out['format'] !== undefined && !DATASET_FORMATS.includes(out['format'] as DatasetFormat)) {
    throw new DatasetError(`${file}: manifest format '${out['format']}' is not one of ${DATASET_FORMATS.join(', ')}`);
  }
  const dir = path.dirname(file);
  for (const key of ['images', 'labels', 'classes'] as const) {
    if (typeof out[key] === 'string') out[key] = path.resolve(dir, out[key]);
  }
  return out as Manifest;
}
