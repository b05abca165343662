import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, unlink, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { writeSegFolder } from '../dataset/fixtures.js';
import { runCli } from './run-cli.js';
import { CAMVID, sharedMissing } from '../helpers/shared.js';

describe('netdissect dataset', () => {
  let dir = '';
  let flags: string[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nd-cli-dataset-'));
    const p = await writeSegFolder(join(dir, 'seg'));
    flags = ['--images', p.images, '--labels', p.labels, '--classes', p.classes, '--ignore', '9', '--label-size', '2,4'];
    await writeFile(join(dir, 'seg', 'manifest.json'), JSON.stringify({ images: 'images', labels: 'labels', classes: 'classes.txt', ignore: 9 }));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('info --json counts pixels and images per concept (hand-counted from the fixture)', async () => {
    const r = await runCli(['dataset', 'info', ...flags, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.equal(info.format, 'segfolder');
    assert.equal(info.images, 3);
    assert.deepEqual(info.labelResolution, { '2x4': 3 });
    // ids a: 0 0 1 1 2 9 1 1 | b: 2 2 2 2 0 0 0 9 | c: 1 x8
    const byName = Object.fromEntries(info.concepts.map((c: { name: string; pixels: number; images: number }) => [c.name, [c.pixels, c.images]]));
    assert.deepEqual(byName, { sky: [5, 2], road: [12, 2], car: [5, 2] });
  });

  it('info takes a manifest in place of the flags, and text output lists concepts', async () => {
    const r = await runCli(['dataset', 'info', join(dir, 'seg', 'manifest.json'), '--label-size', '2,4']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /images: 3/);
    assert.match(r.stdout, /label resolution: 2x4/);
    assert.match(r.stdout, /\n\s+3\s+car\s+object\s+5\s+20\.83\s+2\n/);
  });

  it('info --auto-color adds the color category first', async () => {
    const r = await runCli(['dataset', 'info', ...flags, '--auto-color', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.deepEqual(info.categories.map((c: { name: string }) => c.name), ['color', 'object']);
    const red = info.concepts.find((c: { name: string }) => c.name === 'red');
    assert.deepEqual([red.number, red.pixels, red.images], [12, 6, 3]); // 2 red pixels per photo
  });

  it('validate passes a good dataset with exit 0', async () => {
    const r = await runCli(['dataset', 'validate', ...flags]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /3 images checked: 0 error\(s\), 0 warning\(s\)/);
  });

  it('validate reports every problem with file and line, and exits 1', async () => {
    const bad = join(dir, 'bad');
    const p = await writeSegFolder(bad);
    await writeFile(p.classes, 'sky\n\nroad\nroad\n'); // line 2 empty, line 4 repeats line 3
    await writeFile(join(p.images, 'a.png'), 'not a picture'); // corrupt photo
    await unlink(join(p.labels, 'c.png')); // photo without labels
    await writeFile(join(p.labels, 'b.png'), encode({ width: 4, height: 2, channels: 1, depth: 8, data: new Uint8Array(8).fill(7) })); // unknown id 7
    const r = await runCli(['dataset', 'validate', '--images', p.images, '--labels', p.labels, '--classes', p.classes, '--ignore', '9', '--json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    const summary = out.problems.map((q: { file: string; line?: number; message: string }) => `${q.file.replace(bad, '')}${q.line ? `:${q.line}` : ''}`);
    // a.png: the photo is corrupt, and its labels use class id 1, which the empty line 2 left unnamed.
    assert.deepEqual(summary, ['/classes.txt:2', '/classes.txt:4', '/images/c.png', 'images/a.png', 'images/a.png', 'images/b.png']);
    assert.equal(out.errors, 6);
    assert.match(out.problems[3].message, /cannot decode image .*a\.png/);
    assert.match(out.problems[4].message, /pixel \(2, 0\) has class id 1/);
    assert.match(out.problems[5].message, /pixel \(0, 0\) has class id 7/);
    const text = await runCli(['dataset', 'validate', '--images', p.images, '--labels', p.labels, '--classes', p.classes, '--ignore', '9']);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /error: .*classes\.txt:2: empty class name/);
    assert.match(text.stdout, /2 images checked: 6 error\(s\)/);
  });

  it('usage errors exit 2: no dataset, bad --label-size', async () => {
    assert.equal((await runCli(['dataset', 'info'])).code, 2);
    const r = await runCli(['dataset', 'info', ...flags.slice(0, -2), '--label-size', '0,4']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--label-size 0,4/);
  });

  it('convert --to broden writes the Broden tables', async () => {
    const out = join(dir, 'broden-out');
    const r = await runCli(['dataset', 'convert', ...flags, '--to', 'broden', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      await readFile(join(out, 'index.csv'), 'utf8'),
      'image,split,ih,iw,sh,sw,object\nimages/a.png,train,2,4,2,4,images/a_object.png\nimages/b.png,train,2,4,2,4,images/b_object.png\nimages/c.png,train,2,4,2,4,images/c_object.png\n',
    );
    assert.equal(await readFile(join(out, 'category.csv'), 'utf8'), 'name,first,last,count,frequency\nobject,1,3,3,3\n');
    // coverage: sky 2/8 + 3/8 = 0.625; road 4/8 + 8/8 = 1.5; car 1/8 + 4/8 = 0.625
    assert.equal(
      await readFile(join(out, 'label.csv'), 'utf8'),
      'number,name,category,frequency,coverage,syns\n0,-,,0,0,\n1,sky,object(2),2,0.625,\n2,road,object(2),2,1.5,\n3,car,object(2),2,0.625,\n',
    );
    assert.equal(await readFile(join(out, 'c_object.csv'), 'utf8'), 'code,number,name,frequency,coverage\n1,1,sky,2,0.625\n2,2,road,2,1.5\n3,3,car,2,0.625\n');
    assert.equal((await runCli(['dataset', 'convert', ...flags, '--to', 'broden', out])).code, 1, 'refuses a non-empty output folder');
  });

  it('runs on real CamVid', async (t) => {
    const missing = sharedMissing(CAMVID);
    if (missing) return t.skip(missing);
    const classes = join(dir, 'camvid.txt');
    await writeFile(classes, 'sky\nbuilding\npole\nroad\npavement\ntree\nsignsymbol\nfence\ncar\npedestrian\nbicyclist\n');
    const r = await runCli(['dataset', 'validate', '--images', '../shared/data/camvid/val', '--labels', '../shared/data/camvid/valannot', '--classes', classes, '--ignore', '11']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /101 images checked: 0 error\(s\), 0 warning\(s\)/);
  });
});
