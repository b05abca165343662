import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formulaMask } from '../../src/report/formula-mask.js';
import type { ReportTruth } from '../../src/report/report-data.js';

// Masks of 1×6 images as run lengths (alternating off, on).
const t = (runs: number[]): ReportTruth => ({ h: 1, w: 6, runs });
const A = t([0, 3, 3]); // 111000
const B = t([2, 2, 2]); // 001100
const bits = (m: ReturnType<typeof formulaMask>): string => (m === null || m === 'full' ? String(m) : [...m.mask].join(''));

describe('formulaMask', () => {
  it('applies OR, AND and AND NOT left to right', () => {
    assert.equal(bits(formulaMask([A, B], ['or'])), '111100');
    assert.equal(bits(formulaMask([A, B], ['and'])), '001000');
    assert.equal(bits(formulaMask([A, B], ['andnot'])), '110000');
    // ((A OR B) AND (NOT A)) = B without A
    assert.equal(bits(formulaMask([A, B, A], ['or', 'andnot'])), '000100');
  });
  it('treats an absent label as empty and an image-level label as every pixel', () => {
    assert.equal(bits(formulaMask([A, undefined], ['or'])), '111000');
    assert.equal(bits(formulaMask([A, undefined], ['and'])), '000000');
    assert.equal(bits(formulaMask(['full', B], ['andnot'])), '110011');
    assert.equal(formulaMask([A, 'full'], ['or']), 'full');
  });
  it('without any pixel map is all or nothing', () => {
    assert.equal(formulaMask(['full', undefined], ['or']), 'full');
    assert.equal(formulaMask(['full', 'full'], ['andnot']), null);
    assert.equal(formulaMask([undefined], []), null);
  });
});
