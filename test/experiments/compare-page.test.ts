import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, groupedBarChart, lineChart, renderComparePage } from '../../src/experiments/compare-page.js';
import type { Comparison } from '../../src/experiments/compare.js';
import { detectorStats, parseTally } from '../../src/experiments/tally-stats.js';

const EVIL = '<img src=x onerror=alert(1)>';

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('groupedBarChart', () => {
  it('draws one bar per non-null value, heights proportional to a nice maximum', () => {
    // Max 10 -> ticks 0, 2, ..., 10: 10 fills the 220-pixel plot, 5 half of it.
    const svg = groupedBarChart({
      title: 't',
      x: ['a', 'b'],
      series: [
        { name: 's1', color: '#000', values: [10, 5] },
        { name: 's2', color: '#111', values: [null, 0] },
      ],
      yLabel: 'units',
    });
    const heights = [...svg.matchAll(/<rect class="bar"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.deepEqual(heights, [220, 110, 0]);
    assert.match(svg, /<title>a · s1: 10<\/title>/);
    assert.equal([...svg.matchAll(/class="tick"[^>]*>(\d+)</g)].map((m) => m[1]).join(), '0,2,4,6,8,10');
  });
  it('escapes every label, series name and title', () => {
    const svg = groupedBarChart({ title: EVIL, x: [EVIL], series: [{ name: EVIL, color: '#000', values: [1] }], yLabel: EVIL });
    assert.ok(!svg.includes('<img'), svg);
    assert.ok(svg.includes('&lt;img src=x onerror=alert(1)&gt;'));
  });
});

describe('chart margins', () => {
  it('grow to hold a long first label rotated under the axis and the widest tick', () => {
    const long = 'a very long checkpoint label indeed';
    const svg = groupedBarChart({ title: 't', x: [long, 'b'], series: [{ name: 's', color: '#000', values: [123456, 1] }], yLabel: 'units' });
    const height = Number(/ height="(\d+)"/.exec(svg)?.[1]);
    // The first label (22 characters once shortened) reaches 22 × 6.8 × cos 35° ≈ 123 px left
    // of its centre: the centre must be further right than that.
    const [, cx, cy] = /translate\(([\d.]+) ([\d.]+)\) rotate\(-35\)/.exec(svg) ?? [];
    assert.ok(Number(cx) >= 22 * 6.8 * Math.cos((35 * Math.PI) / 180), `first label centre ${cx}`);
    assert.ok(height - Number(cy) >= 22 * 6.8 * Math.sin((35 * Math.PI) / 180), `room under the labels ${height - Number(cy)}`);
    // "150000" (6 characters) right-aligned 6 px left of the plot, after the rotated axis title.
    const plotLeft = Number(/<line class="grid" x1="([\d.]+)"/.exec(svg)?.[1]);
    assert.ok(plotLeft - 6 - 6 * 6.8 >= 24, `plot left ${plotLeft}`);
  });
});

describe('lineChart', () => {
  it('breaks a line at a null and marks each value', () => {
    const svg = lineChart({ title: 't', x: ['1', '2', '3', '4'], series: [{ name: 's', color: '#000', values: [1, null, 3, 4], dashed: true }], yLabel: 'y' });
    const d = /<path class="line" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    assert.equal((d.match(/M/g) ?? []).length, 2);
    assert.equal((d.match(/L/g) ?? []).length, 1);
    assert.equal((svg.match(/<circle /g) ?? []).length, 3);
    assert.match(svg, /stroke-dasharray/);
  });
});

describe('renderComparePage', () => {
  it('writes a page without script whose untrusted strings are all escaped', () => {
    const table = parseTally(`unit,category,label,score,${EVIL}-label,${EVIL}-iou\n1,"${EVIL}","${EVIL}",0.5,"${EVIL}",0.5\n`, 't.csv');
    const c: Comparison = {
      schema: 'netdissect/compare',
      version: 1,
      tool: { name: 'netdissect', version: '0.1.0' },
      iouThreshold: 0.04,
      categories: [EVIL],
      entries: [
        {
          order: 1, label: EVIL, source: EVIL, layer: EVIL, model: EVIL, rotation: null,
          dataset: { format: EVIL, root: EVIL, digest: EVIL, images: 3 }, semantics: EVIL, quantile: 0.005, labelSize: [112, 112],
          stats: detectorStats(table, 0.04),
        },
      ],
      warnings: [EVIL],
    };
    const html = renderComparePage(c);
    assert.ok(!/<script|<img|onerror=alert\(1\)>/.test(html.replace(/&lt;img src=x onerror=alert\(1\)&gt;/g, '')));
    assert.ok(!html.includes('<img'));
    assert.equal((html.match(/<svg /g) ?? []).length, 6);
    assert.match(html, /<div class="warnings" role="alert"><strong>These dissections may not compare<\/strong><ul><li>&lt;img src=x onerror=alert\(1\)&gt;<\/li><\/ul><\/div>/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.ok(!html.includes('<th>rotation</th>'));
    const rotated = renderComparePage({ ...c, entries: c.entries.map((e) => ({ ...e, rotation: { seed: 1, alpha: 0.25 } })) });
    assert.match(rotated, /<th>rotation<\/th>/);
    assert.match(rotated, /<td>α = 0\.25 \(seed 1\)<\/td>/);
  });
});
