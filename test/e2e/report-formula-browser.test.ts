// What `netdissect explain` and `netdissect baseline` add to results.json, as the viewer shows it
// in a real browser (chromium through playwright-core, opened from file://): formulas with linked
// concepts on the cards and the unit view, the chance level next to the IoU, units not above
// chance marked, and the layer's baseline summary. A run without these fields shows none of it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, recordProblems } from '../helpers/browser.js';
import type { LayerResults, UnitResult } from '../../src/run/results-types.js';
import { writeReport } from '../../src/report/write-report.js';
import { BELOW_CHANCE_UNIT, FIXTURE_FORMULAS, XSS_CONCEPT, makeRunFixture, type RunFixture } from '../report/fixture.js';

const LAYER = { name: 'layer4/conv', dir: 'layer4_conv', units: 12, h: 7, w: 7 };

describe('report viewer: formulas and chance baselines', { skip: chromiumMissing ?? false }, () => {
  const fixtures: RunFixture[] = [];
  const contexts: BrowserContext[] = [];
  let browser: Browser;
  let url: string;
  let plainUrl: string;
  let results: LayerResults;

  before(async () => {
    const fx = await makeRunFixture({ layers: [LAYER], images: 8, topK: 3, photoSize: 64, explained: true });
    const plain = await makeRunFixture({ layers: [LAYER], images: 8, topK: 3, photoSize: 64 });
    fixtures.push(fx, plain);
    url = pathToFileURL((await writeReport(fx.runDir)).indexPath).href;
    plainUrl = pathToFileURL((await writeReport(plain.runDir)).indexPath).href;
    results = JSON.parse(await readFile(join(fx.runDir, LAYER.dir, 'results.json'), 'utf8')) as LayerResults;
    browser = await launchChromium();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    for (const fx of fixtures) await fx.cleanup();
  });

  async function open(at: string): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(60_000); // generous: a loaded machine is slow, not wrong
    const problems: string[] = [];
    recordProblems(page, problems);
    await page.goto(at);
    await page.waitForSelector('#app .layer');
    return { page, problems };
  }
  const unit = (n: number): UnitResult => results.units[n - 1] as UnitResult;
  const conceptHref = (name: string): string => `#${new URLSearchParams({ layer: LAYER.dir, q: name }).toString()}`;

  it('the unit view shows the formula, its IoU and search, each concept a link to its units', async () => {
    const { page, problems } = await open(`${url}#layer=${LAYER.dir}&unit=3`);
    const line = page.locator('[role=dialog] .formula');
    const f = FIXTURE_FORMULAS[3]!;
    assert.equal(await line.locator('.formula-text').textContent(), f.text);
    assert.equal(await line.textContent(), `formula (beam): ${f.text} · IoU ${f.iou.toFixed(3)}`);
    const links = line.locator('a');
    assert.deepEqual(await links.allTextContents(), f.names);
    for (let i = 0; i < f.names.length; i++) assert.equal(await links.nth(i).getAttribute('href'), conceptHref(f.names[i]!));
    // Following a concept of the formula lists exactly the units whose best label it is.
    await links.nth(0).click();
    await page.waitForFunction(() => !document.querySelector('[role=dialog]'));
    const cards = await page.$$eval('#app .unit .num', (els) => els.map((e) => Number(e.textContent?.slice(1))));
    const car = results.units.filter((u) => u.name === 'car').map((u) => u.unit);
    assert.deepEqual([...cards].sort((a, b) => a - b), car);
    assert.deepEqual(problems, []);
  });

  it('a formula naming a hostile concept shows it as text, not markup', async () => {
    const { page, problems } = await open(`${url}#layer=${LAYER.dir}&unit=1`);
    assert.equal(await page.locator('[role=dialog] .formula .formula-text').textContent(), `(${XSS_CONCEPT} OR dog)`);
    assert.equal(await page.locator('[role=dialog] .formula img').count(), 0);
    assert.deepEqual(problems, []);
  });

  it('the chance level stands next to the IoU, and a unit not above chance says so', async () => {
    const above = await open(`${url}#layer=${LAYER.dir}&unit=3`);
    const u3 = unit(3);
    const sub3 = (await above.page.locator('[role=dialog] .sub').textContent()) ?? '';
    assert.ok(sub3.includes(`IoU ${u3.score.toFixed(3)} (chance ${u3.baseline!.chance.toFixed(3)}, p ≤ 0.05)`), sub3);
    assert.ok(!sub3.includes('not above chance'));
    const below = await open(`${url}#layer=${LAYER.dir}&unit=${BELOW_CHANCE_UNIT}`);
    const u4 = unit(BELOW_CHANCE_UNIT);
    const chance = below.page.locator('[role=dialog] .sub .chance');
    assert.equal(await chance.textContent(), ` (chance ${u4.baseline!.chance.toFixed(3)}, p = 0.57, not above chance)`);
    assert.match((await chance.getAttribute('class')) ?? '', /below-chance/);
    assert.deepEqual([...above.problems, ...below.problems], []);
  });

  it('cards show formulas and mark units not above chance; the layer page sums the baseline', async () => {
    const { page, problems } = await open(`${url}#layer=${LAYER.dir}&sort=unit`);
    const card = (n: number) => page.locator('#app .unit.card').filter({ has: page.locator(`.num:text-is("#${n}")`) });
    assert.equal(await card(3).locator('.card-formula .formula-text').textContent(), FIXTURE_FORMULAS[3]!.text);
    assert.equal(await card(3).locator('.card-formula a').first().getAttribute('href'), conceptHref('car'));
    assert.equal(await card(5).locator('.card-formula').count(), 0); // unit 5 was not given a formula
    assert.equal(await card(BELOW_CHANCE_UNIT).locator('.chance-mark').count(), 1);
    assert.equal(await card(3).locator('.chance-mark').count(), 0);
    assert.match((await card(3).locator('.meta .iou').getAttribute('title')) ?? '', /^IoU \(chance \d\.\d{3}, p ≤ 0\.05\)$/);
    const b = results.baseline!;
    assert.equal(b.detectorsAboveChance, b.detectors - (unit(BELOW_CHANCE_UNIT).detector ? 1 : 0));
    assert.equal(
      await page.locator('#app .baseline-line').textContent(),
      `Chance baseline (20 label shuffles): ${b.detectorsAboveChance} of ${b.detectors} detectors above chance; ${b.unitsAboveChance} of ${LAYER.units} units.`,
    );
    assert.deepEqual(problems, []);
  });

  it('a run without explain and baseline shows neither', async () => {
    const { page, problems } = await open(`${plainUrl}#layer=${LAYER.dir}&unit=3`);
    assert.equal(await page.locator('.formula, .card-formula, .chance, .chance-mark, .baseline-line').count(), 0);
    assert.doesNotMatch((await page.locator('[role=dialog] .sub').textContent()) ?? '', /chance/);
    assert.deepEqual(problems, []);
  });
});
