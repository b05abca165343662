// The report in a real browser (Debian's chromium through playwright-core), opened from file://
// as users open it. Every test opens its own page at the view it needs (the report and the
// browser are shared fixtures, nothing else), so any test passes alone: run one with
// `node --test --test-name-pattern "<name>" dist/test/e2e/report-browser.test.js`.
// Screenshots land in test-output/screenshots/ for people to look at.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, recordProblems } from '../helpers/browser.js';
import type { LayerResults, UnitResult } from '../../src/run/results-types.js';
import { writeReport } from '../../src/report/write-report.js';
import { MaskScratch, maskAbove, upsamplePlan } from '../../src/tally/upsample.js';
import { XSS_CONCEPT, makeRunFixture, type RunFixture } from '../report/fixture.js';

const SHOTS = resolve('test-output', 'screenshots');
const WARNING = 'maps are 1×1 here: every IoU is degenerate; dissect an earlier layer';

const byScore = (a: UnitResult, b: UnitResult): number => b.score - a.score || a.unit - b.unit;

describe('report viewer in chromium', { skip: chromiumMissing ?? false }, () => {
  let fx: RunFixture;
  let browser: Browser;
  let url: string;
  let reportDir: string;
  let results: LayerResults;
  const contexts: BrowserContext[] = [];

  before(async () => {
    fx = await makeRunFixture();
    // layer3 carries warnings, as runs of newer netdissect versions record them.
    const l3 = join(fx.runDir, 'layer3', 'results.json');
    await writeFile(l3, JSON.stringify({ ...(JSON.parse(await readFile(l3, 'utf8')) as LayerResults), warnings: [WARNING] }));
    const { indexPath } = await writeReport(fx.runDir);
    reportDir = dirname(indexPath);
    url = pathToFileURL(indexPath).href;
    results = JSON.parse(await readFile(join(fx.runDir, 'layer4_conv', 'results.json'), 'utf8')) as LayerResults;
    await mkdir(SHOTS, { recursive: true });
    browser = await launchChromium();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await fx?.cleanup();
  });

  /** A fresh page (own context: own history and storage) at `hash`, recording its problems. */
  async function open(hash = '', options: { javaScriptEnabled?: boolean } = {}): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(60_000); // generous: a loaded machine is slow, not wrong
    const problems: string[] = [];
    recordProblems(page, problems);
    await page.goto(`${url}${hash}`);
    if (options.javaScriptEnabled !== false) await page.waitForSelector(hash.includes('layer') ? '#app .layer' : '#app .layer-card');
    return { page, problems };
  }
  const cardNumbers = (page: Page): Promise<number[]> => page.$$eval('#app .unit .num', (els) => els.map((e) => Number(e.textContent?.slice(1))));
  /**
   * The grid shows exactly `expected`. A click changes location.hash at once, but the viewer
   * renders on the `hashchange` event after it, so wait (up to 5 s) for the grid to settle and
   * then compare: a wrong grid still fails, with the difference in the message.
   */
  const expectCards = async (page: Page, expected: number[], message?: string): Promise<void> => {
    const wanted = JSON.stringify(expected);
    await page
      .waitForFunction((w) => JSON.stringify([...document.querySelectorAll('#app .unit .num')].map((e) => Number(e.textContent?.slice(1)))) === w, wanted, { timeout: 5000 })
      .catch(() => undefined);
    assert.deepEqual(await cardNumbers(page), expected, message);
  };
  /** The unit view is closed (after the same render delay as above). */
  const expectNoDialog = async (page: Page): Promise<void> => {
    await page.locator('[role=dialog]').waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
    assert.equal(await page.locator('[role=dialog]').count(), 0);
  };
  const countText = (page: Page): Promise<string> => page.textContent('#app .controls .count').then((t) => t ?? '');
  const unitsLabelled = (name: string, detectorsOnly: boolean): number[] =>
    results.units.filter((u) => u.name === name && (!detectorsOnly || u.detector)).sort(byScore).map((u) => u.unit);

  it('opens the overview from file:// with the viewer, its preprocessing, top concepts and numbers', async () => {
    const { page, problems } = await open();
    assert.equal(await page.isHidden('#static'), true);
    const cards = await page.$$eval('#app .layer-card h2', (els) => els.map((e) => e.textContent));
    assert.deepEqual(cards, ['layer4/conv', 'layer3']);
    await page.waitForSelector('#app .plot svg'); // the Plot chart rendered
    const s = results.stats;
    const text = (await page.textContent('#app')) ?? '';
    assert.ok(text.includes(`${s.detectors}/64 units covering ${s.uniqueConcepts} concepts with IoU > 0.04`));
    assert.ok(text.includes('(x − mean) / std on 0..255 RGB, mean 124.6901, 118.6897, 109.5388, std 57.12 · resized to 224×224'));
    assert.equal(await page.locator('#app .layer-card').nth(0).locator('a[href="layers/layer4_conv/tally.csv"]').count(), 1);
    assert.match((await page.locator('#app .layer-card').nth(1).locator('.warn-line').textContent()) ?? '', /1 warning: maps are 1×1/);
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });
    // A top concept is a link to exactly its detector units.
    const top = page.locator('#app .layer-card').nth(0).locator('.top-concepts a').first();
    const name = (await top.textContent()) ?? '';
    await top.click();
    await page.waitForSelector('#app .unit');
    await expectCards(page, unitsLabelled(name, true));
    assert.ok(unitsLabelled(name, true).length > 0, name);
    assert.deepEqual(problems, []);
  });

  it('opens a layer: bar graph, cards sorted by IoU, tiles drawn, the injected name shown as text', async () => {
    const { page, problems } = await open('#layer-layer4_conv'); // the static page's anchor opens the layer too
    await page.waitForSelector('#app .unit');
    assert.equal(await page.locator('#app figure.bars-figure svg rect').count(), await page.locator('#static figure[data-bars="layer4_conv"] svg rect').count());
    const expected = [...results.units].sort(byScore).slice(0, 48).map((u) => u.unit);
    await expectCards(page, expected);
    assert.equal(await page.textContent('#app .unit .label'), XSS_CONCEPT);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    // Every card shows 10 tiles, each the photo of its sheet under a drawn overlay.
    assert.equal(await page.locator('#app .unit').first().locator('.ptile.small canvas').count(), 10);
    const bg = await page.locator('#app .unit .ptile').first().evaluate((el) => getComputedStyle(el).backgroundImage);
    assert.match(bg, /photos\/sheet-001\.jpg/);
    await page.screenshot({ path: join(SHOTS, 'layer.png') });
    assert.deepEqual(problems, []);
  });

  it('draws each grid tile with exactly the mask of the dissection, dimmed and ringed outside', async () => {
    const unit = [...results.units].sort(byScore)[0] as UnitResult;
    const { page, problems } = await open(`#layer=layer4_conv&q=%23${unit.unit}`);
    await page.waitForSelector('#app .unit .ptile canvas');
    const tiles = await page.$$eval('#app .unit .ptile.small canvas', (canvases) =>
      canvases.map((c) => {
        const px = (c as HTMLCanvasElement).getContext('2d')?.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
        const clear: number[] = [];
        const alphas = new Set<number>();
        for (let i = 0; px && i < px.length; i += 4) {
          alphas.add(px[i + 3] as number);
          if (px[i + 3] === 0) clear.push(i / 4);
        }
        return { clear, alphas: [...alphas].sort((a, b) => a - b) };
      }),
    );
    assert.equal(tiles.length, unit.topImages.length);
    const plan = upsamplePlan(7, 7, 112, 112);
    const active = new Int32Array(112 * 112);
    unit.topImages.forEach((t, k) => {
      const n = maskAbove(plan, Float32Array.from(t.map), 0, unit.threshold, active, new MaskScratch());
      assert.ok(n > 0, `image ${k}: the fixture's mask is not empty`);
      assert.deepEqual(tiles[k]?.clear, [...active.subarray(0, n)], `image ${k}: mask pixels`);
      // Outside the mask: black at (1 − 0.5) opacity, i.e. the photo at 50 %, and the opaque
      // ring of the outline around the mask.
      assert.deepEqual(tiles[k]?.alphas, n < 112 * 112 ? [0, 128, 255] : [0]);
    });
    assert.deepEqual(problems, []);
  });

  it('sorts by unit and by label', async () => {
    const { page, problems } = await open('#layer=layer4_conv');
    await page.selectOption('select[aria-label="Sort"]', 'unit');
    await expectCards(page, Array.from({ length: 48 }, (_, i) => i + 1));
    assert.match(page.url(), /sort=unit/);
    await page.selectOption('select[aria-label="Sort"]', 'label');
    const labels = await page.$$eval('#app .unit .label', (els) => els.map((e) => e.textContent ?? ''));
    const sorted = [...results.units].map((u) => u.name).sort((a, b) => a.localeCompare(b)).slice(0, 48);
    assert.deepEqual(labels, sorted);
    assert.deepEqual(problems, []);
  });

  it('filters by category, with a second page', async () => {
    const { page, problems } = await open('#layer=layer4_conv');
    await page.selectOption('select[aria-label="Category"]', 'material');
    const expected = results.units.filter((u) => u.category === 'material').sort(byScore);
    assert.equal(await countText(page), `${expected.length} of 64 units`);
    await expectCards(page, expected.map((u) => u.unit).slice(0, 48));
    await page.selectOption('select[aria-label="Category"]', '');
    await page.click('.pager >> text=Next');
    assert.deepEqual((await cardNumbers(page)).length, 64 - 48);
    assert.match(page.url(), /page=1/);
    assert.deepEqual(problems, []);
  });

  it('searches the label exactly by default (car is not carpet), all top concepts on request, and unit numbers', async () => {
    const { page, problems } = await open('#layer=layer4_conv');
    assert.ok(unitsLabelled('carpet', false).length > 0 && unitsLabelled('car', false).length > 0);
    await page.fill('input[type=search]', 'car');
    await expectCards(page, unitsLabelled('car', false));
    await page.fill('input[type=search]', ' CARPET ');
    await expectCards(page, unitsLabelled('carpet', false));
    // `dog` is nobody's best label here, but in many units' top concepts.
    await page.fill('input[type=search]', 'dog');
    assert.equal(await page.textContent('#app .empty'), 'No unit matches.');
    await page.selectOption('select[aria-label="Search in"]', 'all');
    const anyDog = results.units.filter((u) => Object.values(u.categories).some((l) => l.some((s) => s.name === 'dog'))).sort(byScore).map((u) => u.unit);
    assert.ok(anyDog.length > 0);
    await expectCards(page, anyDog);
    assert.match(page.url(), /in=all/);
    await page.selectOption('select[aria-label="Search in"]', 'text');
    await page.fill('input[type=search]', 'car');
    const containsCar = results.units.filter((u) => u.name.includes('car') || Object.values(u.categories).some((l) => l.some((s) => s.name.includes('car'))));
    await expectCards(page, containsCar.sort(byScore).map((u) => u.unit));
    await page.fill('input[type=search]', '#12');
    await expectCards(page, [12]);
    assert.deepEqual(problems, []);
  });

  it('links every bar of the bar graph to exactly the detector units it counts', async () => {
    const { page, problems } = await open('#layer=layer4_conv');
    const bars = await page.$$eval('#app figure.bars-figure svg a.bar', (as) => as.map((a) => ({ href: a.getAttribute('href') ?? '', title: a.querySelector('title')?.textContent ?? '' })));
    assert.ok(bars.length > 1);
    for (const bar of bars) {
      const name = new URLSearchParams(bar.href.slice(1)).get('q') ?? '';
      const count = Number(/: (\d+) units?$/.exec(bar.title)?.[1]);
      await page.locator(`#app figure.bars-figure svg a.bar[href="${bar.href}"] rect`).click();
      await page.waitForFunction((h) => location.hash === h, bar.href);
      await expectCards(page, unitsLabelled(name, true), bar.title);
      assert.equal((await cardNumbers(page)).length, count, bar.title);
    }
    assert.deepEqual(problems, []);
  });

  it('links a card label, the concept table and the unit view to the units with that label', async () => {
    const { page, problems } = await open('#layer=layer4_conv&sort=unit');
    // Card of unit 3 (`car`, a detector): its label links to the detectors labelled car.
    await page.locator('#app .unit').nth(2).locator('.label a').click();
    await page.waitForFunction(() => location.hash.includes('q=car'));
    await expectCards(page, unitsLabelled('car', true));
    // The concept table: a row per best label with its counts, the name linking to all its units.
    await page.goto(`${url}#layer=layer4_conv`);
    await page.waitForSelector('#app table.concepts-table');
    const rows = await page.$$eval('#app table.concepts-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const labels = new Set(results.units.filter((u) => u.name !== '').map((u) => u.name));
    assert.equal(rows.length, labels.size);
    for (const [name, , detectors, units, best] of rows) {
      assert.equal(Number(units), unitsLabelled(name as string, false).length, `${name} units`);
      assert.equal(Number(detectors), unitsLabelled(name as string, true).length, `${name} detectors`);
      const top = results.units.filter((u) => u.name === name).sort(byScore)[0];
      assert.equal(best, top?.score.toFixed(3));
    }
    await page.locator('#app table.concepts-table a.concept-link', { hasText: 'carpet' }).click();
    await page.waitForFunction(() => location.hash.includes('q=carpet'));
    await expectCards(page, unitsLabelled('carpet', false));
    // The unit view: its label and each concept of its table lead to the units labelled with it.
    await page.goto(`${url}#layer=layer4_conv&unit=3`);
    await page.waitForSelector('[role=dialog]');
    assert.equal(await page.locator('[role=dialog] .detail-label a').getAttribute('href'), '#layer=layer4_conv&q=car&det=1');
    await page.locator('[role=dialog] table.concepts td.concept a', { hasText: /^car$/ }).click();
    await page.waitForFunction(() => location.hash === '#layer=layer4_conv&q=car');
    await expectNoDialog(page);
    await expectCards(page, unitsLabelled('car', false));
    assert.deepEqual(problems, []);
  });

  it("links the layer's tally.csv and results.json, copies that exist beside index.html", async () => {
    const { page, problems } = await open('#layer=layer4_conv');
    const hrefs = await page.$$eval('#app .layer p.files a', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    assert.deepEqual(hrefs, ['layers/layer4_conv/tally.csv', 'layers/layer4_conv/results.json']);
    for (const h of hrefs) assert.ok(existsSync(join(reportDir, h)), h);
    assert.deepEqual(problems, []);
  });

  it("shows the layer's warnings prominently on its page", async () => {
    const { page, problems } = await open('#layer=layer3');
    const box = page.locator('#app .warnings[role=alert]');
    assert.equal(await box.isVisible(), true);
    assert.match((await box.textContent()) ?? '', /Warning for this layer.*maps are 1×1 here/);
    // Above the bar graph: seen before scrolling.
    const [warnY, barsY] = await Promise.all([box.boundingBox(), page.locator('#app figure.bars-figure').boundingBox()]);
    assert.ok(warnY && barsY && warnY.y < barsY.y && warnY.y < 900);
    assert.equal(await page.locator('#app .warnings').count(), 1);
    await page.goto(`${url}#layer=layer4_conv`);
    await page.waitForSelector('#app .unit');
    assert.equal(await page.locator('#app .warnings').count(), 0);
    assert.deepEqual(problems, []);
  });

  it('opens a unit with its large images, and the link reopens it', async () => {
    const { page, problems } = await open('#layer=layer4_conv');
    await page.click('#app .unit .strip-link >> nth=0');
    await page.waitForSelector('[role=dialog]');
    assert.match(page.url(), /unit=1(&|$)/);
    assert.equal(await page.textContent('[role=dialog] .detail-label'), XSS_CONCEPT);
    assert.equal(await page.locator('[role=dialog] .tile').count(), 10);
    assert.equal(await page.locator('[role=dialog] .tile .ptile.large canvas').count(), 10);
    const rows = await page.locator('[role=dialog] table.concepts tbody tr').count();
    assert.equal(rows, Object.values(results.units[0]?.categories ?? {}).reduce((n, l) => n + l.length, 0));
    // The large overlay outlines the mask (opaque yellow pixels) and leaves the photo clear.
    const alphas = await page.locator('[role=dialog] .tile canvas').first().evaluate((c) => {
      const px = (c as HTMLCanvasElement).getContext('2d')?.getImageData(0, 0, 224, 224).data ?? new Uint8ClampedArray(0);
      let clear = 0;
      let yellow = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] === 0) clear++;
        else if (px[i] === 255 && px[i + 1] === 208 && px[i + 2] === 0) yellow++;
      }
      return { clear, yellow };
    });
    assert.ok(alphas.yellow > 0 && alphas.clear > 224 * 224 * 0.5, JSON.stringify(alphas));
    await page.screenshot({ path: join(SHOTS, 'unit.png') });
    const link = page.url();
    await page.goto('about:blank');
    await page.goto(link);
    await page.waitForSelector('[role=dialog]');
    assert.equal(await page.textContent('[role=dialog] .detail-label'), XSS_CONCEPT);
    // Next follows the grid's order (by IoU): the unit ranked second.
    const second = [...results.units].sort(byScore)[1]?.unit;
    await page.keyboard.press('ArrowRight');
    assert.match(page.url(), new RegExp(`unit=${second}(&|$)`));
    assert.equal(await page.textContent('[role=dialog] .position'), '2 of 64');
    await page.keyboard.press('Escape');
    await expectNoDialog(page);
    assert.doesNotMatch(page.url(), /unit=/);
    assert.deepEqual(problems, []);
  });

  it('shows the static report with JavaScript off', async () => {
    const { page } = await open('', { javaScriptEnabled: false });
    assert.equal(await page.isVisible('#static'), true);
    assert.equal(await page.locator('#static figure[data-bars] svg').count(), 2);
    assert.equal(await page.locator('#static .unit').count(), 64 + 12);
    assert.equal(await page.textContent('#static .unit .label'), XSS_CONCEPT);
    assert.equal(await page.locator('#static table.concepts-table').count(), 2);
    assert.equal(await page.locator('#static .warnings').count(), 1);
    assert.equal(await page.locator('#static a[href="layers/layer3/results.json"]').count(), 2); // overview card and layer
    await page.screenshot({ path: join(SHOTS, 'static.png') });
  });
});

describe('report viewer with 2,048 units', { skip: chromiumMissing ?? false }, () => {
  let fx: RunFixture;
  let browser: Browser;
  let url: string;
  before(async () => {
    fx = await makeRunFixture({ layers: [{ name: 'wide', dir: 'wide', units: 2048, h: 4, w: 4 }], images: 8, topK: 1, photoSize: 64 });
    url = pathToFileURL((await writeReport(fx.runDir)).indexPath).href;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fx?.cleanup();
  });

  it('renders one page of cards, pages through all units, and finds a unit by number', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}#layer=wide&sort=unit&page=42`);
    await page.waitForSelector('#app .unit');
    // 2,048 units at 48 a page: 43 pages, the last holds 2,048 - 42 * 48 = 32.
    assert.equal(await page.locator('#app .unit').count(), 32);
    assert.equal(await page.textContent('.pager span'), 'Page 43 of 43');
    assert.equal(await page.textContent('#app .unit .num'), `#${42 * 48 + 1}`);
    await page.fill('input[type=search]', '2000');
    assert.deepEqual(await page.$$eval('#app .unit .num', (els) => els.map((e) => e.textContent)), ['#2000']);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
