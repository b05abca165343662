import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { SHARED, sharedMissing } from '../helpers/shared.js';
import { Command } from 'commander';
import { openDataset, detectFormat, parseLabelSize, DEFAULT_LABEL_SIZE } from '../../src/dataset/open.js';
import { addDatasetOptions, datasetSpecFromOptions } from '../../src/cli/dataset-options.js';
import { writeBroden } from '../../src/dataset/convert/to-broden.js';
import { DatasetError, UsageError } from '../../src/util/errors.js';
import { writeAde, writeSegFolder } from './fixtures.js';

describe('datasetSpecFromOptions', () => {
  const parse = (argv: string[], positional?: string): ReturnType<typeof datasetSpecFromOptions> => {
    const cmd = addDatasetOptions(new Command('x').exitOverride());
    cmd.parse(argv, { from: 'user' });
    return datasetSpecFromOptions(cmd.opts(), positional);
  };
  it('maps every flag', () => {
    assert.deepEqual(
      parse(['--images', 'i', '--labels', 'l', '--classes', 'c.txt', '--ignore', '11', '--category', 'stuff', '--categories', 'color, stuff', '--auto-color', '--label-size', '90,120']),
      { images: 'i', labels: 'l', classes: 'c.txt', ignore: 11, category: 'stuff', categories: ['color', 'stuff'], autoColor: true, labelSize: [90, 120] },
    );
    assert.deepEqual(parse(['--dataset', 'd', '--format', 'ade20k']), { dataset: 'd', format: 'ade20k' });
    assert.deepEqual(parse([], 'broden1_224'), { dataset: 'broden1_224' });
  });
  const bad: [string[], RegExp][] = [
    [['--ignore', '-1', '--images', 'i'], /--ignore -1/],
    [['--ignore', 'x'], /--ignore x/],
    [['--label-size', '0'], /--label-size 0/],
    [['--label-size', '1,2,3'], /--label-size 1,2,3/],
    [['--dataset', 'd', '--labels', 'l'], /either a dataset/],
    [['--categories', ' , '], /--categories/],
  ];
  for (const [argv, message] of bad) {
    it(`rejects ${argv.join(' ')} with UsageError`, () => {
      assert.throws(() => parse(argv), (e: Error) => e instanceof UsageError && message.test(e.message));
    });
  }
  it('accepts --categories collected as a list', () => {
    assert.deepEqual(datasetSpecFromOptions({ categories: ['object', 'part,scene'] }), { categories: ['object', 'part', 'scene'] });
  });
  it('rejects two different datasets', () => {
    assert.throws(() => parse(['--dataset', 'a'], 'b'), UsageError);
  });
});

describe('parseLabelSize', () => {
  it('reads H,W, HxW and one number', () => {
    assert.deepEqual(parseLabelSize('112,112'), [112, 112]);
    assert.deepEqual(parseLabelSize('90x120'), [90, 120]);
    assert.deepEqual(parseLabelSize('56'), [56, 56]);
  });
});

describe('openDataset', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nd-open-'));
    await writeSegFolder(join(dir, 'seg'));
    await writeFile(join(dir, 'seg', 'm.json'), JSON.stringify({ images: 'images', labels: 'labels', classes: 'classes.txt', ignore: 9, category: 'thing' }));
    await writeAde(join(dir, 'ade'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens a segfolder from flags with the default label size', async () => {
    const seg = join(dir, 'seg');
    const ds = await openDataset({ images: join(seg, 'images'), labels: join(seg, 'labels'), classes: join(seg, 'classes.txt'), ignore: 9 });
    assert.equal(ds.format, 'segfolder');
    assert.deepEqual([ds.images[0]!.sh, ds.images[0]!.sw], [...DEFAULT_LABEL_SIZE]);
  });

  it('opens a segfolder manifest with paths relative to it, and adds colour on request', async () => {
    const ds = await openDataset({ dataset: join(dir, 'seg', 'm.json'), autoColor: true, labelSize: [2, 4] });
    assert.equal(ds.format, 'segfolder');
    assert.deepEqual(ds.categories, ['color', 'thing']);
    assert.equal(ds.root, join(dir, 'seg'));
    assert.ok(ds.identityFiles.includes('m.json'));
  });

  it('detects ADE20K and Broden folders', async () => {
    assert.equal(await detectFormat(join(dir, 'ade')), 'ade20k');
    const ade = await openDataset({ dataset: join(dir, 'ade'), labelSize: [2, 2], categories: ['object', 'scene'] });
    assert.deepEqual(ade.categories, ['object', 'scene']);
    await writeBroden(ade, join(dir, 'b'));
    assert.equal(await detectFormat(join(dir, 'b')), 'broden');
    const broden = await openDataset({ dataset: join(dir, 'b'), categories: ['scene'] });
    assert.equal(broden.format, 'broden');
    assert.deepEqual(broden.categories, ['scene']);
  });

  it('passes --categories minus color to the base when --auto-color is on', async () => {
    const ds = await openDataset({ dataset: join(dir, 'ade'), labelSize: [2, 2], categories: ['color', 'part'], autoColor: true });
    assert.deepEqual(ds.categories, ['color', 'part']);
  });

  it('explains what is missing', async () => {
    await mkdir(join(dir, 'empty'), { recursive: true });
    await assert.rejects(openDataset({}), (e: Error) => e instanceof UsageError && /no dataset given/.test(e.message));
    await assert.rejects(openDataset({ images: 'x' }), (e: Error) => e instanceof UsageError && /needs --labels, --classes/.test(e.message));
    await assert.rejects(openDataset({ dataset: join(dir, 'empty') }), (e: Error) => e instanceof UsageError && /cannot tell the dataset format/.test(e.message));
    await assert.rejects(openDataset({ dataset: join(dir, 'nope') }), (e: Error) => e instanceof UsageError && /no such file/.test(e.message));
    await writeFile(join(dir, 'bad.json'), '{"images": 3}');
    await assert.rejects(openDataset({ dataset: join(dir, 'bad.json') }), (e: Error) => e instanceof DatasetError && /'images' must be a string/.test(e.message));
    await writeFile(join(dir, 'bad2.json'), '{"imgs": "x"}');
    await assert.rejects(openDataset({ dataset: join(dir, 'bad2.json') }), (e: Error) => e instanceof DatasetError && /unknown manifest key 'imgs'/.test(e.message));
    const seg = join(dir, 'seg');
    await assert.rejects(
      openDataset({ images: join(seg, 'images'), labels: join(seg, 'labels'), classes: join(seg, 'classes.txt'), categories: ['part'] }),
      (e: Error) => e instanceof UsageError && /has only 'object'/.test(e.message),
    );
  });

  it('opens the real ADE20K folder by detection', async (t) => {
    const ade = path.join(SHARED, 'data', 'ade20k');
    const missing = sharedMissing(ade);
    if (missing) return t.skip(missing);
    const ds = await openDataset({ dataset: ade });
    assert.equal(ds.format, 'ade20k');
    assert.equal(ds.images.length, 3);
  });
});
