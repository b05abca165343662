import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CACHE_BUDGET, resolveCacheBudget } from '../../src/quantile/cache-budget.js';

describe('resolveCacheBudget', () => {
  it('is 64 MiB by default', () => {
    assert.equal(DEFAULT_CACHE_BUDGET, 64 * 1024 * 1024);
    assert.equal(resolveCacheBudget(undefined), DEFAULT_CACHE_BUDGET);
  });
  it("keeps the user's budget, zero included", () => {
    assert.equal(resolveCacheBudget(4 * 1024 ** 3), 4 * 1024 ** 3);
    assert.equal(resolveCacheBudget(0), 0);
  });
  it('refuses a negative or non-finite budget', () => {
    assert.throws(() => resolveCacheBudget(-1), RangeError);
    assert.throws(() => resolveCacheBudget(Number.NaN), RangeError);
  });
});
