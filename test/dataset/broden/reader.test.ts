import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBroden } from '../../../src/dataset/broden/reader.js';
import { DatasetError } from '../../../src/util/errors.js';
import { pngLabels, pngRgb } from '../../helpers/broden-fixture.js';

// A hand-written Broden directory with the format's quirks: `;` cells with empty pieces,
// image-level numbers, two part channels, labels > 255, a gap in numbers, shared names whose
// primary category comes from coverage (with an exact tie), and a row without data.
const CATEGORY = 'name,first,last,count,frequency\ncolor,1,2,2,2\nobject,3,300,3,2\npart,4,301,2,1\nscene,302,302,1,1\n';
const LABEL = [
  'number,name,category,frequency,coverage,syns',
  '0,-,,0,0,',
  '1,red-c,color(2),2,1.0,',
  '2,blue-c,color(2),2,1.0,',
  '3,car,object(2),2,1.0,',
  '4,window,object(1);part(1),2,1.0,',
  '300,door,object(1);part(1),1,1.0,',
  '301,wheel,part(1),1,1.0,',
  '302,"street, city",scene(1),1,1.0,',
].join('\n');
const C = {
  color: 'code,number,name,frequency,coverage\n1,1,red-c,2,1.0\n2,2,blue-c,2,1.0\n',
  object: 'code,number,name,frequency,coverage\n1,3,car,2,1.0\n2,4,window,1,0.5\n3,300,door,1,0.7\n',
  part: 'code,number,name,frequency,coverage\n1,4,window,1,0.9\n2,300,door,1,0.7\n3,301,wheel,1,0.1\n',
  scene: 'code,number,name,frequency,coverage\n1,302,street,1,1.0\n',
};
const INDEX = [
  'image,split,ih,iw,sh,sw,color,object,part,scene',
  'a/0.png,train,4,4,2,2,a/0_color.png,a/0_object.png,a/0_part_1.png;;a/0_part_2.png;,302',
  'a/empty.png,train,4,4,2,2,,,,',
  'a/1.png,val,4,4,2,2,a/1_color.png;,,,',
].join('\r\n');

describe('openBroden', () => {
  let root = '';
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'nd-broden-'));
    mkdirSync(path.join(root, 'images', 'a'), { recursive: true });
    writeFileSync(path.join(root, 'category.csv'), CATEGORY);
    writeFileSync(path.join(root, 'label.csv'), LABEL);
    for (const [c, text] of Object.entries(C)) writeFileSync(path.join(root, `c_${c}.csv`), text);
    writeFileSync(path.join(root, 'index.csv'), INDEX);
    const img = pngRgb(4, 4, new Uint8Array(48).fill(200));
    writeFileSync(path.join(root, 'images', 'a', '0.png'), img);
    writeFileSync(path.join(root, 'images', 'a', '1.png'), img);
    const lab = (name: string, v: number[]) => writeFileSync(path.join(root, 'images', 'a', name), pngLabels(2, 2, Uint16Array.from(v)));
    lab('0_color.png', [1, 1, 2, 0]);
    lab('0_object.png', [3, 4, 300, 0]);
    lab('0_part_1.png', [301, 0, 4, 0]);
    lab('0_part_2.png', [0, 0, 300, 4]);
    lab('1_color.png', [2, 2, 2, 2]);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('reads categories in category.csv order and primary categories by coverage', async () => {
    const ds = await openBroden(root);
    assert.deepEqual(ds.categories, ['color', 'object', 'part', 'scene']);
    assert.equal(ds.labels[4]!.primaryCategory, 'part', 'window: larger coverage as a part');
    assert.equal(ds.labels[300]!.primaryCategory, 'part', 'door: coverage tie goes to the later category');
    assert.deepEqual(ds.labels[4]!.categories, ['object', 'part']);
    assert.equal(ds.labels[302]!.name, 'street, city', 'quoted CSV field');
    assert.equal(ds.labels[5], undefined, 'gap in label numbers');
  });

  it('drops rows without data and numbers images among kept rows', async () => {
    const ds = await openBroden(root);
    assert.deepEqual(ds.images.map((i) => [i.index, i.file]), [[0, 'a/0.png'], [1, 'a/1.png']]);
  });

  it('decodes label = R + 256·G, several channels per category and image-level labels', async () => {
    const ds = await openBroden(root);
    const l = await ds.readLabels(0);
    assert.deepEqual([...l.byCategory.get('object')!.maps[0]!], [3, 4, 300, 0]);
    assert.deepEqual(l.byCategory.get('part')!.maps.map((m) => [...m]), [[301, 0, 4, 0], [0, 0, 300, 4]]);
    assert.deepEqual(l.byCategory.get('scene')!.imageLabels, [302]);
    const l1 = await ds.readLabels(1);
    assert.deepEqual([...l1.byCategory.keys()], ['color']);
  });

  it('keeps only the selected categories (labels of others read as unlabelled)', async () => {
    const ds = await openBroden(root, { categories: ['color'] });
    assert.deepEqual(ds.categories, ['color']);
    assert.equal(ds.images.length, 2);
    await assert.rejects(openBroden(root, { categories: ['nope'] }), (e: Error) => e instanceof DatasetError && /category 'nope'/.test(e.message));
  });

  it('names the file and pixel of a label number absent from label.csv', async () => {
    const bad = mkdtempSync(path.join(tmpdir(), 'nd-broden-bad-'));
    try {
      for (const f of ['category.csv', 'label.csv', 'c_color.csv', 'c_object.csv', 'c_part.csv', 'c_scene.csv']) {
        writeFileSync(path.join(bad, f), f === 'category.csv' ? CATEGORY : f === 'label.csv' ? LABEL : C[f.slice(2, -4) as keyof typeof C]);
      }
      mkdirSync(path.join(bad, 'images'));
      writeFileSync(path.join(bad, 'index.csv'), 'image,split,ih,iw,sh,sw,color,object,part,scene\nx.png,train,4,4,2,2,x_color.png,,,\n');
      writeFileSync(path.join(bad, 'images', 'x_color.png'), pngLabels(2, 2, Uint16Array.from([1, 77, 1, 1])));
      const ds = await openBroden(bad);
      await assert.rejects(ds.readLabels(0), (e: Error) => e instanceof DatasetError && /x_color\.png: pixel \(1, 0\) has label 77, which is not in label\.csv/.test(e.message));
      writeFileSync(path.join(bad, 'index.csv'), 'image,split,ih,iw,sh,sw,color,object,part,scene\nx.png,train,4,4,2,2,x_color.png,,\n');
      await assert.rejects(openBroden(bad), (e: Error) => e instanceof DatasetError && /index\.csv:2: expected 10 fields/.test(e.message));
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
