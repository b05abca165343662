import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateBroden } from '../../src/dataset/validate-broden.js';
import { validateDataset } from '../../src/dataset/validate.js';
import { writeBroden, encodeLabelPng } from '../../src/dataset/convert/to-broden.js';
import { openSegFolder } from '../../src/dataset/segfolder/segfolder.js';
import type { DatasetProblem } from '../../src/dataset/problems.js';
import { writeSegFolder } from './fixtures.js';

describe('validateBroden', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nd-valbroden-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const make = async (name: string): Promise<string> => {
    const ds = await openSegFolder({ ...(await writeSegFolder(join(dir, `${name}-src`))), ignore: 9, labelSize: [2, 4] });
    await writeBroden(ds, join(dir, name));
    return join(dir, name);
  };

  it('finds nothing wrong in a freshly written dataset', async () => {
    const root = await make('good');
    const problems: DatasetProblem[] = [];
    assert.equal(await validateBroden(root, problems), 3);
    assert.deepEqual(problems, []);
  });

  it('reports every bad row and file with its line, not just the first', async () => {
    const root = await make('bad');
    // label.csv: line 3 (sky) gets a bad number, line 5 (car) repeats road's number 2 and names an unknown category.
    await writeFile(join(root, 'label.csv'), 'number,name,category,frequency,coverage,syns\n0,-,,0,0,\nx,sky,object(2),2,0.625,\n2,road,object(2),2,1.5,\n2,car,stuff(2),2,0.625,\n');
    // c_object.csv: line 2 names label 1, which is no longer in label.csv.
    // index.csv: line 2 fine, line 3 names a missing photo, line 4 is short, line 5 has a wrong-size map.
    const index = (await readFile(join(root, 'index.csv'), 'utf8')).split('\n');
    index[2] = index[2]!.replace('images/b.png,', 'images/missing.png,');
    index[3] = 'images/c.png,train,2,4';
    index.splice(4, 0, 'images/a.png,train,2,4,2,4,images/small_object.png;7');
    await writeFile(join(root, 'index.csv'), index.join('\n'));
    await writeFile(join(root, 'images', 'images', 'small_object.png'), encodeLabelPng(new Uint16Array([3]), 1, 1));
    await writeFile(join(root, 'images', 'images', 'a.png'), 'corrupt');
    const problems: DatasetProblem[] = [];
    await validateBroden(root, problems);
    const got = problems.map((p) => `${p.file.slice(root.length + 1)}:${p.line ?? ''}: ${p.message}`);
    const expected = [
      /^label\.csv:3: column 'number' must be an integer ≥ 0, found 'x'$/,
      /^label\.csv:5: label number 2 appears twice$/,
      /^label\.csv:5: category 'stuff' is not in category\.csv$/,
      /^c_object\.csv:2: label 1 is not a object label of label\.csv$/,
      /^c_object\.csv:4: label 3 is not a object label of label\.csv$/,
      /^index\.csv:4: expected 7 fields \(image,split,ih,iw,sh,sw,object\), found 4$/,
      /^index\.csv:2: cannot decode image .*images\/images\/a\.png/,
      /^index\.csv:2: label map images\/a_object\.png has label\(s\) 1, 3 that label\.csv lacks$/,
      /^index\.csv:3: image images\/missing\.png is not in images\/$/,
      /^index\.csv:3: label map images\/b_object\.png has label\(s\) 3, 1 that label\.csv lacks$/,
      /^index\.csv:5: cannot decode image .*images\/images\/a\.png/,
      /^index\.csv:5: label map images\/small_object\.png is 1×1, the row says sw×sh = 4×2$/,
      /^index\.csv:5: label map images\/small_object\.png has label\(s\) 3 that label\.csv lacks$/,
      /^index\.csv:5: image-level label 7 in column 'object' is not a object label of label\.csv$/,
    ];
    assert.equal(got.length, expected.length, got.join('\n'));
    got.forEach((g, i) => assert.match(g, expected[i]!));
  });

  it('is what dataset validate runs on a Broden folder', async () => {
    const r = await validateDataset({ dataset: join(dir, 'bad') });
    assert.equal(r.problems.length, 14);
  });
});
