// Small datasets written to a temp folder by tests (no ../shared needed). Exact pixel values.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encode } from 'fast-png';

export const SEG_CLASSES = ['sky', 'road', 'car'];
export const SEG_W = 4;
export const SEG_H = 2;
/** Class ids per image (row-major 2×4); 9 is the ignore id. */
export const SEG_IDS: Record<string, number[]> = {
  a: [0, 0, 1, 1, 2, 9, 1, 1],
  b: [2, 2, 2, 2, 0, 0, 0, 9],
  c: [1, 1, 1, 1, 1, 1, 1, 1],
};
/** Photo colours: pixel p of every image is COLOURS[p]. */
export const SEG_COLOURS: [number, number, number][] = [
  [255, 0, 0], [250, 5, 5], [0, 0, 255], [255, 255, 255],
  [0, 0, 0], [128, 128, 128], [255, 255, 0], [200, 140, 100],
];

/** images/{a,b,c}.png, labels/{a,b,c}.png (8-bit grey class ids), classes.txt. */
export async function writeSegFolder(dir: string): Promise<{ images: string; labels: string; classes: string }> {
  const images = join(dir, 'images');
  const labels = join(dir, 'labels');
  await mkdir(images, { recursive: true });
  await mkdir(labels, { recursive: true });
  const photo = Uint8Array.from(SEG_COLOURS.flat());
  for (const [name, ids] of Object.entries(SEG_IDS)) {
    await writeFile(join(images, `${name}.png`), encode({ width: SEG_W, height: SEG_H, channels: 3, depth: 8, data: photo }));
    await writeFile(join(labels, `${name}.png`), encode({ width: SEG_W, height: SEG_H, channels: 1, depth: 8, data: Uint8Array.from(ids) }));
  }
  const classes = join(dir, 'classes.txt');
  await writeFile(classes, `${SEG_CLASSES.join('\n')}\n`);
  return { images, labels, classes };
}

/** ADE20K full-format PNG pixel for a class index (instance digit in R's ones, B = instance). */
export function adePixel(cls: number, instance: number): [number, number, number] {
  return [Math.floor(cls / 256) * 10 + (instance % 10), cls % 256, instance];
}

/**
 * Two ADE20K-style images 2×2: X1 (objects 300 'car, auto', 2000 'road, route'; part 3050
 * 'window' of level 1; scene outdoor/street) and X2 (object 3050 'window' as object; scene
 * indoor/room), in sub/ for X2 to test the recursive search.
 */
export async function writeAde(dir: string): Promise<void> {
  await mkdir(join(dir, 'sub'), { recursive: true });
  const rgb = (px: [number, number, number][]): Uint8Array =>
    encode({ width: 2, height: 2, channels: 3, depth: 8, data: Uint8Array.from(px.flat()) });
  const photo = encode({ width: 2, height: 2, channels: 3, depth: 8, data: new Uint8Array(12).fill(90) });
  await writeFile(join(dir, 'X1.jpg'), await toJpeg(photo));
  await writeFile(join(dir, 'X1_seg.png'), rgb([adePixel(300, 1), adePixel(300, 2), adePixel(2000, 3), [0, 0, 0]]));
  await writeFile(join(dir, 'X1_parts_1.png'), rgb([adePixel(3050, 4), [0, 0, 0], [0, 0, 0], [0, 0, 0]]));
  await writeFile(join(dir, 'X1.json'), JSON.stringify({ annotation: { scene: ['outdoor', 'street'], object: [
    { name: 'car, auto', name_ndx: 300, parts: { part_level: 0 } },
    { name: 'car, auto', name_ndx: 300, parts: { part_level: 0 } },
    { name: 'road, route', name_ndx: 2000, parts: { part_level: 0 } },
    { name: 'window', name_ndx: 3050, parts: { part_level: 1 } },
  ] } }));
  await writeFile(join(dir, 'sub', 'X2.jpg'), await toJpeg(photo));
  await writeFile(join(dir, 'sub', 'X2_seg.png'), rgb([adePixel(3050, 1), adePixel(3050, 1), [0, 0, 0], [0, 0, 0]]));
  await writeFile(join(dir, 'sub', 'X2.json'), JSON.stringify({ annotation: { scene: ['indoor', 'room'], object: [
    { name: 'window', name_ndx: 3050, parts: { part_level: 0 } },
  ] } }));
}

async function toJpeg(png: Uint8Array): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  return sharp(png).jpeg().toBuffer();
}
