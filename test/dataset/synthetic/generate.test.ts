import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import sharp from 'sharp';
import { generateSyntheticBroden } from '../../../src/dataset/synthetic/generate.js';
import { VIVID_MIN } from '../../../src/dataset/synthetic/palette.js';
import { L, MIN_IMAGES_FOR_ALL_QUIRKS, SYNTHETIC_CATEGORIES, SYNTHETIC_LABELS } from '../../../src/dataset/synthetic/plan.js';
import { UsageError } from '../../../src/util/errors.js';
import { generate, hashTree, pieces, readTable, tempDir } from '../../helpers/synthetic.js';

const PIXEL_CATEGORIES = ['color', 'object', 'part', 'material'] as const;

interface Png {
  width: number;
  height: number;
  channels: number;
  depth: number;
  data: Uint8Array;
}

function readPng(file: string): Png {
  const p = decode(readFileSync(file));
  return { width: p.width, height: p.height, channels: p.channels, depth: p.depth, data: p.data as Uint8Array };
}

/** Label numbers (R + 256·G) of a decoded RGB label PNG. */
function labelsOf(p: Png): Uint16Array {
  const out = new Uint16Array(p.width * p.height);
  for (let i = 0; i < out.length; i++) out[i] = (p.data[i * 3] as number) + 256 * (p.data[i * 3 + 1] as number);
  return out;
}

describe('generateSyntheticBroden', () => {
  let tmp = '';
  let root = '';
  let index: Record<string, string>[] = [];
  let emptyRows = 0;
  let files = 0;

  before(async () => {
    tmp = tempDir('synthetic');
    root = path.join(tmp, 'a');
    const summary = await generateSyntheticBroden({ images: 40, out: root, seed: 1, size: 224, format: 'jpeg' });
    emptyRows = summary.emptyRows;
    files = summary.files;
    assert.equal(summary.images, 40);
    assert.equal(summary.labels, SYNTHETIC_LABELS.length);
    index = readTable(path.join(root, 'index.csv'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const png = (rel: string): Png => readPng(path.join(root, 'images', rel));
  const cTable = (cat: string): Record<string, string>[] => readTable(path.join(root, `c_${cat}.csv`));

  it('gives byte-identical files for the same arguments (sha256 of every file)', async () => {
    const again = await generate(tmp, { out: 'b', images: 40, seed: 1 });
    const a = hashTree(root);
    const b = hashTree(again);
    assert.equal(a.size, files, 'summary.files counts every file written');
    assert.deepEqual([...b.entries()], [...a.entries()]);
  });

  it('gives other photos for another seed, and the same first images for fewer images', async () => {
    const a = hashTree(root);
    const other = hashTree(await generate(tmp, { out: 'seed2', images: 40, seed: 2 }));
    const photo = 'images/scenes/street_000002.jpg';
    assert.ok(other.has(photo) && a.has(photo));
    assert.notEqual(other.get(photo), a.get(photo));
    const fewer = hashTree(await generate(tmp, { out: 'fewer', images: 20, seed: 1 }));
    const photos = [...fewer.keys()].filter((f) => f.startsWith('images/'));
    assert.ok(photos.length > 40);
    for (const f of photos) assert.equal(fewer.get(f), a.get(f), f);
  });

  it('writes index.csv with the Broden columns and one row per image', () => {
    const header = readFileSync(path.join(root, 'index.csv'), 'utf8').split('\n')[0];
    assert.equal(header, 'image,split,ih,iw,sh,sw,color,object,part,material,scene,texture');
    assert.equal(index.length, 40);
    for (const r of index) {
      assert.deepEqual([r['ih'], r['iw'], r['sh'], r['sw']], ['224', '224', '112', '112']);
      assert.ok(r['split'] === 'train' || r['split'] === 'val');
      assert.ok(existsSync(path.join(root, 'images', r['image'] as string)), r['image']);
    }
  });

  it('has rows without data in any category, blank and made of empty `;` pieces only', () => {
    const empty = index.filter((r) => SYNTHETIC_CATEGORIES.every((c) => pieces(r[c] as string).length === 0));
    assert.equal(empty.length, emptyRows);
    assert.ok(empty.some((r) => SYNTHETIC_CATEGORIES.every((c) => r[c] === '')), 'a blank row');
    assert.ok(empty.some((r) => SYNTHETIC_CATEGORIES.some((c) => (r[c] as string).includes(';'))), 'a row of bare `;`');
    // Their photos exist all the same: a reader must drop the row, not fail on it.
    for (const r of empty) assert.ok(existsSync(path.join(root, 'images', r['image'] as string)));
  });

  it('has cells with empty pieces: trailing, doubled and leading `;`', () => {
    const cells = index.flatMap((r) => SYNTHETIC_CATEGORIES.map((c) => r[c] as string)).filter((c) => pieces(c).length > 0);
    assert.ok(cells.some((c) => c.endsWith(';')), 'trailing');
    assert.ok(cells.some((c) => /[^;];;[^;]/.test(c)), 'doubled between two pieces');
    assert.ok(cells.some((c) => c.startsWith(';')), 'leading');
  });

  it('has multi-channel part cells where one pixel carries two part labels', () => {
    const multi = index.filter((r) => pieces(r['part'] as string).length === 2);
    assert.ok(multi.length >= 3);
    let both = 0;
    for (const r of multi) {
      const [p1, p2] = pieces(r['part'] as string).map((f) => labelsOf(png(f)));
      for (let i = 0; i < (p1 as Uint16Array).length; i++) {
        if ((p2 as Uint16Array)[i] !== 0) {
          assert.notEqual((p1 as Uint16Array)[i], 0, 'a second-level part lies inside a first-level part');
          assert.notEqual((p1 as Uint16Array)[i], (p2 as Uint16Array)[i]);
          both++;
        }
      }
    }
    assert.ok(both > 0);
  });

  it('has image-level scene cells and texture cells with one or two labels, some rows texture-only', () => {
    const scenes = index.filter((r) => pieces(r['scene'] as string).length > 0);
    const textures = index.filter((r) => pieces(r['texture'] as string).length > 0);
    assert.ok(scenes.length >= 5 && textures.length >= 4);
    for (const r of [...scenes, ...textures]) {
      for (const p of [...pieces(r['scene'] as string), ...pieces(r['texture'] as string)]) assert.match(p, /^\d+$/);
    }
    assert.ok(textures.some((r) => pieces(r['texture'] as string).length === 2));
    assert.ok(textures.some((r) => pieces(r['texture'] as string).length === 1));
    const textureOnly = textures.filter((r) => SYNTHETIC_CATEGORIES.every((c) => c === 'texture' || pieces(r[c] as string).length === 0));
    assert.ok(textureOnly.length >= 1);
  });

  it('writes label PNGs of sh×sw, 8-bit RGB, whose labels all belong to the column\'s category', () => {
    const members = new Map(PIXEL_CATEGORIES.map((c) => [c, new Set(cTable(c).map((r) => Number(r['number'])))]));
    let checked = 0;
    for (const r of index) {
      for (const c of PIXEL_CATEGORIES) {
        for (const f of pieces(r[c] as string)) {
          assert.match(f, /\.png$/);
          const p = png(f);
          assert.deepEqual([p.width, p.height, p.channels, p.depth], [112, 112, 3, 8], f);
          for (const n of new Set(labelsOf(p))) {
            assert.ok(n === 0 || members.get(c)?.has(n), `${f}: label ${n} is not a ${c} label`);
          }
          checked++;
        }
      }
    }
    assert.ok(checked > 100);
  });

  it('puts label numbers above 255 and 511 in the green channel, and instances in blue', () => {
    const greens = new Set<number>();
    let blueOnLabel = 0;
    for (const r of index) {
      for (const c of ['object', 'part', 'material'] as const) {
        for (const f of pieces(r[c] as string)) {
          const p = png(f);
          for (let i = 0; i < p.width * p.height; i++) {
            const [red, g, b] = [p.data[i * 3] as number, p.data[i * 3 + 1] as number, p.data[i * 3 + 2] as number];
            greens.add(g);
            if (red === 0 && g === 0) assert.equal(b, 0, `${f}: unlabelled pixel with blue ${b}`);
            else if (b !== 0) blueOnLabel++;
          }
        }
      }
    }
    assert.ok(greens.has(1) && greens.has(2), `green values seen: ${[...greens].join(',')}`);
    assert.ok(blueOnLabel > 0, 'object and part PNGs carry a non-zero blue channel');
  });

  it('writes category.csv in Broden order with ranges, counts and summed frequencies', () => {
    const cats = readTable(path.join(root, 'category.csv'));
    assert.deepEqual(cats.map((r) => r['name']), [...SYNTHETIC_CATEGORIES]);
    for (const r of cats) {
      const mine = SYNTHETIC_LABELS.filter((l) => l.categories.includes(r['name'] as never)).map((l) => l.number);
      const c = cTable(r['name'] as string);
      assert.equal(Number(r['first']), Math.min(...mine));
      assert.equal(Number(r['last']), Math.max(...mine));
      assert.equal(Number(r['count']), mine.length);
      assert.equal(Number(r['frequency']), c.reduce((s, x) => s + Number(x['frequency']), 0));
    }
  });

  it('writes label.csv: planned numbers with a gap, no label 0 row, shared names, summed totals', () => {
    const labels = readTable(path.join(root, 'label.csv'));
    const numbers = labels.map((r) => Number(r['number']));
    assert.deepEqual(numbers, SYNTHETIC_LABELS.map((l) => l.number).sort((a, b) => a - b));
    assert.ok(!numbers.includes(0));
    assert.ok(numbers.includes(31) && numbers.includes(300) && !numbers.some((n) => n > 31 && n < 300), 'gap 32..299');
    assert.ok(numbers.filter((n) => n > 255).length >= 30);
    const freq = new Map(SYNTHETIC_CATEGORIES.map((c) => [c, new Map(cTable(c).map((r) => [Number(r['number']), Number(r['frequency'])]))]));
    const cov = new Map(SYNTHETIC_CATEGORIES.map((c) => [c, new Map(cTable(c).map((r) => [Number(r['number']), Number(r['coverage'])]))]));
    for (const r of labels) {
      const n = Number(r['number']);
      const plan = SYNTHETIC_LABELS.find((l) => l.number === n);
      assert.ok(plan);
      assert.equal(r['name'], plan.name);
      assert.equal(r['syns'], plan.syns.join(';'));
      // `part(30);object(18)`: every category with its frequency, most frequent first.
      const listed = (r['category'] as string).split(';').map((s) => /^(\w+)\((\d+)\)$/.exec(s));
      assert.deepEqual(listed.map((m) => m?.[1]).sort(), [...plan.categories].sort());
      const counts = listed.map((m) => Number(m?.[2]));
      assert.deepEqual(counts, listed.map((m) => freq.get(m?.[1] as never)?.get(n)));
      assert.deepEqual(counts, [...counts].sort((a, b) => b - a));
      assert.equal(Number(r['frequency']), counts.reduce((a, b) => a + b, 0));
      const sum = plan.categories.reduce((s, c) => s + (cov.get(c)?.get(n) ?? NaN), 0);
      assert.ok(Math.abs(Number(r['coverage']) - sum) <= 2e-6, `${plan.name} coverage`);
    }
    assert.equal(labels.find((r) => r['name'] === 'window')?.['category']?.split(';').length, 2);
  });

  it('writes c_<cat>.csv whose frequency and coverage match the label files and cells', () => {
    // Recount from the files: frequency = images having the label, coverage = summed fraction
    // of the image's label pixels (all channels), image-level labels count 1.
    const want = new Map(SYNTHETIC_CATEGORIES.map((c) => [c, new Map<number, { f: number; c: number }>()]));
    for (const r of index) {
      for (const cat of SYNTHETIC_CATEGORIES) {
        const counts = new Map<number, number>();
        for (const p of pieces(r[cat] as string)) {
          if (/^\d+$/.test(p)) counts.set(Number(p), 112 * 112);
          else for (const n of labelsOf(png(p))) if (n !== 0) counts.set(n, (counts.get(n) ?? 0) + 1);
        }
        const m = want.get(cat) as Map<number, { f: number; c: number }>;
        for (const [n, k] of counts) {
          const s = m.get(n) ?? { f: 0, c: 0 };
          s.f++;
          s.c += k / (112 * 112);
          m.set(n, s);
        }
      }
    }
    for (const cat of SYNTHETIC_CATEGORIES) {
      const rows = cTable(cat);
      assert.deepEqual(rows.map((r) => Number(r['code'])), rows.map((_, i) => i + 1));
      const planned = SYNTHETIC_LABELS.filter((l) => l.categories.includes(cat)).map((l) => l.number).sort((a, b) => a - b);
      assert.deepEqual(rows.map((r) => Number(r['number'])).sort((a, b) => a - b), planned);
      for (const r of rows) {
        const s = want.get(cat)?.get(Number(r['number'])) ?? { f: 0, c: 0 };
        assert.equal(Number(r['frequency']), s.f, `${cat} ${r['name']} frequency`);
        assert.equal(r['coverage'], s.c.toFixed(6), `${cat} ${r['name']} coverage`);
      }
      const f = rows.map((r) => Number(r['frequency']));
      assert.deepEqual(f, [...f].sort((a, b) => b - a), 'codes by frequency, most frequent first');
    }
  });

  it('gives every label its planned primary category by coverage (ties: the later category)', () => {
    const cov = new Map(SYNTHETIC_CATEGORIES.map((c) => [c, new Map(cTable(c).map((r) => [Number(r['number']), r['coverage'] as string]))]));
    for (const l of SYNTHETIC_LABELS) {
      let primary = '';
      let best = -1;
      for (const c of SYNTHETIC_CATEGORIES) {
        const v = cov.get(c)?.get(l.number);
        if (v !== undefined && Number(v) >= best) { best = Number(v); primary = c; }
      }
      assert.equal(primary, l.primary, `${l.name}`);
    }
    const pair = (n: number, a: string, b: string): [number, number] => [Number(cov.get(a as never)?.get(n)), Number(cov.get(b as never)?.get(n))];
    const [winObj, winPart] = pair(L.window, 'object', 'part');
    assert.ok(winPart > winObj && winObj > 0, 'window: the later category (part) wins');
    const [doorObj, doorPart] = pair(L.door, 'object', 'part');
    assert.ok(doorObj > doorPart && doorPart > 0, 'door: the earlier category (object) wins');
    assert.equal(cov.get('object')?.get(L.fabric), cov.get('material')?.get(L.fabric), 'fabric: an exact tie');
    assert.ok(Number(cov.get('object')?.get(L.fabric)) > 0);
  });

  it('writes JPEG photos of size×size', async () => {
    const meta = await sharp(path.join(root, 'images', index[0]?.['image'] as string)).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['jpeg', 224, 224, 3]);
  });

  it('has every quirk already at MIN_IMAGES_FOR_ALL_QUIRKS images', async () => {
    const small = await generate(tmp, { out: 'small', images: MIN_IMAGES_FOR_ALL_QUIRKS, seed: 77 });
    const rows = readTable(path.join(small, 'index.csv'));
    const has = (f: (r: Record<string, string>) => boolean): boolean => rows.some(f);
    assert.ok(has((r) => SYNTHETIC_CATEGORIES.every((c) => pieces(r[c] as string).length === 0)), 'empty row');
    assert.ok(has((r) => pieces(r['part'] as string).length === 2), 'two part channels');
    assert.ok(has((r) => pieces(r['texture'] as string).length === 2), 'two textures');
    assert.ok(has((r) => pieces(r['scene'] as string).length === 1), 'scene');
    assert.ok(has((r) => pieces(r['material'] as string).length === 1), 'material');
    const cov = (cat: string, n: number): number => Number(readTable(path.join(small, `c_${cat}.csv`)).find((r) => Number(r['number']) === n)?.['coverage']);
    assert.ok(cov('part', L.window) > cov('object', L.window) && cov('object', L.window) > 0);
    assert.ok(cov('object', L.door) > cov('part', L.door) && cov('part', L.door) > 0);
    assert.ok(cov('object', L.fabric) === cov('material', L.fabric) && cov('material', L.fabric) > 0);
  });
});

describe('generateSyntheticBroden --png', () => {
  let tmp = '';
  before(() => { tmp = tempDir('synthetic-png'); });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes lossless PNG photos; an odd size gives labels of floor(size / 2)', async () => {
    const root = await generate(tmp, { out: 'odd', images: 6, size: 227, format: 'png' });
    const rows = readTable(path.join(root, 'index.csv'));
    const first = rows[0] as Record<string, string>;
    assert.match(first['image'] as string, /\.png$/);
    assert.deepEqual([first['ih'], first['sh']], ['227', '113']);
    const photo = readPng(path.join(root, 'images', first['image'] as string));
    assert.deepEqual([photo.width, photo.height, photo.channels], [227, 227, 3]);
    const label = readPng(path.join(root, 'images', pieces(first['color'] as string)[0] as string));
    assert.deepEqual([label.width, label.height], [113, 113]);
  });

  it('names a 2×2 photo block red, green or blue wherever its own channel is at least VIVID_MIN', async () => {
    // The promise hand-built test units rely on: only red pixels reach R >= VIVID_MIN, etc.
    const root = await generate(tmp, { out: 'even', images: 60, format: 'png' });
    const seen = { red: 0, green: 0, blue: 0 };
    const want = [L.red, L.green, L.blue];
    for (const r of readTable(path.join(root, 'index.csv'))) {
      const photo = readPng(path.join(root, 'images', r['image'] as string));
      const colorCell = pieces(r['color'] as string)[0];
      for (let y = 0; y < 224; y++) {
        for (let x = 0; x < 224; x++) {
          for (let ch = 0; ch < 3; ch++) {
            const v = photo.data[(y * 224 + x) * 3 + ch] as number;
            // Any other colour stays below the vivid level in every channel.
            if (v >= VIVID_MIN) {
              const others = [0, 1, 2].filter((k) => k !== ch).map((k) => photo.data[(y * 224 + x) * 3 + k] as number);
              assert.ok(others.every((o) => o < VIVID_MIN), `${r['image']} (${x},${y}) is vivid in two channels`);
            }
          }
        }
      }
      if (colorCell === undefined) continue;
      const color = labelsOf(readPng(path.join(root, 'images', colorCell)));
      for (let y = 0; y < 112; y++) {
        for (let x = 0; x < 112; x++) {
          for (let ch = 0; ch < 3; ch++) {
            let vivid = true;
            for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
              if ((photo.data[((2 * y + dy) * 224 + 2 * x + dx) * 3 + ch] as number) < VIVID_MIN) vivid = false;
            }
            if (!vivid) continue;
            assert.equal(color[y * 112 + x], want[ch], `${r['image']} label pixel (${x},${y})`);
            const name = (['red', 'green', 'blue'] as const)[ch] as 'red' | 'green' | 'blue';
            seen[name]++;
          }
        }
      }
    }
    assert.ok(seen.red > 100 && seen.green > 100 && seen.blue > 100, JSON.stringify(seen));
  });
});

describe('generateSyntheticBroden output folder', () => {
  let tmp = '';
  before(() => { tmp = tempDir('synthetic-out'); });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('refuses a non-empty folder without force and leaves it untouched', async () => {
    const out = path.join(tmp, 'full');
    mkdirSync(out);
    writeFileSync(path.join(out, 'keep.txt'), 'mine');
    await assert.rejects(generateSyntheticBroden({ images: 2, out, seed: 1, size: 64, format: 'jpeg' }),
      (e: unknown) => e instanceof UsageError && /exists and is not empty; pass --force/.test(e.message));
    assert.deepEqual(readdirSync(out), ['keep.txt']);
    assert.deepEqual(readdirSync(tmp), ['full'], 'no temporary folder left behind');
  });

  it('replaces it with force, leaving no temporary or old folder', async () => {
    const out = path.join(tmp, 'full');
    await generateSyntheticBroden({ images: 2, out, seed: 1, size: 64, format: 'jpeg', force: true });
    assert.ok(!existsSync(path.join(out, 'keep.txt')));
    assert.ok(existsSync(path.join(out, 'index.csv')));
    assert.deepEqual(readdirSync(tmp), ['full']);
  });

  it('fills an existing empty folder and creates missing parents', async () => {
    const empty = path.join(tmp, 'empty');
    mkdirSync(empty);
    await generateSyntheticBroden({ images: 1, out: empty, seed: 1, size: 64, format: 'png' });
    assert.ok(existsSync(path.join(empty, 'label.csv')));
    const nested = path.join(tmp, 'x', 'y', 'z');
    await generateSyntheticBroden({ images: 1, out: nested, seed: 1, size: 64, format: 'png' });
    assert.ok(existsSync(path.join(nested, 'synthetic.json')));
  });

  const bad: [string, Partial<Parameters<typeof generateSyntheticBroden>[0]>, RegExp][] = [
    ['zero images', { images: 0 }, /--images must be an integer from 1/],
    ['fractional images', { images: 2.5 }, /--images must be an integer/],
    ['tiny size', { size: 8 }, /--size must be an integer from 16/],
    ['negative seed', { seed: -1 }, /--seed must be an integer from 0/],
    ['unknown format', { format: 'gif' as 'png' }, /photo format must be jpeg or png/],
    ['a file as output', { out: 'file.txt' }, /exists and is not a folder/],
  ];
  for (const [what, change, message] of bad) {
    it(`rejects ${what} with a UsageError`, async () => {
      writeFileSync(path.join(tmp, 'file.txt'), 'x');
      const options = { images: 2, seed: 1, size: 64, format: 'jpeg' as const, ...change, out: path.join(tmp, change.out ?? 'never') };
      await assert.rejects(generateSyntheticBroden(options), (e: unknown) => e instanceof UsageError && message.test(e.message));
      assert.ok(!existsSync(path.join(tmp, 'never')));
    });
  }
});
