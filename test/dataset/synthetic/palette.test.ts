import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { colorLabelOf, DRAW, JITTER, MUTED_MAX, PIXEL_NOISE, VIVID_MIN } from '../../../src/dataset/synthetic/palette.js';
import { COLOR_NAMES, L } from '../../../src/dataset/synthetic/plan.js';

describe('colorLabelOf', () => {
  it('names every drawn colour by its own name at every corner of its jitter and noise range', () => {
    const e = JITTER + PIXEL_NOISE;
    for (const name of COLOR_NAMES) {
      const c = DRAW[name];
      for (const dr of [-e, 0, e]) for (const dg of [-e, 0, e]) for (const db of [-e, 0, e]) {
        const px = [c[0] + dr, c[1] + dg, c[2] + db].map((v) => Math.max(0, Math.min(255, v))) as [number, number, number];
        assert.equal(colorLabelOf(...px), L[name], `${name} ${px.join(',')}`);
      }
    }
  });

  it('leaves a colour halfway between two names unlabelled', () => {
    // Halfway between red (215,40,40) and orange (235,140,35): about 50 from both references.
    assert.equal(colorLabelOf(225, 90, 37.5), 0);
    assert.equal(colorLabelOf(215, 40, 40), L.red);
    assert.equal(colorLabelOf(235, 140, 35), L.orange);
  });

  it('leaves a colour far from every name unlabelled', () => {
    assert.equal(colorLabelOf(0, 255, 255), 0);
  });
});

describe('DRAW', () => {
  it('lets only red, green and blue reach VIVID_MIN, each in its own channel only', () => {
    const vivid: Record<string, number> = { red: 0, green: 1, blue: 2 };
    for (const name of COLOR_NAMES) {
      const c = DRAW[name];
      for (let ch = 0; ch < 3; ch++) {
        const own = vivid[name] === ch;
        if (own) assert.ok((c[ch] as number) - JITTER - PIXEL_NOISE >= VIVID_MIN, `${name} channel ${ch}`);
        else assert.ok((c[ch] as number) + JITTER + PIXEL_NOISE <= MUTED_MAX, `${name} channel ${ch}`);
      }
    }
  });
});
