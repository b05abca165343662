import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBroden } from '../../../src/dataset/broden/reader.js';
import { openSegFolder } from '../../../src/dataset/segfolder/segfolder.js';
import { openAde20k } from '../../../src/dataset/ade20k/ade20k.js';
import { withAutoColor } from '../../../src/dataset/auto-color.js';
import { writeBroden, csvRow } from '../../../src/dataset/convert/to-broden.js';
import type { ConceptDataset } from '../../../src/dataset/types.js';
import { writeAde, writeSegFolder } from '../fixtures.js';
import { sharedMissing } from '../../helpers/shared.js';

/** Every image's labels of `a` and `b` are the same, category by category, pixel by pixel. */
async function assertSameLabels(a: ConceptDataset, b: ConceptDataset): Promise<void> {
  assert.deepEqual(b.categories, a.categories);
  assert.equal(b.images.length, a.images.length);
  for (const l of a.labels) {
    if (!l || l.number === 0) continue;
    assert.deepEqual([b.labels[l.number]?.name, b.labels[l.number]?.categories], [l.name, l.categories], `label ${l.number}`);
  }
  for (const rec of a.images) {
    assert.deepEqual([b.images[rec.index]!.sh, b.images[rec.index]!.sw], [rec.sh, rec.sw]);
    const la = await a.readLabels(rec.index);
    const lb = await b.readLabels(rec.index);
    for (const cat of a.categories) {
      const x = la.byCategory.get(cat);
      const y = lb.byCategory.get(cat);
      assert.deepEqual(y?.maps.map((m) => [...m]), x?.maps.map((m) => [...m]), `${rec.file} ${cat}`);
      assert.deepEqual(y?.imageLabels, x?.imageLabels, `${rec.file} ${cat} image labels`);
    }
    const pa = await a.readImage(rec.index);
    const pb = await b.readImage(rec.index);
    assert.deepEqual([pb.width, pb.height], [pa.width, pa.height]);
    assert.ok(Buffer.from(pb.data).equals(Buffer.from(pa.data)), `${rec.file} photo bytes`);
  }
}

describe('writeBroden', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nd-tobroden-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips a generated segfolder with colour through openBroden', async () => {
    const seg = withAutoColor(await openSegFolder({ ...(await writeSegFolder(join(dir, 'seg'))), ignore: 9, labelSize: [3, 5] }));
    await writeBroden(seg, join(dir, 'seg-broden'));
    await assertSameLabels(seg, await openBroden(join(dir, 'seg-broden'), {}));
  });

  it('round-trips generated ADE20K (parts channels, scene image labels) through openBroden', async () => {
    await writeAde(join(dir, 'ade'));
    const ade = await openAde20k({ dir: join(dir, 'ade'), labelSize: [2, 2] });
    await writeBroden(ade, join(dir, 'ade-broden'));
    await assertSameLabels(ade, await openBroden(join(dir, 'ade-broden'), {}));
  });

  it('round-trips a CamVid subset through openBroden', async (t) => {
    const camvid = '../shared/data/camvid';
    const missing = sharedMissing(camvid);
    if (missing) return t.skip(missing);
    // A subset: the val folder (101 images), labels at 112x112.
    const classes = join(dir, 'camvid.txt');
    await writeFile(classes, 'sky\nbuilding\npole\nroad\npavement\ntree\nsignsymbol\nfence\ncar\npedestrian\nbicyclist\n');
    const seg = await openSegFolder({ images: join(camvid, 'val'), labels: join(camvid, 'valannot'), classes, ignore: 11, labelSize: [112, 112] });
    await writeBroden(seg, join(dir, 'camvid-broden'));
    await assertSameLabels(seg, await openBroden(join(dir, 'camvid-broden'), {}));
  });
});

describe('csvRow', () => {
  it('quotes cells with commas and quotes', () => {
    assert.equal(csvRow(['a', 'b,c', 'say "hi"', '']), 'a,"b,c","say ""hi""",\n');
  });
});
