// Writes any ConceptDataset as a Broden directory, so other tools (and our Broden reader) read it:
//   index.csv     image,split,ih,iw,sh,sw,<categories...>   (cells: PNG paths or label numbers, ';')
//   category.csv  name,first,last,count,frequency
//   label.csv     number,name,category,frequency,coverage,syns   (category like object(12))
//   c_<cat>.csv   code,number,name,frequency,coverage
//   images/       photos copied byte for byte, label PNGs as 8-bit RGB with label = R + 256·G
// frequency = images having the label (in that category); coverage = Σ over images of the
// labelled fraction of the image (image-equivalents); the label's category cell uses the
// per-category frequency. Labels are written at the dataset's label resolution (sh×sw).
import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encode } from 'fast-png';
import { StatsCollector, total, type DatasetStats } from '../stats.js';
import type { ConceptDataset } from '../types.js';
import { DatasetError } from '../../util/errors.js';

export interface ToBrodenOptions {
  /** The split column's value (default 'train'). */
  readonly split?: string;
  readonly progress?: (done: number, total: number) => void;
}

/** Write `ds` to the new directory `out` (written to `out.tmp-*`, renamed when complete). */
export async function writeBroden(ds: ConceptDataset, out: string, options: ToBrodenOptions = {}): Promise<DatasetStats> {
  const existing = await readdir(out).catch(() => undefined);
  if (existing !== undefined && existing.length > 0) {
    throw new DatasetError(`${out}: the output folder exists and is not empty; choose a new folder`);
  }
  const tmp = `${out}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(path.join(tmp, 'images'), { recursive: true });
  const split = options.split ?? 'train';
  const stats = new StatsCollector(ds);
  const rows: string[] = [csvRow(['image', 'split', 'ih', 'iw', 'sh', 'sw', ...ds.categories])];
  const usedNames = new Set<string>();

  for (const rec of ds.images) {
    const photoName = uniqueName(safeRelative(rec.file), usedNames);
    const source = ds.format === 'broden' ? path.join(ds.root, 'images', rec.file) : path.join(ds.root, rec.file);
    const target = path.join(tmp, 'images', photoName);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(source, target);
    const photo = await ds.readImage(rec.index);
    const labels = await ds.readLabels(rec.index);
    stats.add(rec.index, labels);
    const stem = photoName.slice(0, photoName.length - path.extname(photoName).length);
    const cells: string[] = [];
    for (const cat of ds.categories) {
      const ann = labels.byCategory.get(cat);
      const pieces: string[] = [];
      if (ann) {
        for (let c = 0; c < ann.maps.length; c++) {
          const png = `${stem}_${cat}${ann.maps.length > 1 ? `_${c + 1}` : ''}.png`;
          await writeFile(path.join(tmp, 'images', png), encodeLabelPng(ann.maps[c]!, rec.sh, rec.sw));
          pieces.push(png);
        }
        for (const n of ann.imageLabels) pieces.push(String(n));
      }
      cells.push(pieces.join(';'));
    }
    rows.push(csvRow([photoName, split, String(photo.height), String(photo.width), String(rec.sh), String(rec.sw), ...cells]));
    options.progress?.(rec.index + 1, ds.images.length);
  }
  const result = stats.result();
  await writeFile(path.join(tmp, 'index.csv'), rows.join(''));
  await writeTables(tmp, ds, result);
  await rename(tmp, out).catch(async (err: Error) => {
    throw new DatasetError(`cannot move the finished dataset ${tmp} to ${out}: ${err.message}`);
  });
  return result;
}

async function writeTables(dir: string, ds: ConceptDataset, stats: DatasetStats): Promise<void> {
  const label: string[] = [csvRow(['number', 'name', 'category', 'frequency', 'coverage', 'syns']), csvRow(['0', '-', '', '0', '0', ''])];
  for (const c of stats.concepts) {
    const cats = c.categories.map((k) => `${k}(${c.images.get(k) ?? 0})`).join(';');
    label.push(csvRow([String(c.number), c.name, cats, String(total(c.images)), num(total(c.coverage)), '']));
  }
  await writeFile(path.join(dir, 'label.csv'), label.join(''));
  const category: string[] = [csvRow(['name', 'first', 'last', 'count', 'frequency'])];
  for (const cat of ds.categories) {
    const members = stats.concepts.filter((c) => c.categories.includes(cat));
    const numbers = members.map((c) => c.number);
    category.push(csvRow([cat, String(numbers.length ? Math.min(...numbers) : 0), String(numbers.length ? Math.max(...numbers) : 0), String(members.length), String(stats.categoryImages.get(cat) ?? 0)]));
    const rows = [csvRow(['code', 'number', 'name', 'frequency', 'coverage'])];
    members.forEach((c, i) => rows.push(csvRow([String(i + 1), String(c.number), c.name, String(c.images.get(cat) ?? 0), num(c.coverage.get(cat) ?? 0)])));
    await writeFile(path.join(dir, `c_${cat}.csv`), rows.join(''));
  }
  await writeFile(path.join(dir, 'category.csv'), category.join(''));
}

/** 8-bit RGB PNG with R = n mod 256, G = floor(n / 256), B = 0. */
export function encodeLabelPng(map: Uint16Array, sh: number, sw: number): Uint8Array {
  const rgb = new Uint8Array(sh * sw * 3);
  for (let i = 0, o = 0; i < map.length; i++, o += 3) {
    const v = map[i]!;
    rgb[o] = v & 255;
    rgb[o + 1] = v >> 8;
  }
  return encode({ width: sw, height: sh, channels: 3, depth: 8, data: rgb });
}

function num(v: number): string {
  return String(Math.round(v * 1e6) / 1e6);
}

/** RFC 4180: quote cells holding a comma, quote or line break. */
export function csvRow(cells: readonly string[]): string {
  return `${cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')}\n`;
}

/** A relative path with no `..` or absolute part, '/'-separated. */
function safeRelative(file: string): string {
  return file.split(/[\\/]+/).filter((p) => p !== '' && p !== '.' && p !== '..').join('/');
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  const ext = path.extname(name);
  for (let k = 2; used.has(candidate); k++) candidate = `${name.slice(0, name.length - ext.length)}-${k}${ext}`;
  used.add(candidate);
  return candidate;
}
