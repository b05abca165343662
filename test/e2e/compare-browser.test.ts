// `netdissect compare` end to end: the CLI writes the page from hand-made runs, and a real
// chromium loads it from file:// with JavaScript disabled or not: no console errors, no dialog,
// hostile concept and layer names shown as text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromiumMissing, launchChromium, recordProblems } from '../helpers/browser.js';
import { layerResults, writeRun, type FixtureUnit } from '../helpers/run-fixtures.js';

const EVIL = '<img src=x onerror=alert(1)>';
const EVIL_LAYER = '</svg><script>alert(2)</script>';

// Three checkpoints of one training run; the hostile concept is unit 1's object label.
function unitsAt(step: number): FixtureUnit[] {
  return [
    { category: 'object', label: EVIL, score: 0.05 * step, best: { object: [EVIL, 0.05 * step], texture: ['striped', 0.01 * step] } },
    { category: 'texture', label: 'striped', score: 0.03 * step, best: { object: ['dog', 0.02], texture: ['striped', 0.03 * step] } },
  ];
}

describe('netdissect compare (browser)', () => {
  it('renders from file:// without console errors and shows hostile names as text', async (t) => {
    if (chromiumMissing) return t.skip(chromiumMissing);
    const root = mkdtempSync(path.join(tmpdir(), 'nd-compare-e2e-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const runs = [1, 2, 3].map((step) =>
      writeRun(path.join(root, `ckpt${step}`), [{ name: EVIL_LAYER, dir: 'layer', results: layerResults(EVIL_LAYER, ['object', 'texture'], unitsAt(step)) }]),
    );
    const out = path.join(root, 'out');
    const r = spawnSync(process.execPath, [path.resolve('bin', 'netdissect.js'), 'compare', ...runs, '--out', out, '--labels', `epoch 1,${EVIL},epoch 3`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // Step 1: unit 1 at .05 is a detector; step 2: both (.1 and .06); step 3: both.
    assert.match(r.stdout, /^1\. epoch 1: 2 units, 1 detectors/m);
    assert.match(r.stdout, /^3\. epoch 3: 2 units, 2 detectors, 2 unique concepts, 2 unique detectors/m);
    assert.ok(!readFileSync(path.join(out, 'index.html'), 'utf8').includes('<script'));

    const browser = await launchChromium();
    try {
      for (const javaScriptEnabled of [true, false]) {
        const page = await browser.newPage({ javaScriptEnabled });
        const problems: string[] = [];
        recordProblems(page, problems);
        await page.goto(pathToFileURL(path.join(out, 'index.html')).href);
        // Open every <details> so the concept lists are visible text.
        for (const d of await page.locator('details summary').all()) await d.click();
        assert.equal(await page.locator('img').count(), 0);
        assert.equal(await page.locator('script').count(), 0);
        assert.equal(await page.locator('svg.chart').count(), 4);
        assert.ok((await page.locator('.concept', { hasText: EVIL }).count()) >= 3, 'hostile concept not shown as text');
        const body = await page.locator('body').innerText();
        assert.ok(body.includes(EVIL_LAYER), 'hostile layer name not shown as text');
        assert.ok(body.includes(`2. ${EVIL}`), 'hostile run label not shown as text');
        // Bars carry their numbers as tooltips: 3 entries × 2 categories.
        assert.equal(await page.locator('svg.chart').first().locator('rect.bar').count(), 6);
        assert.deepEqual(problems, []);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});
