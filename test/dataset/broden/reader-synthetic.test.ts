// The Broden reader on the synthetic dataset, which has every quirk of the format: facts checked
// by hand against the generated files (decoded here independently of the reader).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import { openBroden } from '../../../src/dataset/broden/reader.js';
import { L, SYNTHETIC_CATEGORIES, SYNTHETIC_LABELS } from '../../../src/dataset/synthetic/plan.js';
import type { ConceptDataset } from '../../../src/dataset/types.js';
import { generate, pieces, readTable, tempDir } from '../../helpers/synthetic.js';

/** Count of pixels with label n in a label PNG, decoding R + 256·G by hand. */
function countLabel(file: string, n: number): number {
  const p = decode(readFileSync(file));
  let k = 0;
  for (let i = 0; i < p.width * p.height; i++) {
    if ((p.data[i * 3] as number) + 256 * (p.data[i * 3 + 1] as number) === n) k++;
  }
  return k;
}

describe('openBroden on the synthetic dataset', () => {
  let tmp = '';
  let root = '';
  let index: Record<string, string>[] = [];
  let ds: ConceptDataset;
  const hasData = (r: Record<string, string>, cats: readonly string[]): boolean => cats.some((c) => pieces(r[c] as string).length > 0);

  before(async () => {
    tmp = tempDir('reader-synthetic');
    root = await generate(tmp, { images: 40, seed: 3 });
    index = readTable(path.join(root, 'index.csv'));
    ds = await openBroden(root);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('drops the rows without data and numbers the kept images in order', () => {
    const kept = index.filter((r) => hasData(r, SYNTHETIC_CATEGORIES));
    assert.ok(kept.length < index.length, 'the dataset has rows to drop');
    assert.deepEqual(ds.images.map((im) => im.file), kept.map((r) => r['image']));
    assert.deepEqual(ds.images.map((im) => im.index), kept.map((_, i) => i));
    assert.deepEqual(ds.categories, [...SYNTHETIC_CATEGORIES]);
  });

  it('reads every planned label with its categories and primary category', () => {
    for (const l of SYNTHETIC_LABELS) {
      const got = ds.labels[l.number];
      assert.ok(got, l.name);
      assert.equal(got.name, l.name);
      assert.deepEqual([...got.categories].sort(), [...l.categories].sort(), l.name);
      assert.equal(got.primaryCategory, l.primary, l.name);
    }
    assert.equal(ds.labels[L.window]?.primaryCategory, 'part');
    assert.equal(ds.labels[L.door]?.primaryCategory, 'object');
    assert.equal(ds.labels[L.fabric]?.primaryCategory, 'material');
    assert.equal(ds.labels[100], undefined, 'numbers in the gap are no labels');
  });

  it('decodes two part channels and label numbers above 255 exactly', async () => {
    const i = ds.images.findIndex((im) => im.file.startsWith('scenes/street_'));
    const row = index.find((r) => r['image'] === ds.images[i]?.file) as Record<string, string>;
    const files = pieces(row['part'] as string);
    assert.equal(files.length, 2, 'a street has windows (part 1) with panes (part 2)');
    const labels = await ds.readLabels(i);
    const part = labels.byCategory.get('part');
    assert.equal(part?.maps.length, 2);
    const count = (m: Uint16Array | undefined, n: number): number => {
      let k = 0;
      for (const v of m ?? new Uint16Array(0)) if (v === n) k++;
      return k;
    };
    const panes = countLabel(path.join(root, 'images', files[1] as string), L.pane);
    assert.ok(panes > 0);
    assert.equal(count(part?.maps[1], L.pane), panes, 'pane (301 = R 45 + 256·G 1)');
    assert.equal(count(part?.maps[0], L.window), countLabel(path.join(root, 'images', files[0] as string), L.window));
    assert.deepEqual(labels.byCategory.get('scene')?.imageLabels, [L.street]);
    // Blue carries instance ids: a reader that added B would see numbers not in label.csv.
    const object = labels.byCategory.get('object')?.maps[0] as Uint16Array;
    for (const v of new Set(object)) assert.ok(v === 0 || ds.labels[v]?.categories.includes('object'), `object label ${v}`);
  });

  it('reads material numbers above 511 and two image-level textures', async () => {
    const room = ds.images.findIndex((im) => im.file.startsWith('scenes/room_'));
    const materials = (await ds.readLabels(room)).byCategory.get('material')?.maps[0] as Uint16Array;
    assert.ok(materials.some((v) => v > 511), 'wood, brick, ... are 520+');
    const two = index.filter((r) => hasData(r, SYNTHETIC_CATEGORIES)).findIndex((r) => pieces(r['texture'] as string).length === 2);
    const row = index.filter((r) => hasData(r, SYNTHETIC_CATEGORIES))[two] as Record<string, string>;
    const got = (await ds.readLabels(two)).byCategory.get('texture')?.imageLabels;
    assert.deepEqual(got, pieces(row['texture'] as string).map(Number));
  });

  it('drops texture-only rows when texture is not selected', async () => {
    const cats = ['color', 'object'] as const;
    const some = await openBroden(root, { categories: [...cats] });
    const kept = index.filter((r) => hasData(r, cats));
    assert.ok(kept.length < index.filter((r) => hasData(r, SYNTHETIC_CATEGORIES)).length);
    assert.deepEqual(some.images.map((im) => im.file), kept.map((r) => r['image']));
    assert.equal(some.labels[L.window]?.primaryCategory, 'object', 'with part not selected, window is an object');
  });
});
