import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KeptMapsReader, writeKeptMaps } from '../../src/explain/kept-maps.js';
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
      assert.equal(s.bytes, 12 + 2 * 4 + 4 * (12 + 8) + 4, "header, two non-empty blocks, end marker");
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
});
