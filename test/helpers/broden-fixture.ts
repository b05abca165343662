// Writes small Broden-format datasets for tests, with exactly known labels.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encode } from 'fast-png';

export interface FixtureImage {
  readonly file: string; // relative to images/
  readonly rgb: Uint8Array; // ih*iw*3
  /** Per category: label maps (sh*sw label numbers) or image-level numbers. */
  readonly pixel: Readonly<Record<string, readonly Uint16Array[]>>;
  readonly imageLevel?: Readonly<Record<string, readonly number[]>>;
}

export interface FixtureLabel { readonly number: number; readonly name: string; readonly coverage: Readonly<Record<string, number>> }

export function pngRgb(width: number, height: number, rgb: Uint8Array): Uint8Array {
  return encode({ width, height, data: rgb, channels: 3, depth: 8 });
}

/** Label map as RGB PNG with label = R + 256·G. */
export function pngLabels(width: number, height: number, labels: Uint16Array): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < labels.length; i++) {
    data[i * 3] = (labels[i] as number) & 255;
    data[i * 3 + 1] = (labels[i] as number) >> 8;
  }
  return encode({ width, height, data, channels: 3, depth: 8 });
}

export function writeBroden(root: string, o: {
  categories: readonly string[]; labels: readonly FixtureLabel[]; images: readonly FixtureImage[];
  ih: number; iw: number; sh: number; sw: number;
}): void {
  mkdirSync(path.join(root, 'images'), { recursive: true });
  writeFileSync(path.join(root, 'category.csv'), `name,first,last,count,frequency\n${o.categories.map((c) => `${c},0,0,0,0`).join('\n')}\n`);
  const labelRows = o.labels.map((l) => `${l.number},${l.name},${Object.keys(l.coverage).map((c) => `${c}(1)`).join(';')},1,1,`);
  writeFileSync(path.join(root, 'label.csv'), `number,name,category,frequency,coverage,syns\n0,-,,0,0,\n${labelRows.join('\n')}\n`);
  for (const c of o.categories) {
    const rows = o.labels.filter((l) => c in l.coverage).map((l, i) => `${i + 1},${l.number},${l.name},1,${l.coverage[c]}`);
    writeFileSync(path.join(root, `c_${c}.csv`), `code,number,name,frequency,coverage\n${rows.join('\n')}\n`);
  }
  const index = [`image,split,ih,iw,sh,sw,${o.categories.join(',')}`];
  for (const im of o.images) {
    const base = im.file.replace(/\.png$/, '');
    mkdirSync(path.dirname(path.join(root, 'images', im.file)), { recursive: true });
    writeFileSync(path.join(root, 'images', im.file), pngRgb(o.iw, o.ih, im.rgb));
    const cells = o.categories.map((c) => {
      const pieces: string[] = [];
      (im.pixel[c] ?? []).forEach((m, ch) => {
        const f = `${base}_${c}_${ch + 1}.png`;
        writeFileSync(path.join(root, 'images', f), pngLabels(o.sw, o.sh, m));
        pieces.push(f);
      });
      for (const n of im.imageLevel?.[c] ?? []) pieces.push(String(n));
      return pieces.join(';');
    });
    index.push(`${im.file},train,${o.ih},${o.iw},${o.sh},${o.sw},${cells.join(',')}`);
  }
  writeFileSync(path.join(root, 'index.csv'), `${index.join('\n')}\n`);
}
