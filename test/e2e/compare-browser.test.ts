// `netdissect compare` end to end: the CLI writes the page from hand-made runs, and a real
// chromium loads it from file:// with JavaScript disabled or not: no console errors, no dialog,
// hostile concept and layer names shown as text, every axis label inside its chart, and a
// warning when the runs were dissected on different data.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium, recordProblems } from '../helpers/browser.js';
import { layerResults, writeRun, type FixtureUnit } from '../helpers/run-fixtures.js';
import type { Comparison } from '../../src/experiments/compare.js';
import type { LayerResults } from '../../src/run/results-types.js';

const EVIL = '<img src=x onerror=alert(1)>';
const EVIL_LAYER = '</svg><script>alert(2)</script>';
const SHOTS = path.resolve('test-output', 'screenshots');

// Three checkpoints of one training run; the hostile concept is unit 1's object label.
function unitsAt(step: number): FixtureUnit[] {
  return [
    { category: 'object', label: EVIL, score: 0.05 * step, best: { object: [EVIL, 0.05 * step], texture: ['striped', 0.01 * step] } },
    { category: 'texture', label: 'striped', score: 0.03 * step, best: { object: ['dog', 0.02], texture: ['striped', 0.03 * step] } },
  ];
}

function compare(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [path.resolve('bin', 'netdissect.js'), 'compare', ...args], { encoding: 'utf8' });
}

describe('netdissect compare (browser)', { skip: chromiumMissing ?? false }, () => {
  let root: string;
  let browser: Browser;
  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'nd-compare-e2e-'));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('renders from file:// without console errors and shows hostile names as text', async () => {
    const dir = path.join(root, 'hostile');
    const runs = [1, 2, 3].map((step) =>
      writeRun(path.join(dir, `ckpt${step}`), [{ name: EVIL_LAYER, dir: 'layer', results: layerResults(EVIL_LAYER, ['object', 'texture'], unitsAt(step)) }]),
    );
    const out = path.join(dir, 'out');
    const r = compare([...runs, '--out', out, '--labels', `epoch 1,${EVIL},epoch 3`]);
    assert.equal(r.status, 0, r.stderr);
    // Step 1: unit 1 at .05 is a detector; step 2: both (.1 and .06); step 3: both.
    assert.match(r.stdout, /^1\. epoch 1: 2 units, 1 detectors/m);
    assert.match(r.stdout, /^3\. epoch 3: 2 units, 2 detectors, 2 unique concepts, 2 unique detectors/m);
    assert.doesNotMatch(r.stderr, /warning/); // same dataset and settings throughout
    assert.ok(!readFileSync(path.join(out, 'index.html'), 'utf8').includes('<script'));
    for (const javaScriptEnabled of [true, false]) {
      const page = await browser.newPage({ javaScriptEnabled });
      const problems: string[] = [];
      recordProblems(page, problems);
      await page.goto(pathToFileURL(path.join(out, 'index.html')).href);
      // Open every <details> so the concept lists are visible text.
      for (const d of await page.locator('details summary').all()) await d.click();
      assert.equal(await page.locator('img').count(), 0);
      assert.equal(await page.locator('script').count(), 0);
      assert.equal(await page.locator('svg.chart').count(), 6);
      assert.equal(await page.locator('.warnings').count(), 0);
      assert.ok((await page.locator('.concept', { hasText: EVIL }).count()) >= 3, 'hostile concept not shown as text');
      const body = await page.locator('body').innerText();
      assert.ok(body.includes(EVIL_LAYER), 'hostile layer name not shown as text');
      assert.ok(body.includes(`2. ${EVIL}`), 'hostile run label not shown as text');
      // Bars carry their numbers as tooltips: 3 entries × 2 categories.
      assert.equal(await page.locator('svg.chart').first().locator('rect.bar').count(), 6);
      assert.deepEqual(problems, []);
      await page.close();
    }
  });

  it('warns on stderr, in compare.json and on the page when the runs differ in dataset and settings; shows counts and shares', async () => {
    const dir = path.join(root, 'mixed');
    mkdirSync(dir, { recursive: true });
    const units: FixtureUnit[] = unitsAt(2);
    const broden = layerResults('Conv_1_preact', ['object', 'texture'], units);
    // A layer 15 times wider on another dataset: 2 detectors of 30 units.
    const wide = layerResults('Conv_1_preact', ['object', 'texture'], [...units, ...Array.from({ length: 28 }, (): FixtureUnit => ({ category: 'object', label: 'car', score: 0.01, best: { object: ['car', 0.01] } }))]);
    const camvid: LayerResults = {
      ...wide,
      dataset: { ...wide.dataset, format: 'segfolder', root: '/data/camvid/val', digest: '0123456789abcdef', images: 101, labelResolution: [56, 56] },
      settings: { ...wide.settings, semantics: 'lite', quantile: 0.01 },
    };
    const a = writeRun(path.join(dir, 'synthetic-broden-run'), [{ name: 'Conv_1_preact', dir: 'Conv_1_preact', results: broden }]);
    const b = writeRun(path.join(dir, 'camvid-run'), [{ name: 'Conv_1_preact', dir: 'Conv_1_preact', results: camvid }]);
    const out = path.join(dir, 'out');
    const r = compare([a, b, '--out', out, '--labels', 'MobileNetV2 on synthetic Broden,MobileNetV2 on CamVid val']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /netdissect: warning: the entries differ in datasets .*segfolder \/data\/camvid\/val \(101 images/);
    for (const what of ['semantics', 'quantiles', 'label sizes']) assert.match(r.stderr, new RegExp(`warning: the entries differ in ${what}`));
    const json = JSON.parse(readFileSync(path.join(out, 'compare.json'), 'utf8')) as Comparison;
    assert.equal(json.warnings.length, 4);
    assert.deepEqual(json.entries.map((e) => [e.dataset?.format, e.dataset?.images, e.semantics, e.quantile, e.labelSize]), [
      ['broden', 1, 'original', 0.005, [112, 112]],
      ['segfolder', 101, 'lite', 0.01, [56, 56]],
    ]);
    const csv = readFileSync(path.join(out, 'compare.csv'), 'utf8').split('\n');
    assert.match(csv[2] ?? '', /,segfolder,\/data\/camvid\/val,0123456789abcdef,101,lite,0.01,56x56,30,2,0.0666/);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    recordProblems(page, problems);
    await page.goto(pathToFileURL(path.join(out, 'index.html')).href);
    const box = page.locator('.warnings[role=alert]');
    assert.equal(await box.isVisible(), true);
    assert.equal(await box.locator('li').count(), 4);
    // Counts and shares side by side: 2 of 2 units (100 %) beside 2 of 30 (6.7 %).
    const summary = await page.locator('table.summary').innerText();
    assert.match(summary, /100\.0 %/);
    assert.match(summary, /6\.7 %/);
    const titles = await page.$$eval('svg.chart > title', (ts) => ts.map((t) => t.textContent));
    assert.deepEqual(titles, [
      'Detectors per category (best label)',
      'Detectors per category, share of the layer',
      'Unique detectors per category (paper)',
      'Detectors over the run order',
      'Detectors over the run order, share of the layer',
      'Unique detectors over the run order',
    ]);
    // No text of any chart (axis labels, ticks, legend, title) outside its SVG.
    const clipped = await page.$$eval('svg.chart', (svgs) =>
      svgs.flatMap((svg, i) => {
        const frame = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text')]
          .map((t) => ({ text: t.textContent ?? '', r: t.getBoundingClientRect() }))
          .filter(({ r }) => r.left < frame.left - 0.5 || r.right > frame.right + 0.5 || r.top < frame.top - 0.5 || r.bottom > frame.bottom + 0.5)
          .map(({ text, r }) => `chart ${i + 1}: "${text}" at ${Math.round(r.left - frame.left)},${Math.round(r.top - frame.top)} in ${Math.round(frame.width)}×${Math.round(frame.height)}`);
      }),
    );
    assert.deepEqual(clipped, []);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'compare.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });
});
