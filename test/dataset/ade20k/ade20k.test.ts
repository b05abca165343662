import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED, sharedMissing } from '../../helpers/shared.js';
import { encode } from 'fast-png';
import { openAde20k, ADE_SCENE_BASE } from '../../../src/dataset/ade20k/ade20k.js';
import { DatasetError, UsageError } from '../../../src/util/errors.js';
import { adePixel, writeAde } from '../fixtures.js';

describe('openAde20k', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nd-ade-'));
    await writeAde(dir);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('numbers objects and parts by ADE class index and scenes from 6656 by sorted name', async () => {
    const ds = await openAde20k({ dir, labelSize: [2, 2] });
    assert.deepEqual(ds.categories, ['object', 'part', 'scene']);
    assert.deepEqual(ds.images.map((r) => r.file), ['X1.jpg', join('sub', 'X2.jpg')]);
    const l = (n: number): unknown => { const x = ds.labels[n]; return x && [x.name, x.categories, x.primaryCategory]; };
    assert.deepEqual(l(300), ['car', ['object'], 'object']);
    assert.deepEqual(l(2000), ['road', ['object'], 'object']);
    // window: one object instance, one part instance → tie → the later category, part.
    assert.deepEqual(l(3050), ['window', ['object', 'part'], 'part']);
    assert.equal(ADE_SCENE_BASE, 6656);
    assert.deepEqual(l(6656), ['indoor/room', ['scene'], 'scene']);
    assert.deepEqual(l(6657), ['outdoor/street', ['scene'], 'scene']);
  });

  it('decodes floor(R/10)*256+G for objects and parts, and the scene as an image label', async () => {
    const ds = await openAde20k({ dir, labelSize: [2, 2] });
    const x1 = await ds.readLabels(0);
    assert.deepEqual([...x1.byCategory.get('object')!.maps[0]!], [300, 300, 2000, 0]);
    assert.deepEqual(x1.byCategory.get('part')!.maps.map((m) => [...m]), [[3050, 0, 0, 0]]);
    assert.deepEqual(x1.byCategory.get('scene')!.imageLabels, [6657]);
    const x2 = await ds.readLabels(1);
    assert.equal(x2.byCategory.has('part'), false);
    assert.deepEqual(x2.byCategory.get('scene')!.imageLabels, [6656]);
  });

  it('keeps only selected categories', async () => {
    const ds = await openAde20k({ dir, labelSize: [1, 1], categories: ['object'] });
    assert.deepEqual(ds.categories, ['object']);
    assert.deepEqual(ds.labels[3050]?.categories, ['object']);
    assert.equal(ds.labels[6656], undefined);
    assert.deepEqual([...(await ds.readLabels(0)).byCategory.keys()], ['object']);
    await assert.rejects(openAde20k({ dir, labelSize: [1, 1], categories: ['texture'] }), UsageError);
  });

  it('disambiguates two classes whose first name term is the same', async () => {
    const d2 = await mkdtemp(join(tmpdir(), 'nd-ade-dup-'));
    try {
      await writeAde(d2);
      await writeFile(join(d2, 'X1.json'), JSON.stringify({ annotation: { scene: ['s'], object: [
        { name: 'car, auto', name_ndx: 300, parts: { part_level: 0 } },
        { name: 'car, railcar', name_ndx: 2000, parts: { part_level: 0 } },
        { name: 'window', name_ndx: 3050, parts: { part_level: 1 } },
      ] } }));
      const ds = await openAde20k({ dir: d2, labelSize: [2, 2] });
      assert.deepEqual([ds.labels[300]?.name, ds.labels[2000]?.name, ds.labels[3050]?.name], ['car-300', 'car-2000', 'window']);
    } finally {
      await rm(d2, { recursive: true, force: true });
    }
  });

  it('rejects a pixel class the JSON does not name', async () => {
    const d2 = await mkdtemp(join(tmpdir(), 'nd-ade-bad-'));
    try {
      await writeAde(d2);
      await writeFile(join(d2, 'X1_seg.png'), encode({ width: 2, height: 2, channels: 3, depth: 8, data: Uint8Array.from([...adePixel(300, 1), ...adePixel(777, 1), 0, 0, 0, 0, 0, 0]) }));
      const ds = await openAde20k({ dir: d2, labelSize: [2, 2] });
      await assert.rejects(ds.readLabels(0), (e: Error) => e instanceof DatasetError && /X1_seg\.png: pixel \(1, 0\) has class 777/.test(e.message));
    } finally {
      await rm(d2, { recursive: true, force: true });
    }
  });

  it('opens the real ADE20K scenes from ../shared', async (t) => {
    const ade = join(SHARED, 'data', 'ade20k');
    const missing = sharedMissing(ade);
    if (missing) return t.skip(missing);
    const ds = await openAde20k({ dir: ade, labelSize: [112, 112] });
    assert.equal(ds.images.length, 3);
    assert.equal(ds.labels[401]?.name, 'car');
    assert.deepEqual(ds.labels[401]?.categories, ['object']);
    assert.deepEqual(ds.labels[2122]?.categories, ['part']); // rim, level 2
    assert.equal(ds.labels[ADE_SCENE_BASE]?.name, 'outdoor/urban/street');
    const l = await ds.readLabels(0);
    assert.ok(l.byCategory.get('object')!.maps[0]!.includes(401));
    assert.equal(l.byCategory.get('part')!.maps.length, 2); // _parts_1 and _parts_2
    assert.deepEqual(l.byCategory.get('scene')!.imageLabels, [ADE_SCENE_BASE]);
    const img = await ds.readImage(0);
    assert.deepEqual([img.width, img.height], [2048, 1536]);
  });
});
