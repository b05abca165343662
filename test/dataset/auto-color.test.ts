import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyColor, colorMap, srgbToLab, withAutoColor, COLOR_PROTOTYPES } from '../../src/dataset/auto-color.js';
import { openSegFolder } from '../../src/dataset/segfolder/segfolder.js';
import { UsageError } from '../../src/util/errors.js';
import { writeSegFolder } from './fixtures.js';

const name = (k: number): string => (k < 0 ? '(unsure)' : COLOR_PROTOTYPES[k]!.name);

describe('srgbToLab', () => {
  it('gives the CIELAB reference values of white, black and red', () => {
    const close = (a: number[], b: number[]): void => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 0.05, `${a} vs ${b}`));
    close(srgbToLab(255, 255, 255), [100, 0, 0]);
    close(srgbToLab(0, 0, 0), [0, 0, 0]);
    close(srgbToLab(255, 0, 0), [53.24, 80.09, 67.2]);
  });
});

describe('classifyColor', () => {
  const cases: [number[], string][] = [
    [[255, 0, 0], 'red'], [[250, 10, 10], 'red'], [[0, 0, 0], 'black'], [[255, 255, 255], 'white'],
    [[128, 128, 128], 'grey'], [[0, 0, 255], 'blue'], [[0, 128, 0], 'green'], [[0, 255, 0], 'green'],
    [[255, 255, 0], 'yellow'], [[255, 165, 0], 'orange'], [[255, 192, 203], 'pink'], [[128, 0, 128], 'purple'],
    [[139, 69, 19], 'brown'],
    // Half-way between grey (128) and white in sRGB: nearly as close to both → unsure.
    [[224, 224, 224], '(unsure)'],
    // Orange-red, half-way in hue: unsure.
    [[255, 100, 0], '(unsure)'],
  ];
  for (const [rgb, expected] of cases) {
    it(`${rgb.join(',')} -> ${expected}`, () => assert.equal(name(classifyColor(rgb[0]!, rgb[1]!, rgb[2]!)), expected));
  }
});

describe('colorMap', () => {
  it('samples the photo by nearest neighbour and numbers names from firstNumber', () => {
    // 2x2 photo: red, blue / black, white; 1x2 label map samples row 1, cols 0 and 1.
    const rgb = Uint8Array.from([255, 0, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255]);
    assert.deepEqual([...colorMap(rgb, 2, 2, 1, 2, 100)], [100 + 0, 100 + 9]); // black, white
    assert.deepEqual([...colorMap(rgb, 2, 2, 2, 2, 1)], [9, 2, 1, 10]);
  });
});

describe('withAutoColor', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nd-autocolor-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds color as the first category, numbered after the base labels', async () => {
    const base = await openSegFolder({ ...(await writeSegFolder(dir)), ignore: 9, labelSize: [2, 4] });
    const ds = withAutoColor(base);
    assert.deepEqual(ds.categories, ['color', 'object']);
    assert.equal(ds.labels[4]?.name, 'black');
    assert.equal(ds.labels[12]?.name, 'red');
    assert.equal(ds.labels[14]?.name, 'yellow');
    assert.equal(ds.labels[14]?.primaryCategory, 'color');
    const l = await ds.readLabels(0);
    assert.deepEqual([...l.byCategory.keys()], ['color', 'object']);
    // fixture colours: red, red, blue, white / black, grey, yellow, (200,140,100) brownish-unsure
    const m = [...l.byCategory.get('color')!.maps[0]!].map((v) => (v === 0 ? '-' : ds.labels[v]!.name));
    assert.deepEqual(m.slice(0, 7), ['red', 'red', 'blue', 'white', 'black', 'grey', 'yellow']);
    assert.deepEqual(l.byCategory.get('object'), (await base.readLabels(0)).byCategory.get('object'));
  });

  it('refuses a dataset that already has a color category', () => {
    const fake = { format: 'x', root: '/r', categories: ['color'], labels: [], images: [], identityFiles: [], readImage: () => Promise.reject(new Error()), readLabels: () => Promise.reject(new Error()) };
    assert.throws(() => withAutoColor(fake), UsageError);
  });
});
