import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateSyntheticBroden } from '../../src/dataset/synthetic/generate.js';
import { hashTree, tempDir } from '../helpers/synthetic.js';

const BIN = path.resolve(process.cwd(), 'bin', 'netdissect.js');

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('netdissect make-dataset synthetic', () => {
  let tmp = '';
  before(() => { tmp = tempDir('cli-make-dataset'); });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes the dataset, reports on stdout and progress on stderr', () => {
    const out = path.join(tmp, 'ds-progress');
    const r = run('make-dataset', 'synthetic', '--images', '16', '--out', out, '--size', '64');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /16 index\.csv rows \(14 images with labels, 2 rows without\), 69 labels, \d+ files/);
    assert.match(r.stdout, /2 of the 16 index\.csv rows have no label data, as some of Broden's do; readers drop such rows, so a dissection uses 14 images\./);
    assert.match(r.stderr, /16\/16 images/);
    assert.ok(existsSync(path.join(out, 'index.csv')));
  });

  it('matches the library with the same arguments (default seed 1)', async () => {
    const cli = path.join(tmp, 'ds-cli');
    const lib = path.join(tmp, 'ds-library');
    assert.equal(run('make-dataset', 'synthetic', '--images', '16', '--out', cli, '--size', '64', '--quiet').status, 0);
    await generateSyntheticBroden({ images: 16, seed: 1, size: 64, format: 'jpeg', out: lib });
    const files = hashTree(lib);
    assert.ok(files.size > 16, `the library wrote ${files.size} files`);
    assert.deepEqual([...hashTree(cli)], [...files]);
  });

  it('refuses a non-empty folder (exit 2) and replaces it with --force', () => {
    const out = path.join(tmp, 'ds-occupied');
    mkdirSync(out);
    writeFileSync(path.join(out, 'keep.txt'), 'not a dataset\n');
    const refused = run('make-dataset', 'synthetic', '--images', '4', '--out', out);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /not empty; pass --force/);
    assert.equal(readFileSync(path.join(out, 'keep.txt'), 'utf8'), 'not a dataset\n', 'a refused run leaves the folder alone');
    const forced = run('make-dataset', 'synthetic', '--images', '4', '--out', out, '--force', '--png', '--quiet');
    assert.equal(forced.status, 0, forced.stderr);
    assert.ok(readdirSync(path.join(out, 'images', 'scenes')).some((f) => f === 'room_000001.png'));
    assert.ok(!existsSync(path.join(out, 'keep.txt')), '--force replaced the folder');
    assert.deepEqual(readdirSync(tmp).filter((f) => f.includes('.tmp-') || f.includes('.old-')), []);
  });

  const bad: [string, string[], RegExp][] = [
    ['a non-number --images', ['--images', 'ten'], /--images must be a whole number, got 'ten'/],
    ['zero --images', ['--images', '0'], /--images must be an integer from 1/],
    ['a negative --seed', ['--images', '2', '--seed', '-3'], /--seed must be a whole number/],
    ['a tiny --size', ['--images', '2', '--size', '4'], /--size must be an integer from 16/],
  ];
  for (const [what, args, message] of bad) {
    it(`exits 2 on ${what}`, () => {
      const r = run('make-dataset', 'synthetic', ...args, '--out', path.join(tmp, 'never'));
      assert.equal(r.status, 2);
      assert.match(r.stderr, message);
      assert.ok(!existsSync(path.join(tmp, 'never')));
    });
  }

  it('exits 2 without --out', () => {
    const r = run('make-dataset', 'synthetic', '--images', '2');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--out/);
  });

  it('documents every flag in --help', () => {
    const r = run('make-dataset', 'synthetic', '--help');
    assert.equal(r.status, 0);
    for (const flag of ['--images', '--out', '--seed', '--size', '--png', '--force', '--quiet']) assert.ok(r.stdout.includes(flag), flag);
  });
});
