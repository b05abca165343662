import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachOrdered } from '../../src/dataset/ordered.js';

describe('forEachOrdered', () => {
  it('consumes in index order even when later fetches finish first, with at most `ahead` in flight', async () => {
    const resolvers: ((v: number) => void)[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const seen: number[] = [];
    const run = forEachOrdered(
      6,
      3,
      (i) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise<number>((resolve) => (resolvers[i] = (v) => { inFlight--; resolve(v); }));
      },
      (i, v) => void seen.push(i * 100 + v),
    );
    // Finish fetches in reverse order of what is started: 2, 1, 0, then 5, 4, 3.
    const settle = async (i: number): Promise<void> => {
      while (!resolvers[i]) await new Promise((r) => setImmediate(r));
      resolvers[i]!(i);
    };
    for (const i of [2, 1, 0, 5, 4, 3]) await settle(i);
    await run;
    assert.deepEqual(seen, [0, 101, 202, 303, 404, 505]);
    assert.equal(maxInFlight, 3);
  });

  it('rejects with the first failing fetch in index order', async () => {
    await assert.rejects(
      forEachOrdered(4, 2, (i) => (i === 1 ? Promise.reject(new Error('bad 1')) : Promise.resolve(i)), () => undefined),
      /bad 1/,
    );
  });
});
