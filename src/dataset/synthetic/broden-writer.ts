// Writes drawn scenes as a Broden-format dataset: photos and label PNGs under images/, one
// index.csv row per image, and at the end category.csv, label.csv and c_<cat>.csv from the
// label statistics gathered while writing (frequency = images, coverage = summed image fraction).
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import sharp from 'sharp';
import { SYNTHETIC_CATEGORIES, SYNTHETIC_LABELS, type PlannedLabel, type SyntheticCategory } from './plan.js';
import type { Raster } from './raster.js';
import type { CellQuirk, SceneSpec } from './scene.js';

export type PhotoFormat = 'jpeg' | 'png';

/** JPEG quality of the photos (Broden ships JPEG; the codec is lossy, labels are not). */
export const JPEG_QUALITY = 90;

interface Stat {
  frequency: number;
  coverage: number;
}

/**
 * Label PNG bytes: RGB, 8-bit, label number = R + 256·G. B carries the object instance where
 * `blue` is given (object and part maps), so a reader that does not ignore B fails loudly.
 */
export function encodeLabelPng(labels: Uint16Array, blue: Uint8Array | null, size: number): Uint8Array {
  const data = new Uint8Array(size * size * 3);
  for (let p = 0, o = 0; p < labels.length; p++, o += 3) {
    const n = labels[p] as number;
    data[o] = n & 255;
    data[o + 1] = n >>> 8;
    data[o + 2] = blue !== null && n !== 0 ? (blue[p] as number) : 0;
  }
  return encodePng({ width: size, height: size, data, channels: 3, depth: 8 });
}

/** Join a cell's pieces with `;`, adding the row's empty pieces (which readers must drop). */
export function joinCell(pieces: readonly string[], quirk: CellQuirk): string {
  if (pieces.length === 0) return '';
  switch (quirk) {
    case 'none': return pieces.join(';');
    case 'trailing': return `${pieces.join(';')};`;
    case 'double': return pieces.length > 1 ? pieces.join(';;') : `${pieces.join(';')};;`;
    case 'leading': return `;${pieces.join(';')}`;
  }
}

export class BrodenWriter {
  private readonly rows: string[] = [];
  private readonly stats = new Map<SyntheticCategory, Map<number, Stat>>();
  private readonly madeDirs = new Set<string>();
  private readonly counts = new Uint32Array(1024);
  /** Files written so far (photos, label PNGs, and the CSVs once finished). */
  files = 0;
  /** Rows without data in any category. */
  emptyRows = 0;

  constructor(
    private readonly root: string,
    private readonly size: number,
    private readonly labelSize: number,
    private readonly format: PhotoFormat,
  ) {
    for (const c of SYNTHETIC_CATEGORIES) this.stats.set(c, new Map());
    for (const l of SYNTHETIC_LABELS) {
      for (const c of l.categories) this.stats.get(c)?.set(l.number, { frequency: 0, coverage: 0 });
    }
  }

  /**
   * Add one image: its index.csv row and statistics are recorded now (so rows keep their
   * order); the returned promise settles when its files are on disk.
   */
  addImage(spec: SceneSpec, raster: Raster): Promise<void> {
    const dir = path.join(this.root, 'images', spec.source);
    if (!this.madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const base = `${spec.source}/${spec.stem}`;
    const image = `${base}.${this.format === 'jpeg' ? 'jpg' : 'png'}`;
    const writes: Promise<void>[] = [this.writePhoto(image, raster)];
    const s = this.labelSize;
    const cells = new Map<SyntheticCategory, string[]>();
    const png = (suffix: string, map: Uint16Array, blue: Uint8Array | null): string => {
      const rel = `${base}_${suffix}.png`;
      writes.push(this.write(rel, encodeLabelPng(map, blue, s)));
      return rel;
    };

    if (spec.empty === 'no') {
      if (spec.maps.color) {
        cells.set('color', [png('color', raster.color, null)]);
        this.count('color', [raster.color]);
      }
      if (spec.maps.object && anyNonZero(raster.object)) {
        cells.set('object', [png('object', raster.object, raster.instance)]);
        this.count('object', [raster.object]);
      }
      if (spec.maps.part && anyNonZero(raster.part1)) {
        const channels = [raster.part1];
        const files = [png('part_1', raster.part1, raster.instance)];
        if (anyNonZero(raster.part2)) {
          channels.push(raster.part2);
          files.push(png('part_2', raster.part2, raster.instance));
        }
        cells.set('part', files);
        this.count('part', channels);
      }
      if (spec.maps.material && anyNonZero(raster.material)) {
        cells.set('material', [png('material', raster.material, null)]);
        this.count('material', [raster.material]);
      }
      if (spec.scene.length > 0) {
        cells.set('scene', spec.scene.map(String));
        this.countImageLevel('scene', spec.scene);
      }
      if (spec.texture.length > 0) {
        cells.set('texture', spec.texture.map(String));
        this.countImageLevel('texture', spec.texture);
      }
    } else {
      this.emptyRows++;
    }

    const quirkCell = pickQuirkCell(cells);
    const row = SYNTHETIC_CATEGORIES.map((c) => {
      const pieces = cells.get(c) ?? [];
      if (spec.empty === 'semicolons') return c === 'color' ? ';' : c === 'part' ? ';;' : '';
      return joinCell(pieces, c === quirkCell ? spec.quirk : 'none');
    });
    this.rows.push([image, spec.split, this.size, this.size, s, s, ...row].join(','));
    return Promise.all(writes).then(() => undefined);
  }

  private writePhoto(rel: string, raster: Raster): Promise<void> {
    const img = sharp(Buffer.from(raster.rgb.buffer, raster.rgb.byteOffset, raster.rgb.byteLength), {
      raw: { width: raster.size, height: raster.size, channels: 3 },
    });
    const encoded = this.format === 'jpeg' ? img.jpeg({ quality: JPEG_QUALITY }) : img.png({ compressionLevel: 6 });
    return encoded.toBuffer().then((buf) => this.write(rel, buf));
  }

  private write(rel: string, bytes: Uint8Array): Promise<void> {
    this.files++;
    return writeFile(path.join(this.root, 'images', rel), bytes);
  }

  /** Frequency and coverage of every label in these channels (several channels: summed). */
  private count(category: SyntheticCategory, channels: readonly Uint16Array[]): void {
    const counts = this.counts;
    counts.fill(0);
    for (const map of channels) {
      for (let p = 0; p < map.length; p++) {
        const n = map[p] as number;
        counts[n] = (counts[n] as number) + 1;
      }
    }
    const area = this.labelSize * this.labelSize;
    const stats = this.stats.get(category) as Map<number, Stat>;
    for (let n = 1; n < counts.length; n++) {
      const c = counts[n] as number;
      if (c === 0) continue;
      const stat = stats.get(n);
      if (stat === undefined) throw new Error(`synthetic plan has no ${category} label ${n}`);
      stat.frequency++;
      stat.coverage += c / area;
    }
  }

  private countImageLevel(category: SyntheticCategory, labels: readonly number[]): void {
    const stats = this.stats.get(category) as Map<number, Stat>;
    for (const n of labels) {
      const stat = stats.get(n);
      if (stat === undefined) throw new Error(`synthetic plan has no ${category} label ${n}`);
      stat.frequency++;
      stat.coverage += 1;
    }
  }

  /** Write index.csv, category.csv, label.csv and c_<cat>.csv. */
  async finish(): Promise<void> {
    const header = ['image', 'split', 'ih', 'iw', 'sh', 'sw', ...SYNTHETIC_CATEGORIES].join(',');
    await this.writeCsv('index.csv', [header, ...this.rows]);

    const categoryRows = ['name,first,last,count,frequency'];
    for (const c of SYNTHETIC_CATEGORIES) {
      const stats = this.stats.get(c) as Map<number, Stat>;
      const numbers = [...stats.keys()];
      let frequency = 0;
      for (const s of stats.values()) frequency += s.frequency;
      categoryRows.push([c, Math.min(...numbers), Math.max(...numbers), numbers.length, frequency].join(','));
    }
    await this.writeCsv('category.csv', categoryRows);

    const labelRows = ['number,name,category,frequency,coverage,syns'];
    for (const l of [...SYNTHETIC_LABELS].sort((a, b) => a.number - b.number)) {
      labelRows.push(this.labelRow(l));
    }
    await this.writeCsv('label.csv', labelRows);

    for (const c of SYNTHETIC_CATEGORIES) {
      const stats = this.stats.get(c) as Map<number, Stat>;
      const byNumber = new Map(SYNTHETIC_LABELS.map((l) => [l.number, l]));
      // Codes by frequency, most frequent first; equal frequencies by label number.
      const ordered = [...stats.entries()].sort((a, b) => b[1].frequency - a[1].frequency || a[0] - b[0]);
      const rows = ['code,number,name,frequency,coverage'];
      ordered.forEach(([n, s], i) => {
        rows.push([i + 1, n, byNumber.get(n)?.name ?? '', s.frequency, s.coverage.toFixed(6)].join(','));
      });
      await this.writeCsv(`c_${c}.csv`, rows);
    }
  }

  /** label.csv row: categories as `part(30);object(18)`, most frequent first; totals summed. */
  private labelRow(l: PlannedLabel): string {
    const per = l.categories.map((c, order) => ({ c, order, s: this.stats.get(c)?.get(l.number) as Stat }));
    per.sort((a, b) => b.s.frequency - a.s.frequency || a.order - b.order);
    let frequency = 0;
    let coverage = 0;
    for (const p of per) {
      frequency += p.s.frequency;
      coverage += p.s.coverage;
    }
    const category = per.map((p) => `${p.c}(${p.s.frequency})`).join(';');
    return [l.number, l.name, category, frequency, coverage.toFixed(6), l.syns.join(';')].join(',');
  }

  private async writeCsv(name: string, lines: readonly string[]): Promise<void> {
    this.files++;
    await writeFile(path.join(this.root, name), `${lines.join('\n')}\n`);
  }
}

function anyNonZero(map: Uint16Array): boolean {
  for (let p = 0; p < map.length; p++) if (map[p] !== 0) return true;
  return false;
}

/** The cell that gets the row's empty pieces: the one with most pieces (ties: the later column). */
function pickQuirkCell(cells: ReadonlyMap<SyntheticCategory, string[]>): SyntheticCategory | null {
  let best: SyntheticCategory | null = null;
  let most = 0;
  for (const c of SYNTHETIC_CATEGORIES) {
    const n = cells.get(c)?.length ?? 0;
    if (n > 0 && n >= most) {
      best = c;
      most = n;
    }
  }
  return best;
}
