// Adapter for ADE20K in its full format (the 2021 release layout): per image `X.jpg`,
// `X_seg.png` (object class per pixel = floor(R/10)·256 + G; B is the instance), `X_parts_N.png`
// (part classes of level N, same encoding) and `X.json` (object names, levels, the scene).
//
// Global label numbers (stable: they depend only on ADE20K's own class index, and for scenes on
// the set of scene names present):
//   - objects and parts: label number = ADE20K class index (`name_ndx`, the value the PNGs hold).
//     Objects and parts share that index, so one number may be both an object and a part;
//   - scenes: 6656 + rank of the scene name among the dataset's scene names sorted by code point.
//     6656 = 26·256 is the first number the PNG encoding cannot produce (floor(255/10) = 25).
// Scene name = annotation.scene joined with '/' (e.g. outdoor/urban/street); label name = the
// first comma-separated term of the ADE20K name ("car, auto, automobile" → "car").
// Primary category of a label in both object and part: the one with more annotated instances in
// the JSON files (a stand-in for pixel coverage, which would need every map decoded); ties go to
// the later category, part.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeRgb } from '../decode-image.js';
import { readPngSamples } from '../decode-label-png.js';
import { resizeNearest } from '../nearest.js';
import { report, type DatasetProblem } from '../problems.js';
import { byCodePoint } from '../segfolder/segfolder.js';
import type { CategoryAnnotation, ConceptDataset, ConceptLabel, ImageLabels, ImageRecord, RgbImage } from '../types.js';
import { DatasetError, UsageError } from '../../util/errors.js';

export const ADE_CATEGORIES = ['object', 'part', 'scene'] as const;
/** First scene label number (see module comment). */
export const ADE_SCENE_BASE = 26 * 256;

export interface Ade20kOptions {
  /** Folder holding the images (searched recursively). */
  readonly dir: string;
  /** Working label resolution [h, w]. */
  readonly labelSize: readonly [number, number];
  /** Categories to keep (default all: object, part, scene). */
  readonly categories?: readonly string[];
}

interface AdeImage {
  readonly photo: string;
  readonly seg: string;
  /** parts[N-1] = X_parts_N.png. */
  readonly parts: readonly string[];
  readonly scene: number;
}

interface ClassInfo {
  name: string;
  objects: number;
  parts: number;
}

/** Open an ADE20K full-format folder: reads every JSON (names, levels, scene), not the PNGs. */
export async function openAde20k(options: Ade20kOptions, problems?: DatasetProblem[]): Promise<ConceptDataset> {
  const root = options.dir;
  const categories = selectAdeCategories(options.categories);
  const [sh, sw] = options.labelSize;
  const found = await findImages(root, problems);

  const classes = new Map<number, ClassInfo>();
  const sceneOf: string[] = [];
  const kept: (typeof found)[number][] = [];
  for (const f of found) {
    const ann = await readAnnotation(f.json, problems);
    if (!ann) continue;
    for (const o of ann.objects) {
      let c = classes.get(o.index);
      if (!c) classes.set(o.index, (c = { name: o.name, objects: 0, parts: 0 }));
      if (o.level === 0) c.objects++;
      else c.parts++;
    }
    sceneOf.push(ann.scene);
    kept.push(f);
  }
  const sceneNames = [...new Set(sceneOf)].sort(byCodePoint);

  const labels: (ConceptLabel | undefined)[] = [undefined]; // 0 = no label, as in the Broden reader
  const shortCount = new Map<string, number>();
  for (const c of classes.values()) shortCount.set(shortName(c.name), (shortCount.get(shortName(c.name)) ?? 0) + 1);
  const isObject = new Uint8Array(65536);
  const isPart = new Uint8Array(65536);
  for (const [index, c] of [...classes].sort((a, b) => a[0] - b[0])) {
    const cats: string[] = [];
    if (c.objects > 0 && categories.includes('object')) cats.push('object');
    if (c.parts > 0 && categories.includes('part')) cats.push('part');
    if (cats.length === 0) continue;
    const primary = cats.length === 2 ? (c.objects > c.parts ? 'object' : 'part') : cats[0]!;
    const short = shortName(c.name);
    const name = shortCount.get(short)! > 1 ? `${short}-${index}` : short;
    labels[index] = { number: index, name, categories: cats, primaryCategory: primary };
    if (cats.includes('object')) isObject[index] = 1;
    if (cats.includes('part')) isPart[index] = 1;
  }
  if (categories.includes('scene')) {
    sceneNames.forEach((name, rank) => {
      const number = ADE_SCENE_BASE + rank;
      labels[number] = { number, name, categories: ['scene'], primaryCategory: 'scene' };
    });
  }

  const adeImages: AdeImage[] = kept.map((f, i) => ({ photo: f.photo, seg: f.seg, parts: f.parts, scene: ADE_SCENE_BASE + sceneNames.indexOf(sceneOf[i]!) }));
  const images: ImageRecord[] = adeImages.map((a, index) => ({ index, file: path.relative(root, a.photo), sh, sw }));
  if (images.length === 0) report(problems, { severity: 'error', file: root, message: 'no ADE20K image (X.jpg with X_seg.png and X.json) found here' });
  const at = (index: number): AdeImage => {
    const a = adeImages[index];
    if (!a) throw new DatasetError(`image index ${index} out of range 0..${adeImages.length - 1} in ${root}`);
    return a;
  };

  return {
    format: 'ade20k',
    root,
    categories,
    labels,
    images,
    identityFiles: kept.flatMap((f) => [f.json, f.seg, ...f.parts].map((p) => path.relative(root, p))),
    readImage(index: number): Promise<RgbImage> {
      return decodeRgb(at(index).photo);
    },
    async readLabels(index: number): Promise<ImageLabels> {
      const a = at(index);
      const byCategory = new Map<string, CategoryAnnotation>();
      if (categories.includes('object')) {
        byCategory.set('object', { maps: [await readAdeMap(a.seg, isObject, 'object', sh, sw)], imageLabels: [] });
      }
      if (categories.includes('part') && a.parts.length > 0) {
        const maps: Uint16Array[] = [];
        for (const p of a.parts) maps.push(await readAdeMap(p, isPart, 'part', sh, sw));
        byCategory.set('part', { maps, imageLabels: [] });
      }
      if (categories.includes('scene')) byCategory.set('scene', { maps: [], imageLabels: [a.scene] });
      return { byCategory };
    },
  };
}

function selectAdeCategories(wanted: readonly string[] | undefined): string[] {
  if (!wanted || wanted.length === 0) return [...ADE_CATEGORIES];
  for (const w of wanted) {
    if (!(ADE_CATEGORIES as readonly string[]).includes(w)) {
      throw new UsageError(`category '${w}' is not in ADE20K; it has: ${ADE_CATEGORIES.join(', ')} (and color with --auto-color)`);
    }
  }
  return ADE_CATEGORIES.filter((c) => wanted.includes(c));
}

/** "car, auto, automobile" → "car". */
function shortName(name: string): string {
  return (name.split(',')[0] ?? name).trim();
}

/** Decode an ADE20K class PNG (floor(R/10)·256 + G), check every class, resize to sh×sw. */
export async function readAdeMap(file: string, known: Uint8Array, category: string, sh: number, sw: number): Promise<Uint16Array> {
  const png = await readPngSamples(file);
  if (png.channels < 3 || png.depth !== 8 || png.palette) {
    throw new DatasetError(`${file}: ${png.depth}-bit PNG with ${png.channels} channel(s); ADE20K class maps are 8-bit RGB (class = floor(R/10)·256 + G)`);
  }
  const n = png.width * png.height;
  const src = png.data;
  const ch = png.channels;
  const map = new Uint16Array(n);
  for (let i = 0, s = 0; i < n; i++, s += ch) {
    const v = Math.floor(src[s]! / 10) * 256 + src[s + 1]!;
    if (v !== 0 && known[v] !== 1) {
      throw new DatasetError(
        `${file}: pixel (${i % png.width}, ${Math.floor(i / png.width)}) has class ${v}, which no ${category} of the image's JSON names; fix the PNG or the JSON`,
      );
    }
    map[i] = v;
  }
  return resizeNearest(map, png.height, png.width, sh, sw);
}

interface Found {
  readonly photo: string;
  readonly seg: string;
  readonly json: string;
  readonly parts: readonly string[];
}

/** Every X_seg.png under root with its photo, JSON and part maps, sorted by path. */
async function findImages(root: string, problems?: DatasetProblem[]): Promise<Found[]> {
  let files: string[];
  try {
    files = (await readdir(root, { recursive: true })).map(String);
  } catch (err) {
    report(problems, { severity: 'error', file: root, message: `cannot list the folder: ${(err as Error).message}` });
    return [];
  }
  const have = new Set(files);
  const out: Found[] = [];
  for (const f of files.filter((f) => f.endsWith('_seg.png')).sort(byCodePoint)) {
    const base = f.slice(0, -'_seg.png'.length);
    const photo = ['.jpg', '.jpeg', '.png'].map((e) => base + e).find((p) => have.has(p));
    if (!photo) {
      report(problems, { severity: 'error', file: path.join(root, f), message: `no photo ${path.basename(base)}.jpg beside it` });
      continue;
    }
    if (!have.has(`${base}.json`)) {
      report(problems, { severity: 'error', file: path.join(root, f), message: `no annotation ${path.basename(base)}.json beside it` });
      continue;
    }
    const parts: string[] = [];
    for (let level = 1; have.has(`${base}_parts_${level}.png`); level++) parts.push(path.join(root, `${base}_parts_${level}.png`));
    out.push({ photo: path.join(root, photo), seg: path.join(root, f), json: path.join(root, `${base}.json`), parts });
  }
  return out;
}

interface Annotation {
  readonly objects: readonly { index: number; name: string; level: number }[];
  readonly scene: string;
}

/** The parts of an ADE20K JSON this adapter uses; malformed entries are problems. */
async function readAnnotation(file: string, problems?: DatasetProblem[]): Promise<Annotation | undefined> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    report(problems, { severity: 'error', file, message: `cannot read the annotation JSON: ${(err as Error).message}` });
    return undefined;
  }
  const ann = (json as { annotation?: { object?: unknown; scene?: unknown } } | null)?.annotation;
  if (!ann || !Array.isArray(ann.object)) {
    report(problems, { severity: 'error', file, message: 'no annotation.object array; expected the ADE20K full-format JSON' });
    return undefined;
  }
  const scene = Array.isArray(ann.scene) ? ann.scene.map(String).join('/') : typeof ann.scene === 'string' ? ann.scene : '';
  if (scene === '') {
    report(problems, { severity: 'error', file, message: 'no annotation.scene; expected e.g. ["outdoor", "urban", "street"]' });
    return undefined;
  }
  const objects: { index: number; name: string; level: number }[] = [];
  let bad = 0;
  (ann.object as unknown[]).forEach((o, i) => {
    const obj = o as { name?: unknown; name_ndx?: unknown; parts?: { part_level?: unknown } };
    const index = obj.name_ndx;
    const level = obj.parts?.part_level ?? 0;
    if (typeof obj.name !== 'string' || typeof index !== 'number' || !Number.isInteger(index) || index < 1 || index >= ADE_SCENE_BASE || typeof level !== 'number') {
      bad++;
      if (bad === 1) report(problems, { severity: 'error', file, message: `annotation.object[${i}] lacks a name, a name_ndx in 1..${ADE_SCENE_BASE - 1} or parts.part_level` });
      return;
    }
    objects.push({ index, name: obj.name, level });
  });
  return bad > 0 && !problems ? undefined : { objects, scene };
}
