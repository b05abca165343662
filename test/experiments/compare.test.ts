import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatasetError, RunDirError, UsageError } from '../../src/util/errors.js';
import { compareCsv, compareRuns, writeComparison, type Comparison } from '../../src/experiments/compare.js';
import type { LayerResults } from '../../src/run/results-types.js';
import { layerResults, writeRun, type FixtureUnit } from '../helpers/run-fixtures.js';

const CATS = ['object', 'texture'];
// conv4, hand-computed at 0.04: detectors u1 object/dog, u2 texture/striped -> 2 (object 1,
// texture 1), 2 unique concepts; paper: object {dog} 1 unit, texture {striped} u1+u2 -> 2.
const CONV4: FixtureUnit[] = [
  { category: 'object', label: 'dog', score: 0.1, best: { object: ['dog', 0.1], texture: ['striped', 0.05] } },
  { category: 'texture', label: 'striped', score: 0.06, best: { object: ['cat', 0.03], texture: ['striped', 0.06] } },
  { category: 'texture', label: '', score: 0, best: {} },
];
// conv5: detectors u1 dog, u2 cat, u3 dog -> 3 (object 3), 2 unique concepts; paper: object
// {dog, cat} 3 units, texture {dotted (u1), striped (u2 .045)} 2 units -> 4.
const CONV5: FixtureUnit[] = [
  { category: 'object', label: 'dog', score: 0.2, best: { object: ['dog', 0.2], texture: ['dotted', 0.05] } },
  { category: 'object', label: 'cat', score: 0.15, best: { object: ['cat', 0.15], texture: ['striped', 0.045] } },
  { category: 'object', label: 'dog', score: 0.05, best: { object: ['dog', 0.05] } },
  { category: 'texture', label: 'dotted', score: 0.03, best: { object: ['cat', 0.01], texture: ['dotted', 0.03] } },
];
// Model B as a tally.csv with another category order and a new category (scene): detectors
// u1 scene/street, u2 object/car -> 2; paper: scene {street}, object {car} (u1 .1, u2 .05) -> 2.
const TALLY_B = [
  'unit,category,label,score,scene-label,scene-iou,object-label,object-iou',
  '1,scene,street,0.3,street,0.3,car,0.1',
  '2,object,car,0.05,street,0.01,car,0.05',
].join('\r\n');

function fixtures(): { root: string; runA: string; tallyB: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'nd-compare-'));
  const runA = writeRun(path.join(root, 'runA'), [
    { name: 'conv4', dir: 'conv4', results: layerResults('conv4', CATS, CONV4) },
    { name: 'features/conv5', dir: 'features_conv5', results: layerResults('features/conv5', CATS, CONV5) },
  ]);
  mkdirSync(path.join(root, 'modelB'));
  const tallyB = path.join(root, 'modelB', 'tally.csv');
  writeFileSync(tallyB, TALLY_B);
  return { root, runA, tallyB };
}

function numbers(c: Comparison): [string, number, number, number, number][] {
  return c.entries.map((e) => [e.label, e.stats.units, e.stats.detectors, e.stats.uniqueConcepts, e.stats.uniqueDetectors]);
}

describe('compareRuns', () => {
  const { root, runA, tallyB } = fixtures();
  after(() => rmSync(root, { recursive: true, force: true }));
  const none = (): void => assert.fail('unexpected warning');

  it('compares every layer of a run and a tally.csv, in the order given', () => {
    const c = compareRuns([runA, tallyB], { iouThreshold: 0.04 }, none);
    assert.deepEqual(numbers(c), [
      ['runA/conv4', 3, 2, 2, 2],
      ['runA/features/conv5', 4, 3, 2, 4],
      ['modelB', 2, 2, 2, 2],
    ]);
    assert.deepEqual(c.categories, ['object', 'texture', 'scene']);
    assert.deepEqual(c.entries.map((e) => [e.order, e.layer, e.source]), [
      [1, 'conv4', path.join(runA, 'conv4', 'results.json')],
      [2, 'features/conv5', path.join(runA, 'features_conv5', 'results.json')],
      [3, null, tallyB],
    ]);
  });
  it('names entries by layer for one run, and selects one layer by name or folder', () => {
    assert.deepEqual(compareRuns([runA], { iouThreshold: 0.04 }, none).entries.map((e) => e.label), ['conv4', 'features/conv5']);
    for (const layer of ['features/conv5', 'features_conv5']) {
      const c = compareRuns([runA, tallyB], { iouThreshold: 0.04, layer, labels: ['A', 'B'] }, none);
      assert.deepEqual(numbers(c), [['A', 4, 3, 2, 4], ['B', 2, 2, 2, 2]]);
    }
  });
  it('accepts results.json and run.json paths and applies the threshold to all', () => {
    // At 0.1 (strict): conv5 detectors u1 .2, u2 .15 -> 2; paper: object {dog, cat} -> 2.
    const c = compareRuns([path.join(runA, 'features_conv5', 'results.json'), path.join(runA, 'run.json')], { iouThreshold: 0.1, layer: 'conv4' }, none);
    assert.deepEqual(numbers(c), [['features_conv5', 4, 2, 2, 2], ['runA', 3, 0, 0, 0]]);
  });
  it('accepts a layer folder given directly', () => {
    assert.deepEqual(numbers(compareRuns([path.join(runA, 'conv4')], { iouThreshold: 0.04 }, none)), [['conv4', 3, 2, 2, 2]]);
  });
  it('writes compare.csv with hand-computed rows, empty cells for absent categories', () => {
    const c = compareRuns([runA, tallyB], { iouThreshold: 0.04, layer: 'conv4', labels: ['A, "first"', 'B'] }, none);
    const lines = compareCsv(c).split('\n');
    assert.equal(
      lines[0],
      'order,label,source,layer,dataset_format,dataset_root,dataset_digest,dataset_images,semantics,quantile,label_size,' +
        'units,detectors,detector_share,unique_concepts,unique_detectors,' +
        'object-detectors,object-unique-concepts,object-category-detectors,object-unique-detectors,' +
        'texture-detectors,texture-unique-concepts,texture-category-detectors,texture-unique-detectors,' +
        'scene-detectors,scene-unique-concepts,scene-category-detectors,scene-unique-detectors',
    );
    // conv4: 2 detectors of 3 units; the tally.csv records no dataset or settings.
    assert.equal(lines[1], `1,"A, ""first""",${path.join(runA, 'conv4', 'results.json')},conv4,broden,d,x,1,original,0.005,112x112,3,2,${2 / 3},2,2,1,1,1,1,1,1,2,1,,,,`);
    assert.equal(lines[2], `2,B,${tallyB},,,,,,,,,2,2,1,2,2,1,1,2,1,,,,,1,1,1,1`);
    assert.equal(lines.length, 4); // and a final newline
  });
  it('writes compare.csv, compare.json and index.html into a new folder', () => {
    const out = path.join(root, 'out', 'nested');
    const c = compareRuns([runA], { iouThreshold: 0.04 }, none);
    const files = writeComparison(c, out);
    assert.deepEqual(files.map((f) => path.basename(f)), ['compare.csv', 'compare.json', 'index.html']);
    const json = JSON.parse(readFileSync(path.join(out, 'compare.json'), 'utf8')) as Comparison;
    assert.equal(json.schema, 'netdissect/compare');
    assert.deepEqual(json, JSON.parse(JSON.stringify(c)));
    assert.equal(json.entries[1]?.stats.perCategory[1]?.detectorConcepts.map((k) => k.label).join(), 'dotted,striped');
    assert.match(readFileSync(path.join(out, 'index.html'), 'utf8'), /^<!doctype html>/);
  });
  it("records each entry's dataset, semantics, quantile and label size", () => {
    const c = compareRuns([runA, tallyB], { iouThreshold: 0.04, layer: 'conv4' }, none);
    assert.deepEqual(
      c.entries.map((e) => [e.dataset, e.semantics, e.quantile, e.labelSize]),
      [
        [{ format: 'broden', root: 'd', digest: 'x', images: 1 }, 'original', 0.005, [112, 112]],
        [null, null, null, null],
      ],
    );
    assert.deepEqual(c.warnings, []);
  });
  it('warns, once per property, when the entries differ in dataset, semantics, quantile or label size', () => {
    const base = layerResults('conv4', CATS, CONV4);
    const other: LayerResults = {
      ...base,
      dataset: { ...base.dataset, format: 'segfolder', root: '/data/camvid/val', digest: 'feedbeefcafe0123', images: 101, labelResolution: [56, 56] },
      settings: { ...base.settings, semantics: 'lite', quantile: 0.01 },
    };
    const runB = writeRun(path.join(root, 'camvid'), [{ name: 'conv4', dir: 'conv4', results: other }]);
    const warnings: string[] = [];
    const c = compareRuns([runA, runB], { iouThreshold: 0.04, layer: 'conv4', labels: ['broden', 'camvid'] }, (m) => warnings.push(m));
    assert.deepEqual(warnings, c.warnings);
    assert.deepEqual(warnings, [
      'the entries differ in datasets (their detector counts measure different data): broden d (1 images, digest x): 1. broden; segfolder /data/camvid/val (101 images, digest feedbeefcafe): 2. camvid',
      'the entries differ in semantics (activation counts follow different rules): original: 1. broden; lite: 2. camvid',
      'the entries differ in quantiles (masks cover different shares of each unit): 0.005: 1. broden; 0.01: 2. camvid',
      'the entries differ in label sizes (IoU is counted at different resolutions): 112×112: 1. broden; 56×56: 2. camvid',
    ]);
    // The same dataset moved to another root is the same dataset.
    const moved = writeRun(path.join(root, 'moved'), [{ name: 'conv4', dir: 'conv4', results: { ...base, dataset: { ...base.dataset, root: '/elsewhere' } } }]);
    assert.deepEqual(compareRuns([runA, moved], { iouThreshold: 0.04, layer: 'conv4' }, none).warnings, []);
  });
  it('warns about a run that is not complete and records its rotation', () => {
    const dir = writeRun(path.join(root, 'rot'), [{ name: 'conv4', dir: 'conv4', results: layerResults('conv4', CATS, CONV4) }], {
      state: 'running',
      rotation: { seed: 3, alpha: 0.5 },
    });
    const warnings: string[] = [];
    const c = compareRuns([dir], { iouThreshold: 0.04 }, (m) => warnings.push(m));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /the run is 'running', not complete/);
    // results.json carries no rotation here; the run's settings do.
    assert.deepEqual(c.entries[0]?.rotation, { seed: 3, alpha: 0.5 });
  });

  const errors: [string, () => unknown, new (m: string) => Error, RegExp][] = [
    ['no input', () => compareRuns([], { iouThreshold: 0.04 }, none), UsageError, /at least one/],
    ['a label count that does not match', () => compareRuns([runA, tallyB], { iouThreshold: 0.04, labels: ['x'] }, none), UsageError, /--labels has 1 name\(s\) for 2 input\(s\)/],
    ['an unknown layer', () => compareRuns([runA], { iouThreshold: 0.04, layer: 'fc' }, none), UsageError, /--layer fc: not in .*run\.json \(layers: conv4, features\/conv5\)/],
    ['a missing input', () => compareRuns([path.join(root, 'nope')], { iouThreshold: 0.04 }, none), UsageError, /nope does not exist/],
    [
      'a folder that is not a run',
      () => {
        const d = path.join(root, 'empty');
        mkdirSync(d);
        return compareRuns([d], { iouThreshold: 0.04 }, none);
      },
      UsageError,
      /empty holds no run\.json, results\.json or tally\.csv/,
    ],
    [
      'a layer without results',
      () => compareRuns([writeRun(path.join(root, 'partial'), [{ name: 'conv4', dir: 'conv4', results: null }])], { iouThreshold: 0.04 }, none),
      RunDirError,
      /partial[/\\]conv4: neither results\.json nor tally\.csv/,
    ],
    [
      'a run.json of another kind',
      () => {
        const d = path.join(root, 'badrun');
        mkdirSync(d);
        writeFileSync(path.join(d, 'run.json'), '{"schema":"other"}');
        return compareRuns([d], { iouThreshold: 0.04 }, none);
      },
      RunDirError,
      /not a netdissect run\.json \(schema 'other'/,
    ],
    [
      'a results.json that is not JSON',
      () => {
        const f = path.join(root, 'broken.json');
        writeFileSync(f, '{"schema":');
        return compareRuns([f], { iouThreshold: 0.04 }, none);
      },
      DatasetError,
      /broken\.json: not valid JSON/,
    ],
    [
      'a results.json from a newer schema',
      () => {
        const f = path.join(root, 'newer.json');
        writeFileSync(f, JSON.stringify({ ...layerResults('x', CATS, CONV4), version: 99 }));
        return compareRuns([f], { iouThreshold: 0.04 }, none);
      },
      DatasetError,
      /results schema version 99; this tool reads up to 1/,
    ],
  ];
  for (const [what, run, ErrorClass, message] of errors) {
    it(`rejects ${what}`, () => {
      assert.throws(run, (err: unknown) => err instanceof ErrorClass && message.test((err as Error).message));
    });
  }
});
