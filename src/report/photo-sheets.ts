// The shown photos, each stored once: every distinct top image of every unit, at the large tile
// size, packed into JPEG sprite sheets (photos/sheet-001.jpg, ...). The viewer draws every unit's
// tiles from these sheets and the unit's activation maps, so the report grows with the photos
// shown, not with units × images (a 1,280-unit layer over 101 photos: 101 tiles, not 12,800).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { UnitResult } from '../run/results-types.js';
import type { TileSize } from './composite.js';
import type { PhotoCache } from './photo-cache.js';
import type { ReportPhoto, ReportPhotos } from './report-data.js';

/** Tiles per sheet row and rows per sheet: 64 photos a file, 1,792 px square for 224 px tiles. */
export const SHEET_COLS = 8;
export const SHEET_ROWS = 8;
/** Photos are looked at, not measured: quality 80 is visually clean at tile size. */
export const SHEET_JPEG = { quality: 80 } as const;

export interface PhotoPlan {
  /** Dataset image index of each photo, in photo order. */
  readonly images: readonly number[];
  readonly files: readonly string[];
  /** Dataset image index → photo index. */
  readonly index: ReadonlyMap<number, number>;
}

/** The distinct photos the top-k images of all units show, in order of first appearance. */
export function planPhotos(layers: readonly { readonly units: readonly UnitResult[]; readonly imageFiles: readonly string[] }[], topK: number): PhotoPlan {
  const images: number[] = [];
  const files: string[] = [];
  const index = new Map<number, number>();
  for (const layer of layers) {
    for (const u of layer.units) {
      for (const t of u.topImages.slice(0, topK)) {
        if (index.has(t.image)) continue;
        index.set(t.image, images.length);
        images.push(t.image);
        files.push(layer.imageFiles[t.image] ?? '');
      }
    }
  }
  return { images, files, index };
}

/** Write the sheets of `plan` into OUT/photos/ and say where each photo is. */
export async function writePhotoSheets(plan: PhotoPlan, cache: PhotoCache, tile: TileSize, outDir: string): Promise<ReportPhotos> {
  await mkdir(join(outDir, 'photos'), { recursive: true });
  const perSheet = SHEET_COLS * SHEET_ROWS;
  const sheets: { file: string; cols: number; rows: number }[] = [];
  const list: ReportPhoto[] = [];
  for (let first = 0; first < plan.images.length; first += perSheet) {
    const count = Math.min(perSheet, plan.images.length - first);
    const rows = Math.ceil(count / SHEET_COLS);
    const width = SHEET_COLS * tile.w;
    const pixels = new Uint8Array(width * rows * tile.h * 3).fill(34); // empty slots: the tile background
    const tiles = await Promise.all(Array.from({ length: count }, (_, k) => cache.get(plan.files[first + k] as string, plan.images[first + k] as number)));
    const rowBytes = tile.w * 3;
    tiles.forEach((t, k) => {
      const x = (k % SHEET_COLS) * tile.w;
      const y = Math.floor(k / SHEET_COLS) * tile.h;
      for (let r = 0; r < tile.h; r++) pixels.set(t.large.subarray(r * rowBytes, (r + 1) * rowBytes), ((y + r) * width + x) * 3);
      list.push({ file: plan.files[first + k] as string, sheet: sheets.length, slot: k });
    });
    const file = `photos/sheet-${String(sheets.length + 1).padStart(3, '0')}.jpg`;
    await sharp(pixels, { raw: { width, height: rows * tile.h, channels: 3 } }).jpeg(SHEET_JPEG).toFile(join(outDir, file));
    sheets.push({ file, cols: SHEET_COLS, rows });
  }
  return { sheets, list };
}
