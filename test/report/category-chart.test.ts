import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { categoryChartSvg } from '../../src/report/category-chart.js';

describe('categoryChartSvg', () => {
  const svg = categoryChartSvg(
    [
      { name: 'conv<5>', counts: [4, 2] },
      { name: 'fc', counts: [0, 1] },
    ],
    ['object', 'a&b'],
    ['#111111', '#222222'],
  );
  it('escapes layer and category names', () => {
    assert.ok(svg.includes('>conv&lt;5&gt;<'));
    assert.ok(svg.includes('>a&amp;b<'));
    assert.ok(!svg.includes('conv<5>'));
  });
  it('draws one bar per layer and category, heights proportional to counts, in category colours', () => {
    const bars = [...svg.matchAll(/<g class="bar"><title>[^<]*<\/title><rect x="[\d.]+" y="[\d.]+" width="16" height="([\d.]+)" fill="(#\d+)"/g)];
    assert.deepEqual(bars.map((b) => b[2]), ['#111111', '#222222', '#111111', '#222222']);
    const h = bars.map((b) => Number(b[1]));
    assert.equal(h[0], 2 * (h[1] as number)); // 4 vs 2 units
    assert.equal(h[2], 0);
    assert.equal(h[1], h[3] as number * 2); // 2 vs 1
  });
});
