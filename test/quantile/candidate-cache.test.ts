import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CandidateCache, SegmentBuilder, compactSegment } from '../../src/quantile/candidate-cache.js';

function segment(entries: [number, number, number][]) {
  const b = new SegmentBuilder(2, 1); // capacity 1: exercises growth
  for (const [image, unit, max] of entries) b.add(image, unit, max, Float32Array.from([max, max - 1]), 0);
  return b.finish();
}

describe('compactSegment', () => {
  it('drops entries whose maximum is below their unit\'s bound, keeping equal ones', () => {
    const s = compactSegment(segment([[0, 0, 1], [0, 1, 5], [1, 0, 3], [1, 1, 2]]), 2, Float32Array.from([3, 4]));
    assert.deepEqual([...s.images], [0, 1]);
    assert.deepEqual([...s.units], [1, 0]);
    assert.deepEqual([...s.maps], [5, 4, 3, 2]);
  });

  it('copies kept maps in runs, and leaves a segment alone when more than keepAbove of it stays', () => {
    // Entries (image, unit, max); maps of 2 values [max, max − 1]. Bounds: unit 0 ≥ 2, unit 1 ≥ 10.
    const seg = segment([[0, 0, 2], [0, 0, 3], [0, 1, 1], [1, 0, 4], [1, 0, 5], [1, 1, 9]]);
    const s = compactSegment(seg, 2, Float32Array.from([2, 10]));
    assert.deepEqual([...s.images], [0, 0, 1, 1]);
    assert.deepEqual([...s.maps], [2, 1, 3, 2, 4, 3, 5, 4]);
    assert.equal(compactSegment(seg, 2, Float32Array.from([2, 10]), 0.6), seg, '4 of 6 kept: more than 0.6, not copied');
    assert.notEqual(compactSegment(seg, 2, Float32Array.from([2, 10]), 0.7), seg);
  });
});

describe('CandidateCache', () => {
  it('spills to disk, persists and restores, and reads every segment back in order', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nd-cache-'));
    try {
      const c = new CandidateCache(2, dir, 'L');
      c.push(segment([[0, 0, 1]]));
      c.push(segment([[1, 0, 2], [1, 1, 3]]));
      c.push(segment([[2, 1, 4]]));
      const before = c.bytesInMemory;
      c.spill(before / 2);
      assert.ok(c.bytesInMemory <= before / 2);
      assert.ok(readdirSync(dir).length >= 1);
      const files = c.persist();
      assert.equal(files.length, 3);
      const images = (cache: CandidateCache) => [...cache.read()].flatMap((s) => [...s.images]);
      assert.deepEqual(images(c), [0, 1, 1, 2]);
      const restored = new CandidateCache(2, dir, 'L');
      restored.restore(files);
      assert.deepEqual(images(restored), [0, 1, 1, 2]);
      assert.deepEqual([...[...restored.read()][1]!.maps], [2, 1, 3, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
