import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatasetError } from '../../src/util/errors.js';
import { detectorStats, parseTally, readTally, unitTableFromResults, type DetectorStats } from '../../src/experiments/tally-stats.js';
import type { LayerResults } from '../../src/run/results-types.js';
import { PARITY, sharedMissing } from '../helpers/shared.js';

// Six units, three categories, in our layout (DESIGN.md 7). Hand-computed at IoU > 0.04:
//   best-label detectors: u1 object/dog .2, u2 object/dog .1, u3 part/head .08 (u6 cat = .04 is
//   not > .04) -> 3 detectors: object 2, part 1; unique concepts {dog, head} = 2.
//   paper's rule: color u1 red .05, u3 blue .045 -> 2 units, 2 labels; object u1 dog, u2 dog,
//   u3 cat .07 -> 3 units, 2 labels; part u2 leg .06, u3 head .08 -> 2 units, 2 labels; sum 6.
//   u3 counts in all three categories, u1 in two, u2 in two.
const CATS = ['color', 'object', 'part'] as const;
type Row = { unit: number; category: string; label: string; score: number; cat: Record<(typeof CATS)[number], [string, number]> };
const ROWS: Row[] = [
  { unit: 1, category: 'object', label: 'dog', score: 0.2, cat: { color: ['red', 0.05], object: ['dog', 0.2], part: ['leg', 0.03] } },
  { unit: 2, category: 'object', label: 'dog', score: 0.1, cat: { color: ['red', 0.01], object: ['dog', 0.1], part: ['leg', 0.06] } },
  { unit: 3, category: 'part', label: 'head', score: 0.08, cat: { color: ['blue', 0.045], object: ['cat', 0.07], part: ['head', 0.08] } },
  { unit: 4, category: 'color', label: 'red', score: 0.03, cat: { color: ['red', 0.03], object: ['cat', 0.02], part: ['head', 0.001] } },
  { unit: 5, category: 'part', label: '', score: 0, cat: { color: ['', 0], object: ['', 0], part: ['', 0] } },
  { unit: 6, category: 'object', label: 'cat', score: 0.04, cat: { color: ['red', 0.0], object: ['cat', 0.04], part: ['leg', 0.02] } },
];

/** Our layout: every category's five columns, in category order. */
function oursCsv(rows: Row[], eol: string): string {
  const head = ['unit', 'category', 'label', 'score', ...CATS.flatMap((c) => ['label', 'truth', 'activation', 'intersect', 'iou'].map((s) => `${c}-${s}`))];
  const lines = rows.map((r) =>
    [r.unit, r.category, r.label, r.score, ...CATS.flatMap((c) => [r.cat[c][0], 100, 50, 10, r.cat[c][1]])].join(','),
  );
  return [head.join(','), ...lines].join(eol) + eol;
}

/** The original tool's shape: categories in another order, fields shuffled, an extra column. */
function originalCsv(rows: Row[]): string {
  const order = ['part', 'color', 'object'] as const;
  const head = ['unit', 'category', 'label', 'score', 'comment', ...order.flatMap((c) => [`${c}-iou`, `${c}-truth`, `${c}-label`])];
  const lines = rows.map((r) => [r.unit, r.category, r.label, r.score, 'x', ...order.flatMap((c) => [r.cat[c][1], 7, r.cat[c][0]])].join(','));
  return [head.join(','), ...lines].join('\n');
}

function byCategory(s: DetectorStats): Record<string, number[]> {
  return Object.fromEntries(s.perCategory.map((c) => [c.category, [c.detectors, c.uniqueConcepts, c.categoryDetectors, c.uniqueDetectors]]));
}

describe('parseTally', () => {
  it('reads our layout with CRLF line ends', () => {
    const t = parseTally(oursCsv(ROWS, '\r\n'), 'ours.csv');
    assert.deepEqual(t.categories, ['color', 'object', 'part']);
    assert.equal(t.units.length, 6);
    assert.deepEqual(t.units[2], {
      unit: 3, category: 'part', label: 'head', score: 0.08,
      perCategory: [{ label: 'blue', iou: 0.045 }, { label: 'cat', iou: 0.07 }, { label: 'head', iou: 0.08 }],
    });
    assert.deepEqual(t.units[4]?.perCategory, [{ label: '', iou: 0 }, { label: '', iou: 0 }, { label: '', iou: 0 }]);
  });
  it('finds columns by name in the original tool\'s order, with extra columns and LF', () => {
    const t = parseTally(originalCsv(ROWS), 'orig.csv');
    assert.deepEqual(t.categories, ['part', 'color', 'object']);
    assert.deepEqual(t.units[0]?.perCategory, [{ label: 'leg', iou: 0.03 }, { label: 'red', iou: 0.05 }, { label: 'dog', iou: 0.2 }]);
  });
  it('reads quoted labels holding commas and quotes, and a BOM', () => {
    const text = '\ufeffunit,category,label,score,object-label,object-iou\n1,object,"hot dog, ""big""",0.5,"hot dog, ""big""",0.5\n';
    const t = parseTally(text, 'q.csv');
    assert.equal(t.units[0]?.label, 'hot dog, "big"');
  });

  const good = oursCsv(ROWS, '\n').split('\n');
  const withLine = (n: number, line: string): string => good.map((l, i) => (i === n - 1 ? line : l)).join('\n');
  const cases: [string, string, RegExp][] = [
    ['a cut row', withLine(4, '3,part,head,0.08'), /^bad\.csv:4: 4 fields, the header has 19/],
    ['an IoU that is not a number', withLine(2, good[1]!.replace(/,0\.03$/, ',abc')), /^bad\.csv:2: part-iou is 'abc'/],
    ['an empty score', withLine(2, good[1]!.replace('dog,0.2,', 'dog,,')), /^bad\.csv:2: score is ''/],
    ['a duplicate unit', withLine(3, good[2]!.replace(/^2,/, '1,')), /^bad\.csv:3: unit 1 appears twice/],
    ['a unit that is not a positive integer', withLine(2, good[1]!.replace(/^1,/, '0,')), /^bad\.csv:2: unit '0' is not a positive integer/],
    ['an unknown category', withLine(2, good[1]!.replace('1,object,', '1,scene,')), /^bad\.csv:2: category 'scene' has no columns/],
    ['a missing iou column', good.join('\n').replace('part-iou', 'part-score'), /^bad\.csv:1: category 'part' has no 'part-iou' column/],
    ['a missing score column', good.join('\n').replace(',score,', ',scor,'), /^bad\.csv:1: header lacks column\(s\) score/],
    ['an unterminated quote', withLine(3, good[2]!.replace('dog', '"dog')), /^bad\.csv:3: unterminated quoted field/],
    ['an empty file', '', /^bad\.csv: the file is empty/],
    ['a label-less positive IoU', withLine(2, good[1]!.replace('red,', ',')), /^bad\.csv:2: color-iou is 0\.05 > 0 but color-label is empty/],
  ];
  for (const [what, text, message] of cases) {
    it(`rejects ${what} with file:line`, () => {
      assert.throws(() => parseTally(text, 'bad.csv'), (err: unknown) => err instanceof DatasetError && message.test(err.message));
    });
  }
});

describe('detectorStats', () => {
  it('counts both rules by hand-computed values, units counting in several categories', () => {
    const s = detectorStats(parseTally(oursCsv(ROWS, '\r\n'), 'ours.csv'), 0.04);
    assert.equal(s.units, 6);
    assert.equal(s.detectors, 3);
    assert.equal(s.uniqueConcepts, 2);
    assert.equal(s.uniqueDetectors, 6);
    // [detectors, unique concepts, category detectors, unique detectors]
    assert.deepEqual(byCategory(s), { color: [0, 0, 2, 2], object: [2, 1, 3, 2], part: [1, 1, 2, 2] });
    const object = s.perCategory[1]!;
    assert.deepEqual(object.concepts, [{ label: 'dog', units: 2 }]);
    assert.deepEqual(object.detectorConcepts, [{ label: 'dog', units: 2 }, { label: 'cat', units: 1 }]);
  });
  it('gives the same numbers for the original tool\'s layout', () => {
    const ours = detectorStats(parseTally(oursCsv(ROWS, '\n'), 'a'), 0.04);
    const orig = detectorStats(parseTally(originalCsv(ROWS), 'b'), 0.04);
    assert.deepEqual(byCategory(orig), byCategory(ours));
    assert.deepEqual([orig.detectors, orig.uniqueConcepts, orig.uniqueDetectors], [3, 2, 6]);
  });
  it('uses a strict > at other thresholds', () => {
    const t = parseTally(oursCsv(ROWS, '\n'), 'a');
    // 0.1: only u1 (0.2) is a detector; paper: object u1 dog -> 1 label.
    const s = detectorStats(t, 0.1);
    assert.deepEqual([s.detectors, s.uniqueConcepts, s.uniqueDetectors], [1, 1, 1]);
    // 0.035: u6's cat (0.04) now counts in object; color red .05, blue .045 -> 2.
    const lo = detectorStats(t, 0.035);
    assert.deepEqual([lo.detectors, lo.uniqueConcepts, lo.uniqueDetectors], [4, 3, 6]);
    assert.deepEqual(byCategory(lo).object, [3, 2, 4, 2]);
  });
  it('reads results.json data the same way as the tally', () => {
    const results = {
      categories: ['color', 'object', 'part'],
      units: ROWS.map((r) => ({
        unit: r.unit, name: r.label, category: r.category, score: r.score,
        categories: Object.fromEntries(CATS.map((c) => [c, r.cat[c][0] === '' ? [] : [{ name: r.cat[c][0], iou: r.cat[c][1] }]])),
      })),
    } as unknown as LayerResults;
    const s = detectorStats(unitTableFromResults(results, 'results.json'), 0.04);
    assert.deepEqual(byCategory(s), byCategory(detectorStats(parseTally(oursCsv(ROWS, '\n'), 'a'), 0.04)));
  });
});

describe('readTally on the parity fixture', () => {
  const file = path.join(PARITY, 'expected', 'Conv_1', 'tally_original.csv');
  it('matches counts computed independently (python csv module, by hand)', (t) => {
    const missing = sharedMissing(file);
    if (missing) return t.skip(missing);
    // Computed once with Python's csv.DictReader over the same file: 1280 units, 215 detectors,
    // 39 unique concepts, 46 unique detectors; units over 0.04 per category by the paper's rule.
    const s = detectorStats(readTally(file), 0.04);
    assert.deepEqual([s.units, s.detectors, s.uniqueConcepts, s.uniqueDetectors], [1280, 215, 39, 46]);
    assert.deepEqual(s.perCategory.map((c) => [c.category, c.detectors, c.categoryDetectors]), [
      ['color', 0, 7], ['object', 89, 112], ['part', 14, 39], ['material', 84, 101], ['scene', 2, 8], ['texture', 26, 31],
    ]);
  });
  it('reports an unreadable file as a DatasetError', (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nd-tally-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    assert.throws(() => readTally(path.join(dir, 'absent.csv')), DatasetError);
    writeFileSync(path.join(dir, 'x.csv'), 'unit,category\n');
    assert.throws(() => readTally(path.join(dir, 'x.csv')), /x\.csv:1: header lacks column\(s\) label, score/);
  });
});
