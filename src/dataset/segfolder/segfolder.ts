// Adapter for image + label-PNG folders (CamVid, PASCAL-VOC-like sets): photos in one folder,
// one label PNG per photo (same base name) in another, class id per pixel, names in a text file.
// Label numbers: class id k is label k + 1 (0 stays "no label"); the ignore id is unlabelled.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { decodeRgb } from '../decode-image.js';
import { decodeLabelPng } from '../decode-label-png.js';
import { resizeNearest } from '../nearest.js';
import { report, type DatasetProblem } from '../problems.js';
import type { CategoryAnnotation, ConceptDataset, ConceptLabel, ImageLabels, ImageRecord, RgbImage } from '../types.js';
import { DatasetError } from '../../util/errors.js';
import { readClasses } from './classes.js';

export interface SegFolderOptions {
  /** Folder of photos (jpg, jpeg, png, bmp, webp, tif, tiff). */
  readonly images: string;
  /** Folder of label PNGs named like the photos with the extension `.png`. */
  readonly labels: string;
  /** Class-name file: line k+1 names class id k. */
  readonly classes: string;
  /** Class id that means "no label" (CamVid: 11). */
  readonly ignore?: number;
  /** The one category of these labels (default 'object'). */
  readonly category?: string;
  /** Working label resolution [h, w]: label maps are resized to it by nearest neighbour. */
  readonly labelSize: readonly [number, number];
  /** Directory files are named relative to (default: the common parent of images and labels). */
  readonly root?: string;
  /** Extra identity files (e.g. the manifest), relative to root. */
  readonly identityFiles?: readonly string[];
}

const PHOTO = /\.(jpe?g|png|bmp|webp|tiff?)$/i;

interface Pair {
  readonly photo: string;
  readonly label: string;
}

/**
 * Open an image + label-PNG folder. Reads the folder listings and class names, not the images.
 * With `problems`, every problem is collected there and bad pairs are skipped; without, the
 * first error throws DatasetError.
 */
export async function openSegFolder(options: SegFolderOptions, problems?: DatasetProblem[]): Promise<ConceptDataset> {
  const category = options.category ?? 'object';
  const [sh, sw] = options.labelSize;
  const root = options.root ?? commonParent(options.images, options.labels);
  const names = await readClasses(options.classes, options.ignore, problems);
  const pairs = await pairFiles(options.images, options.labels, problems);
  if (pairs.length === 0) {
    report(problems, { severity: 'error', file: options.images, message: `no photo with a label PNG in ${options.labels}; check --images and --labels` });
  }

  // Index 0 (no label) stays empty, as in the Broden reader.
  const labels: (ConceptLabel | undefined)[] = [undefined];
  // lut[class id] = label number, 0 for the ignore id, -1 for ids the classes file does not name.
  const lut = new Int32Array(65536).fill(-1);
  names.forEach((name, id) => {
    if (name === undefined) return;
    labels[id + 1] = { number: id + 1, name, categories: [category], primaryCategory: category };
    lut[id] = id + 1;
  });
  if (options.ignore !== undefined) lut[options.ignore] = 0;

  const images: ImageRecord[] = pairs.map((p, index) => ({ index, file: path.relative(root, p.photo), sh, sw }));
  const identity = [path.relative(root, options.classes), ...(options.identityFiles ?? []), ...pairs.map((p) => path.relative(root, p.label))];
  const pairAt = (index: number): Pair => {
    const p = pairs[index];
    if (!p) throw new DatasetError(`image index ${index} out of range 0..${pairs.length - 1} in ${root}`);
    return p;
  };

  return {
    format: 'segfolder',
    root,
    categories: [category],
    labels,
    images,
    identityFiles: identity,
    readImage(index: number): Promise<RgbImage> {
      return decodeRgb(pairAt(index).photo);
    },
    async readLabels(index: number): Promise<ImageLabels> {
      const file = pairAt(index).label;
      const m = await decodeLabelPng(file, { palette: 'index' });
      const src = m.labels;
      for (let i = 0; i < src.length; i++) {
        const n = lut[src[i]!]!;
        if (n < 0) {
          throw new DatasetError(
            `${file}: pixel (${i % m.width}, ${Math.floor(i / m.width)}) has class id ${src[i]}, which ${options.classes} does not name ` +
              `(${names.length} lines${options.ignore !== undefined ? `, ignore id ${options.ignore}` : ''}); add the class or pass --ignore`,
          );
        }
        src[i] = n;
      }
      const map = resizeNearest(src, m.height, m.width, sh, sw);
      const byCategory = new Map<string, CategoryAnnotation>();
      byCategory.set(category, { maps: [map], imageLabels: [] });
      return { byCategory };
    },
  };
}

/** Photos sorted by name, each with its label PNG; unpaired files are problems. */
async function pairFiles(imagesDir: string, labelsDir: string, problems?: DatasetProblem[]): Promise<Pair[]> {
  const photos = await listDir(imagesDir, problems);
  const labelFiles = await listDir(labelsDir, problems);
  const labelByBase = new Map<string, string>();
  for (const f of labelFiles) if (/\.png$/i.test(f)) labelByBase.set(f.slice(0, -4), f);
  const pairs: Pair[] = [];
  const used = new Set<string>();
  for (const f of photos.filter((f) => PHOTO.test(f)).sort(byCodePoint)) {
    const base = f.slice(0, f.lastIndexOf('.'));
    const label = labelByBase.get(base);
    if (label === undefined) {
      report(problems, { severity: 'error', file: path.join(imagesDir, f), message: `no label PNG ${base}.png in ${labelsDir}` });
      continue;
    }
    if (used.has(base)) {
      report(problems, { severity: 'error', file: path.join(imagesDir, f), message: `a second photo named ${base}.* shares label ${label}; keep one` });
      continue;
    }
    used.add(base);
    pairs.push({ photo: path.join(imagesDir, f), label: path.join(labelsDir, label) });
  }
  for (const [base, f] of labelByBase) {
    if (!used.has(base)) report(problems, { severity: 'warning', file: path.join(labelsDir, f), message: `label PNG without a photo in ${imagesDir}; ignored` });
  }
  return pairs;
}

async function listDir(dir: string, problems?: DatasetProblem[]): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch (err) {
    report(problems, { severity: 'error', file: dir, message: `cannot list the folder: ${(err as Error).message}` });
    return [];
  }
}

/** Deterministic order independent of locale. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function commonParent(a: string, b: string): string {
  const pa = path.resolve(a).split(path.sep);
  const pb = path.resolve(b).split(path.sep);
  let i = 0;
  while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
  return pa.slice(0, i).join(path.sep) || path.sep;
}
