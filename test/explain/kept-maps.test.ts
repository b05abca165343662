import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KEPT_BLOCK_IMAGES, KeptMapsIndex, KeptMapsReader, KeptMapsWriter, writeKeptMaps } from '../../src/explain/kept-maps.js';
import { SegmentBuilder } from '../../src/quantile/candidate-cache.js';

function segment(entries: [number, number, number][]) {
  const b = new SegmentBuilder(2, 1);
  for (const [image, unit, max] of entries) b.add(image, unit, max, Float32Array.from([max, max - 1]), 0);
  return b.finish();
}

describe('writeKeptMaps / KeptMapsReader', () => {
  it('keeps exactly the entries whose max is above float32(threshold), in order, and reads them back', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nd-kept-'));
    try {
      const file = path.join(dir, 'unit-maps.seg');
      // Unit 0's threshold rounds up to float32(0.1) (> 0.1): a max of float32(0.1) is not above it.
      const t = Float64Array.from([0.1, 2]);
      const f01 = Math.fround(0.1);
      const segs = [segment([[0, 0, f01], [0, 1, 3], [1, 0, 0.5]]), segment([[2, 1, 2]]), segment([[3, 0, 1], [3, 1, 2.5]])];
      const s = writeKeptMaps(file, segs, t, 2);
      assert.equal(s.entries, 4);
      assert.equal(s.bytes, readFileSync(file).length);
      assert.equal(s.bytes, 12 + 4 + 4 * (12 + 8) + 4, 'header, one block (images 0–3 lie in [0, 32)), end marker');
      const got = [...KeptMapsReader.open(file, 2).blocks()].flatMap((b) => Array.from({ length: b.count }, (_, i) => [b.images[i], b.units[i], b.maxes[i], ...b.maps.subarray(2 * i, 2 * i + 2)]));
      assert.deepEqual(got, [[0, 1, 3, 3, 2], [1, 0, 0.5, 0.5, -0.5], [3, 0, 1, 1, 0], [3, 1, 2.5, 2.5, 1.5]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file of another map size, a foreign file and a truncated one, naming the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nd-kept-'));
    try {
      const file = path.join(dir, 'unit-maps.seg');
      writeKeptMaps(file, [segment([[0, 0, 3]])], Float64Array.from([1]), 2);
      assert.throws(() => KeptMapsReader.open(file, 4), /unit-maps\.seg: maps of 2 values, the layer's maps have 4/);
      const bytes = readFileSync(file);
      writeFileSync(file, bytes.subarray(0, bytes.length - 4));
      assert.throws(() => [...KeptMapsReader.open(file, 2).blocks()], /truncated/);
      writeFileSync(file, 'hello world!');
      assert.throws(() => KeptMapsReader.open(file, 2), /not a unit-maps file/);
      assert.throws(() => KeptMapsReader.open(path.join(dir, 'none.seg'), 2), /none\.seg.*kept no unit maps/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('blocks are aligned ranges of 32 images: the bytes do not depend on how the entries were segmented or fed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nd-kept-'));
    try {
      assert.equal(KEPT_BLOCK_IMAGES, 32);
      const entries: [number, number, number][] = [[5, 0, 3], [31, 1, 4], [32, 0, 5], [32, 1, 6], [70, 0, 7]];
      const t = Float64Array.from([0, 0]);
      const a = path.join(dir, 'a.seg');
      const b = path.join(dir, 'b.seg');
      const c = path.join(dir, 'c.seg');
      writeKeptMaps(a, [segment(entries)], t, 2);
      writeKeptMaps(b, [segment(entries.slice(0, 1)), segment(entries.slice(1, 3)), segment(entries.slice(3))], t, 2);
      // As counting feeds it: whole chunks of entries already above their thresholds.
      const w = new KeptMapsWriter(c, 2);
      const chunk = segment(entries.slice(0, 3));
      w.addAll(chunk);
      w.addAll(segment(entries.slice(3)));
      const summary = w.finish();
      assert.deepEqual(readFileSync(b), readFileSync(a));
      assert.deepEqual(readFileSync(c), readFileSync(a));
      assert.equal(summary.bytes, readFileSync(c).length);
      const blocks = [...KeptMapsReader.open(a, 2).blocks()].map((bl) => [...bl.images]);
      assert.deepEqual(blocks, [[5, 31], [32, 32], [70]]);
      const index = new KeptMapsIndex(a, 2);
      try {
        assert.deepEqual([...index.read(32).units], [0, 1]);
        assert.deepEqual([...index.read(70).maps], [7, 6]);
        assert.equal(index.read(6).units.length, 0);
      } finally {
        index.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an aborted writer leaves no file; a new writer removes what a killed one left', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nd-kept-'));
    try {
      const file = path.join(dir, 'unit-maps.seg');
      const w = new KeptMapsWriter(file, 2);
      w.addAll(segment([[0, 0, 1]]));
      w.abort();
      assert.deepEqual(readdirSync(dir), []);
      writeFileSync(path.join(dir, '.unit-maps.seg.999999.tmp'), 'left by a killed run');
      writeFileSync(path.join(dir, '.other.seg.999999.tmp'), 'not ours');
      new KeptMapsWriter(file, 2).finish();
      assert.deepEqual(readdirSync(dir).sort(), ['.other.seg.999999.tmp', 'unit-maps.seg']);
      assert.ok(existsSync(file));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
