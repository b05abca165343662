import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import sharp from 'sharp';
import type { ReportData } from '../../src/report/report-data.js';
import { writeReport } from '../../src/report/write-report.js';
import type { LayerResults } from '../../src/run/results-types.js';
import type { RunManifest } from '../../src/run/run-types.js';
import { DatasetError, UsageError } from '../../src/util/errors.js';
import { unpackFloat32 } from '../../src/report/unpack.js';
import { DEFAULT_LAYERS, SCRIPT_CONCEPT, XSS_CONCEPT, makeRunFixture, type RunFixture } from './fixture.js';

function readData(text: string): ReportData {
  const window: { __NETDISSECT__?: unknown } = {};
  runInNewContext(text, { window });
  return JSON.parse(JSON.stringify(window.__NETDISSECT__)) as ReportData;
}

describe('writeReport on the fixture run', () => {
  let fx: RunFixture;
  let html: string;
  let dataText: string;
  let data: ReportData;
  let results: LayerResults;
  before(async () => {
    fx = await makeRunFixture();
    const { indexPath, seconds } = await writeReport(fx.runDir);
    assert.equal(indexPath, join(fx.runDir, 'report', 'index.html'));
    assert.ok(seconds > 0);
    html = await readFile(indexPath, 'utf8');
    dataText = await readFile(join(fx.runDir, 'report', 'data.js'), 'utf8');
    data = readData(dataText);
    results = JSON.parse(await readFile(join(fx.runDir, 'layer4_conv', 'results.json'), 'utf8')) as LayerResults;
  });
  after(() => fx.cleanup());

  it('writes index.html loading data.js then viewer.js as classic scripts', async () => {
    assert.match(html, /<script src="data.js"><\/script>\s*<script src="viewer.js"><\/script>/);
    assert.doesNotMatch(html, /type="module"/);
    const viewer = await readFile(join(fx.runDir, 'report', 'viewer.js'), 'utf8');
    assert.match(viewer, /^\(function\(\)\{/); // an IIFE: runs from file://
  });

  it('shows every run string as text in the static page', () => {
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(!html.includes(XSS_CONCEPT));
    assert.ok(!html.includes('wall</script>'));
    assert.equal(html.match(/<script/g)?.length, 2); // only the two script tags of the page
    assert.ok(!html.includes('<img src=x'));
  });

  it('writes data.js that no string can break out of', () => {
    assert.match(dataText, /^window\.__NETDISSECT__ = \{/);
    assert.doesNotMatch(dataText, /[<>\u2028\u2029]/);
    const names = data.layers[0]?.units.map((u) => u.label) ?? [];
    assert.equal(names[0], XSS_CONCEPT);
    assert.ok(data.layers.some((l) => l.units.some((u) => u.categories.some((c) => c.concepts.some((s) => s.name === SCRIPT_CONCEPT)))));
  });

  it("carries each layer's statistics and the NetDissect headline", () => {
    assert.deepEqual(
      data.layers.map((l) => [l.name, l.dir, l.units.length]),
      DEFAULT_LAYERS.map((l) => [l.name, l.dir, l.units]),
    );
    const s = results.stats;
    assert.deepEqual(data.layers[0]?.stats.perCategory, s.perCategory);
    assert.ok(html.includes(`${s.detectors}/64 units covering ${s.uniqueConcepts} concepts with IoU &gt; 0.04`));
    // The bar graph counts every detector once.
    assert.equal(data.layers[0]?.concepts.reduce((n, c) => n + c.units, 0), s.detectors);
  });

  it('says why the ground truth is not drawn when the dataset cannot be reopened', () => {
    // The fixture's dataset is photos only (no label tables) and its command names no dataset.
    assert.equal(data.groundTruth.shown, false);
    assert.match(data.groundTruth.note, /could not be reopened from run\.json \(/);
  });

  it('keeps unit results as results.json has them', () => {
    const unit = data.layers[0]?.units[4];
    const src = results.units[4];
    assert.ok(unit && src);
    assert.equal(unit.unit, src.unit);
    assert.equal(unit.score, src.score);
    assert.equal(unit.threshold, src.threshold);
    assert.deepEqual(unit.images.map((i) => i.image), src.topImages.map((t) => t.image));
    assert.deepEqual(unit.images.map((i) => data.photos.list[i.photo]?.file), src.topImages.map((t) => fx.imageFiles[t.image]));
    assert.deepEqual(unit.categories.map((c) => c.category), results.categories);
    // The maps travel exactly (float32 bytes), so the viewer's masks are the dissection's.
    for (const [k, img] of unit.images.entries()) assert.deepEqual([...unpackFloat32(img.map)], src.topImages[k]?.map.map(Math.fround));
  });

  it('stores each shown photo once, in sprite sheets, and no per-unit strip by default', async () => {
    const shown = new Set(results.units.flatMap((u) => u.topImages.map((t) => t.image)));
    for (const l of DEFAULT_LAYERS.slice(1)) {
      const r = JSON.parse(await readFile(join(fx.runDir, l.dir, 'results.json'), 'utf8')) as LayerResults;
      for (const u of r.units) for (const t of u.topImages) shown.add(t.image);
    }
    assert.equal(data.photos.list.length, shown.size);
    assert.deepEqual(new Set(data.photos.list.map((p) => p.file)), new Set([...shown].map((i) => fx.imageFiles[i])));
    // 24 photos: one sheet of 8 columns and 3 rows of 224-pixel tiles.
    assert.deepEqual(data.photos.sheets, [{ file: 'photos/sheet-001.jpg', cols: 8, rows: 3 }]);
    const meta = await sharp(join(fx.runDir, 'report', 'photos', 'sheet-001.jpg')).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 8 * 224, 3 * 224]);
    assert.deepEqual(data.photos.list.map((p) => p.slot), data.photos.list.map((_, i) => i));
    await assert.rejects(readdir(join(fx.runDir, 'report', 'units')), /ENOENT/);
    assert.ok(data.layers.every((l) => l.units.every((u) => u.strip === undefined && u.large === undefined)));
    assert.equal(data.dim, 0.5);
    assert.deepEqual(data.tiles, { small: { w: 112, h: 112 }, large: { w: 224, h: 224 } });
  });

  it("copies each layer's tally.csv and results.json into the report and links them", async () => {
    for (const l of DEFAULT_LAYERS) {
      for (const name of ['tally.csv', 'results.json']) {
        assert.equal(await readFile(join(fx.runDir, 'report', 'layers', l.dir, name), 'utf8'), await readFile(join(fx.runDir, l.dir, name), 'utf8'));
      }
      const layer = data.layers.find((x) => x.dir === l.dir);
      assert.deepEqual(layer?.files, { tally: `layers/${l.dir}/tally.csv`, results: `layers/${l.dir}/results.json` });
      assert.ok(html.includes(`<a href="layers/${l.dir}/tally.csv" download>tally.csv</a>`));
      assert.ok(html.includes(`<a href="layers/${l.dir}/results.json" download>results.json</a>`));
    }
  });

  it('builds a concept table: units and detectors per best label, best IoU and unit', () => {
    const layer = data.layers[0];
    assert.ok(layer);
    for (const row of layer.conceptTable) {
      const units = results.units.filter((u) => u.name === row.name && u.category === row.category);
      assert.equal(row.units, units.length, row.name);
      assert.equal(row.detectors, units.filter((u) => u.detector).length, row.name);
      const best = [...units].sort((a, b) => b.score - a.score || a.unit - b.unit)[0];
      assert.deepEqual([row.bestIou, row.bestUnit], [best?.score, best?.unit]);
    }
    assert.equal(layer.conceptTable.reduce((n, r) => n + r.units, 0), results.units.filter((u) => u.name !== '').length);
    // Bars and table agree on detectors.
    for (const bar of layer.concepts) assert.equal(layer.conceptTable.find((r) => r.name === bar.name && r.category === bar.category)?.detectors, bar.units);
    // The static page links every concept to exactly its units (exact label search).
    assert.ok(html.includes(`href="#layer=layer4_conv&amp;q=dog&amp;det=1"`) || !layer.concepts.some((c) => c.name === 'dog'));
  });

  it("shows the run's preprocessing", () => {
    assert.deepEqual(data.settings.preprocess, { mean: [124.6901, 118.6897, 109.5388], std: [57.12, 57.12, 57.12] });
    assert.ok(html.includes('<dt>preprocessing</dt><dd>(x − mean) / std on 0..255 RGB, mean 124.6901, 118.6897, 109.5388, std 57.12 · resized to 224×224</dd>'));
  });
});

describe('writeReport with the fields newer runs record', () => {
  let fx: RunFixture;
  let html: string;
  let data: ReportData;
  const WARNING = 'maps are 1×1: every IoU is degenerate (one pixel per image); dissect an earlier layer';
  before(async () => {
    fx = await makeRunFixture({ layers: [{ name: 'a', dir: 'a', units: 3, h: 1, w: 1 }], images: 4, topK: 2 });
    const file = join(fx.runDir, 'a', 'results.json');
    const results = JSON.parse(await readFile(file, 'utf8')) as LayerResults;
    await writeFile(file, JSON.stringify({ ...results, warnings: [WARNING, '<b>too few images</b>'] }));
    const runFile = join(fx.runDir, 'run.json');
    const run = JSON.parse(await readFile(runFile, 'utf8')) as RunManifest;
    const pre = { ...run.settings.preprocess, preset: 'mobilenet', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], layout: 'NHWC' };
    await writeFile(runFile, JSON.stringify({ ...run, settings: { ...run.settings, preprocess: pre } }));
    const { indexPath } = await writeReport(fx.runDir);
    html = await readFile(indexPath, 'utf8');
    data = readData(await readFile(join(fx.runDir, 'report', 'data.js'), 'utf8'));
  });
  after(() => fx.cleanup());

  it("shows the layer's warnings, escaped, on its page and its overview card", () => {
    assert.deepEqual(data.layers[0]?.warnings, [WARNING, '<b>too few images</b>']);
    assert.ok(html.includes(`<div class="warnings" role="alert"><strong>Warnings for this layer</strong><ul><li>${WARNING}</li><li>&lt;b&gt;too few images&lt;/b&gt;</li></ul></div>`));
    assert.ok(html.includes(`<p class="warn-line">⚠ 2 warnings: ${WARNING}</p>`));
  });
  it('names the preset and the layout', () => {
    assert.deepEqual(data.settings.preprocess, { preset: 'mobilenet', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], layout: 'NHWC' });
    assert.ok(html.includes('<dd>preset mobilenet · (x − mean) / std on 0..255 RGB, mean 127.5, std 127.5 · resized to 224×224 · layout NHWC</dd>'));
  });
  it('says "explicit" when the run had no preset', async () => {
    const runFile = join(fx.runDir, 'run.json');
    const run = JSON.parse(await readFile(runFile, 'utf8')) as RunManifest;
    await writeFile(runFile, JSON.stringify({ ...run, settings: { ...run.settings, preprocess: { ...run.settings.preprocess, preset: null } } }));
    const out = join(fx.dir, 'explicit');
    await writeReport(fx.runDir, { outDir: out });
    assert.match(await readFile(join(out, 'index.html'), 'utf8'), /<dd>explicit --mean\/--std · \(x − mean\)/);
  });
  it("takes the preset and layout from results.json when the layer records them", async () => {
    const file = join(fx.runDir, 'a', 'results.json');
    const results = JSON.parse(await readFile(file, 'utf8')) as LayerResults;
    await writeFile(file, JSON.stringify({ ...results, settings: { ...results.settings, preprocess: { ...results.settings.preprocess, preset: 'imagenet', layout: 'NCHW' } } }));
    const out = join(fx.dir, 'from-results');
    await writeReport(fx.runDir, { outDir: out });
    assert.match(await readFile(join(out, 'index.html'), 'utf8'), /<dd>preset imagenet · \(x − mean\) .* · layout NCHW<\/dd>/);
  });
});

describe('writeReport --all-strips', () => {
  let fx: RunFixture;
  let data: ReportData;
  before(async () => {
    fx = await makeRunFixture({ layers: [{ name: 'a', dir: 'a', units: 5, h: 3, w: 3 }], images: 6, topK: 4 });
    await writeReport(fx.runDir, { allStrips: true });
    data = readData(await readFile(join(fx.runDir, 'report', 'data.js'), 'utf8'));
  });
  after(() => fx.cleanup());

  it('writes two JPEG strips per unit, top-k tiles wide, and links them', async () => {
    assert.equal((await readdir(join(fx.runDir, 'report', 'units', 'a'))).length, 5 * 2);
    const unit = data.layers[0]?.units[0];
    assert.ok(unit?.strip && unit.large);
    const small = await sharp(join(fx.runDir, 'report', unit.strip)).metadata();
    const large = await sharp(join(fx.runDir, 'report', unit.large)).metadata();
    assert.deepEqual([small.format, small.width, small.height], ['jpeg', 4 * 112, 112]);
    assert.deepEqual([large.format, large.width, large.height], ['jpeg', 4 * 224, 224]);
    assert.match(await readFile(join(fx.runDir, 'report', 'index.html'), 'utf8'), /<img class="strip" src="units\/a\/0001.jpg"/);
  });
  it('removes the strips when the report is written again without the option', async () => {
    assert.ok((await readdir(join(fx.runDir, 'report', 'units', 'a'))).length > 0); // written by before()
    await writeReport(fx.runDir);
    await assert.rejects(readdir(join(fx.runDir, 'report', 'units')), /ENOENT/);
  });
});

/** A run of one 1-unit layer over one solid-colour photo, so strip pixels can be predicted. */
async function solidRun(dir: string, map: readonly number[], threshold: number): Promise<string> {
  const root = join(dir, 'data');
  await mkdir(root, { recursive: true });
  await sharp({ create: { width: 224, height: 224, channels: 3, background: { r: 200, g: 120, b: 40 } } })
    .png()
    .toFile(join(root, 'solid.png'));
  const runDir = join(dir, 'run');
  await mkdir(join(runDir, 'l'), { recursive: true });
  const fx = await makeRunFixture({ layers: [{ name: 'l', dir: 'l', units: 1, h: 2, w: 2 }], images: 1, topK: 1 });
  const manifest = JSON.parse(await readFile(join(fx.runDir, 'run.json'), 'utf8')) as RunManifest;
  const results = JSON.parse(await readFile(join(fx.runDir, 'l', 'results.json'), 'utf8')) as LayerResults;
  await fx.cleanup();
  const unit = { ...(results.units[0] as LayerResults['units'][number]), threshold, topImages: [{ image: 0, max: Math.max(...map), map }] };
  await writeFile(join(runDir, 'run.json'), JSON.stringify({ ...manifest, dataset: { ...manifest.dataset, root, images: 1 } }));
  await writeFile(join(runDir, 'l', 'results.json'), JSON.stringify({ ...results, dataset: { ...results.dataset, root, imageFiles: ['solid.png'] }, units: [unit] }));
  return runDir;
}

describe('writeReport strips', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netdissect-strip-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('dims pixels outside the mask to 20 % with --dim 0.2 and outlines the mask in the large tile', async () => {
    // Map [[0,0],[0,8]], threshold 1.4: the bottom-right of the image is in the mask, the
    // top-left corner is not (upsampled value 0 there).
    const runDir = await solidRun(dir, [0, 0, 0, 8], 1.4);
    await writeReport(runDir, { topK: 1, allStrips: true, dim: 0.2 });
    const small = await sharp(join(runDir, 'report', 'units', 'l', '0001.jpg')).raw().toBuffer({ resolveWithObject: true });
    const px = (buf: Buffer, w: number, x: number, y: number): number[] => [...buf.subarray((y * w + x) * 3, (y * w + x) * 3 + 3)];
    const near = (a: number[], b: number[]): boolean => a.every((v, i) => Math.abs(v - (b[i] as number)) <= 6);
    assert.deepEqual([small.info.width, small.info.height], [112, 112]);
    assert.ok(near(px(small.data, 112, 100, 100), [200, 120, 40]), `inside: ${px(small.data, 112, 100, 100)}`);
    assert.ok(near(px(small.data, 112, 6, 6), [40, 24, 8]), `outside: ${px(small.data, 112, 6, 6)}`);
    const large = await sharp(join(runDir, 'report', 'units', 'l', '0001-large.jpg')).raw().toBuffer({ resolveWithObject: true });
    assert.ok(near(px(large.data, 224, 10, 10), [200, 120, 40]), 'large tiles are not dimmed');
    assert.ok(near(px(large.data, 224, 200, 200), [200, 120, 40]));
    // Along row 200, from outside to inside, the edge is drawn 2 pixels wide (yellow: much green).
    let outline = 0;
    for (let x = 0; x < 224; x++) if ((px(large.data, 224, x, 200)[1] as number) > 180) outline++;
    assert.ok(outline >= 2 && outline <= 4, `outline pixels on row 200: ${outline}`);
  });

  it('leaves every pixel dimmed when the threshold equals the maximum (saturated unit), to 50 % by default', async () => {
    const runDir = await solidRun(join(dir, 'sat'), [0, 0, 0, 8], 8);
    await writeReport(runDir, { topK: 1, allStrips: true });
    const small = await sharp(join(runDir, 'report', 'units', 'l', '0001.jpg')).raw().toBuffer();
    let max = 0;
    let min = 255;
    for (let i = 0; i < small.length; i += 3) {
      max = Math.max(max, small[i] as number);
      min = Math.min(min, small[i] as number);
    }
    assert.ok(min >= 94 && max <= 106, `red channel ${min}..${max}, expected about 200 * 0.5 = 100`);
  });
  it('rejects a --dim outside 0..1', async () => {
    await assert.rejects(writeReport(join(dir, 'sat', 'run'), { dim: 1.5 }), (e: Error) => e instanceof UsageError && /--dim 1.5: expected a number from 0 to 1/.test(e.message));
  });
});

describe('writeReport errors', () => {
  let fx: RunFixture;
  before(async () => {
    fx = await makeRunFixture({ layers: [{ name: 'a', dir: 'a', units: 2, h: 3, w: 3 }], images: 3, topK: 2 });
  });
  after(() => fx.cleanup());

  it('rejects a top-k out of range', async () => {
    await assert.rejects(writeReport(fx.runDir, { topK: 0 }), (e: Error) => e instanceof UsageError && /--top-k 0: expected an integer from 1 to 100/.test(e.message));
  });
  it('names the dataset root when the photos are missing', async () => {
    await assert.rejects(
      writeReport(fx.runDir, { datasetRoot: join(fx.dir, 'nowhere') }),
      (e: Error) => e instanceof DatasetError && e.message.includes(join(fx.dir, 'nowhere')) && e.message.includes('--dataset'),
    );
  });
  it('names the photo that cannot be read', async () => {
    await rm(join(fx.datasetRoot, fx.imageFiles[0] as string));
    await assert.rejects(
      writeReport(fx.runDir, { outDir: join(fx.dir, 'out') }),
      (e: Error) => e instanceof DatasetError && e.message.includes('photo_0000.jpg') && e.message.includes('image 0'),
    );
  });
  it('writes to --out and shows fewer images when fewer are stored', async () => {
    const other = await makeRunFixture({ layers: [{ name: 'a', dir: 'a', units: 2, h: 3, w: 3 }], images: 3, topK: 2 });
    try {
      const logs: string[] = [];
      const { indexPath } = await writeReport(other.runDir, { outDir: join(other.dir, 'elsewhere'), topK: 5, log: (m) => logs.push(m) });
      assert.equal(indexPath, join(other.dir, 'elsewhere', 'index.html'));
      assert.ok(logs.some((m) => m.includes('stores 2 top images per unit; showing 2, not 5')));
      const shown = readData(await readFile(join(other.dir, 'elsewhere', 'data.js'), 'utf8'));
      assert.equal(shown.topK, 2);
      assert.ok(shown.layers[0]?.units.every((u) => u.images.length === 2));
    } finally {
      await other.cleanup();
    }
  });
});
