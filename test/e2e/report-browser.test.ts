// The report in a real browser (Debian's chromium through playwright-core), opened from file://
// as users open it: it loads without console errors, sort / filter / search / open-unit work,
// the state survives a reload (bookmarks), and a concept named like an <img> tag stays text.
// Screenshots land in test-output/screenshots/ for people to look at.
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, recordProblems } from '../helpers/browser.js';
import type { LayerResults } from '../../src/run/results-types.js';
import { writeReport } from '../../src/report/write-report.js';
import { XSS_CONCEPT, makeRunFixture, type RunFixture } from '../report/fixture.js';

const SHOTS = resolve('test-output', 'screenshots');

describe('report viewer in chromium', { skip: chromiumMissing ?? false }, () => {
  let fx: RunFixture;
  let browser: Browser;
  let page: Page;
  let url: string;
  let results: LayerResults;
  const problems: string[] = [];

  before(async () => {
    fx = await makeRunFixture();
    const { indexPath } = await writeReport(fx.runDir);
    url = pathToFileURL(indexPath).href;
    results = JSON.parse(await readFile(join(fx.runDir, 'layer4_conv', 'results.json'), 'utf8')) as LayerResults;
    await mkdir(SHOTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    recordProblems(page, problems);
  });
  after(async () => {
    await browser?.close();
    await fx?.cleanup();
  });

  const cardNumbers = (): Promise<number[]> => page.$$eval('#app .unit .num', (els) => els.map((e) => Number(e.textContent?.slice(1))));
  const countText = (): Promise<string> => page.textContent('#app .controls .count').then((t) => t ?? '');

  it('opens the overview from file:// with the viewer, without console errors', async () => {
    await page.goto(url);
    await page.waitForSelector('#app .layer-card');
    assert.equal(await page.isHidden('#static'), true);
    const cards = await page.$$eval('#app .layer-card h2', (els) => els.map((e) => e.textContent));
    assert.deepEqual(cards, ['layer4/conv', 'layer3']);
    await page.waitForSelector('#app .plot svg'); // the Plot chart rendered
    const s = results.stats;
    assert.ok((await page.textContent('#app'))?.includes(`${s.detectors}/64 units covering ${s.uniqueConcepts} concepts with IoU > 0.04`));
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });

  it('opens a layer: bar graph, cards sorted by IoU, the injected name shown as text', async () => {
    await page.click('#app nav.layers >> text=layer4/conv');
    await page.waitForSelector('#app .unit');
    assert.match(page.url(), /#layer=layer4_conv$/);
    assert.equal(await page.locator('#app figure.bars-figure svg rect').count(), (await page.locator('#static figure[data-bars="layer4_conv"] svg rect').count()));
    const expected = [...results.units].sort((a, b) => b.score - a.score || a.unit - b.unit).slice(0, 48).map((u) => u.unit);
    assert.deepEqual(await cardNumbers(), expected);
    assert.equal(await page.textContent('#app .unit .label'), XSS_CONCEPT);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    // Strips load (file:// images).
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#app .unit img.strip');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    await page.screenshot({ path: join(SHOTS, 'layer.png') });
  });

  it('sorts by unit and by label', async () => {
    await page.selectOption('select[aria-label="Sort"]', 'unit');
    assert.deepEqual(await cardNumbers(), Array.from({ length: 48 }, (_, i) => i + 1));
    assert.match(page.url(), /sort=unit/);
    await page.selectOption('select[aria-label="Sort"]', 'label');
    const labels = await page.$$eval('#app .unit .label', (els) => els.map((e) => e.textContent ?? ''));
    const sorted = [...results.units].map((u) => u.name).sort((a, b) => a.localeCompare(b)).slice(0, 48);
    assert.deepEqual(labels, sorted);
  });

  it('filters by category, with a second page', async () => {
    await page.selectOption('select[aria-label="Sort"]', 'score');
    await page.selectOption('select[aria-label="Category"]', 'material');
    const expected = results.units.filter((u) => u.category === 'material').sort((a, b) => b.score - a.score || a.unit - b.unit);
    assert.equal(await countText(), `${expected.length} of 64 units`);
    assert.deepEqual(await cardNumbers(), expected.map((u) => u.unit).slice(0, 48));
    await page.selectOption('select[aria-label="Category"]', '');
    await page.click('.pager >> text=Next');
    assert.deepEqual((await cardNumbers()).length, 64 - 48);
    assert.match(page.url(), /page=1/);
  });

  it('searches concepts and unit numbers', async () => {
    await page.fill('input[type=search]', 'dog');
    const expected = results.units
      .filter((u) => u.name.includes('dog') || Object.values(u.categories).some((list) => list.some((s) => s.name.includes('dog'))))
      .sort((a, b) => b.score - a.score || a.unit - b.unit)
      .map((u) => u.unit);
    assert.ok(expected.length > 0);
    assert.deepEqual(await cardNumbers(), expected);
    await page.fill('input[type=search]', '#12');
    assert.deepEqual(await cardNumbers(), [12]);
    await page.fill('input[type=search]', 'no such concept');
    assert.equal(await page.textContent('#app .empty'), 'No unit matches.');
    await page.fill('input[type=search]', '');
  });

  it('opens a unit with its large images, and the link reopens it', async () => {
    await page.click('#app .unit >> nth=0');
    await page.waitForSelector('[role=dialog]');
    assert.match(page.url(), /unit=1(&|$)/);
    assert.equal(await page.textContent('[role=dialog] .detail-label'), XSS_CONCEPT);
    assert.equal(await page.locator('[role=dialog] .tile').count(), 10);
    const rows = await page.locator('[role=dialog] table.concepts tbody tr').count();
    assert.equal(rows, Object.values(results.units[0]?.categories ?? {}).reduce((n, l) => n + l.length, 0));
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('[role=dialog] .tile img')].every((i) => i.complete && i.naturalWidth > 0));
    await page.screenshot({ path: join(SHOTS, 'unit.png') });
    const link = page.url();
    await page.goto('about:blank');
    await page.goto(link);
    await page.waitForSelector('[role=dialog]');
    assert.equal(await page.textContent('[role=dialog] .detail-label'), XSS_CONCEPT);
    // Next follows the grid's order (by IoU): the unit ranked second.
    const second = [...results.units].sort((a, b) => b.score - a.score || a.unit - b.unit)[1]?.unit;
    await page.keyboard.press('ArrowRight');
    assert.match(page.url(), new RegExp(`unit=${second}(&|$)`));
    assert.equal(await page.textContent('[role=dialog] .position'), '2 of 64');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('[role=dialog]').count(), 0);
    assert.doesNotMatch(page.url(), /unit=/);
  });

  it('shows the static report with JavaScript off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const plain = await context.newPage();
    await plain.goto(url);
    assert.equal(await plain.isVisible('#static'), true);
    assert.equal(await plain.locator('#static figure[data-bars] svg').count(), 2);
    assert.equal(await plain.locator('#static .unit').count(), 64 + 12);
    assert.equal(await plain.textContent('#static .unit .label'), XSS_CONCEPT);
    await plain.screenshot({ path: join(SHOTS, 'static.png') });
    await context.close();
  });

  it('raised no console error, page error or dialog', () => {
    assert.deepEqual(problems, []);
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
  });
});
