import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { barChartSvg, conceptCounts } from '../../src/report/bar-chart.js';

const u = (label: string, category: string, detector = true) => ({ label, category, detector });

describe('conceptCounts', () => {
  it('counts detectors per best label, categories by total then concepts by count and name', () => {
    const units = [
      u('dog', 'object'),
      u('car', 'object'),
      u('dog', 'object'),
      u('grass', 'material'),
      u('wood', 'material'),
      u('wood', 'material'),
      u('wood', 'material'),
      u('sky', 'object', false), // not a detector: not counted
      u('bed', 'object'),
    ];
    assert.deepEqual(conceptCounts(units, ['object', 'material']), [
      { name: 'dog', category: 'object', units: 2 },
      { name: 'bed', category: 'object', units: 1 },
      { name: 'car', category: 'object', units: 1 },
      { name: 'wood', category: 'material', units: 3 },
      { name: 'grass', category: 'material', units: 1 },
    ]);
  });
  it('breaks a tie between category totals by dataset category order', () => {
    const bars = conceptCounts([u('a', 'scene'), u('b', 'part')], ['part', 'scene']);
    assert.deepEqual(bars.map((b) => b.category), ['part', 'scene']);
  });
});

describe('barChartSvg', () => {
  const bars = [
    { name: '<img src=x onerror=alert(1)>', category: 'object', units: 3 },
    { name: 'wood', category: 'material', units: 1 },
  ];
  const svg = barChartSvg(bars, ['object', 'material'], ['#111111', '#222222'], 'a "title"');
  it('escapes concept names and the title', () => {
    assert.ok(svg.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(!svg.includes('<img'));
    assert.ok(svg.includes('aria-label="a &quot;title&quot;"'));
  });
  it('draws one bar per concept in its category colour, heights proportional to counts', () => {
    const rects = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="\d+" height="([\d.]+)" fill="(#\d+)"/g)];
    assert.equal(rects.length, 2);
    assert.deepEqual(rects.map((r) => r[3]), ['#111111', '#222222']);
    assert.equal(Number(rects[0]?.[2]) / Number(rects[1]?.[2]), 3);
  });
  it('says so when the layer has no detector', () => {
    assert.match(barChartSvg([], ['object'], ['#111111'], 't'), /No detector units/);
  });
});
