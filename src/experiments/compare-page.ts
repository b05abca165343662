// The comparison page (index.html of `netdissect compare`): one static HTML file with inline
// CSS and server-side SVG charts, no JavaScript, no external resources, so it renders from
// file:// and in any viewer. Every run-derived string (labels, layer, category and concept
// names) is untrusted and goes through escapeHtml; a Content-Security-Policy that allows no
// script is a second line of defence. The chart helpers (escapeHtml, groupedBarChart,
// lineChart) depend on nothing else here and can move to src/report as they are.
import { categoryColors } from '../report/colors.js';
import { datasetText, detectorShare, type Comparison, type CompareEntry } from './compare.js';

// ---------------------------------------------------------------------------------------------
// Chart helpers

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML/SVG element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}


/** A named row of values (null = no value) drawn in one colour. */
export interface ChartSeries {
  readonly name: string;
  readonly values: readonly (number | null)[];
  readonly color: string;
  readonly dashed?: boolean;
}

export interface ChartSpec {
  readonly title: string;
  /** Category labels along x (groups of bars, or points of the lines), in order. */
  readonly x: readonly string[];
  readonly series: readonly ChartSeries[];
  readonly yLabel: string;
}

const MARGIN = { top: 36, right: 16, bottom: 30, left: 56 }; // top: title + gap; the legend adds its rows
const PLOT_HEIGHT = 220;
const LABEL_CHARS = 22;
/** Widths of the 11 px chart text per character, rounded up (no font metrics in Node): labels
 *  are laid out with these, so a margin computed from them holds the text. */
const CHAR_W = 6.8;
const TICK_ANGLE = (35 * Math.PI) / 180;

/** Round a maximum up to 1, 2 or 5 × 10^k and give ≈ 5 ticks from 0 (integers for counts). */
function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / 5;
  const pow = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= rough) ?? 10 * pow);
  const ticks: number[] = [];
  for (let t = 0; t < max + step; t += step) ticks.push(t);
  return ticks;
}

function shorten(label: string): string {
  return label.length > LABEL_CHARS ? `${label.slice(0, LABEL_CHARS - 1)}…` : label;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** Legend swatches in rows that fit `width`; returns the SVG and the height it takes. */
function legend(series: readonly ChartSeries[], left: number, width: number, top: number): { svg: string; height: number } {
  const parts: string[] = [];
  let x = left;
  let row = 0;
  for (const s of series) {
    const w = 26 + Math.min(s.name.length, LABEL_CHARS) * CHAR_W;
    if (x > left && x + w > left + width) {
      x = left;
      row++;
    }
    const y = top + row * 16;
    const dash = s.dashed ? ' stroke-dasharray="4 3"' : '';
    parts.push(
      `<line x1="${x}" x2="${x + 14}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="6"${dash}/>`,
      `<text class="legend" x="${x + 18}" y="${y}" dominant-baseline="middle"><title>${escapeHtml(s.name)}</title>${escapeHtml(shorten(s.name))}</text>`,
    );
    x += w;
  }
  return { svg: `<g class="legend">${parts.join('')}</g>`, height: series.length === 0 ? 0 : (row + 1) * 16 };
}

/**
 * The frame shared by both charts: title, legend, y grid with ticks, rotated x labels. `xs` are
 * the label positions from the plot's left edge; the margins grow to hold every label (a long
 * first label reaches far left once rotated) and the largest tick, so no text is clipped.
 */
function frame(spec: ChartSpec, plotWidth: number, yMax: number, xs: readonly number[], body: (y: (v: number) => number, x: (offset: number) => number) => string): string {
  const ticks = niceTicks(yMax).filter((t) => t <= yMax);
  const tickW = Math.max(...ticks.map((t) => fmt(t).length)) * CHAR_W;
  let left = Math.max(MARGIN.left, 24 + tickW + 8); // rotated axis title, gap, ticks, gap
  let bottom = MARGIN.bottom;
  spec.x.forEach((label, i) => {
    const w = shorten(label).length * CHAR_W;
    // Rotated by −35° about its end: the text runs w·cos left and w·sin down, plus its height.
    left = Math.max(left, w * Math.cos(TICK_ANGLE) + 11 * Math.sin(TICK_ANGLE) - (xs[i] as number) + 6);
    bottom = Math.max(bottom, 12 + w * Math.sin(TICK_ANGLE) + 11 * Math.cos(TICK_ANGLE) + 6);
  });
  left = Math.ceil(left);
  bottom = Math.ceil(bottom);
  const titleW = spec.title.length * 7.6 + 8; // 13 px semibold
  const key = legend(spec.series, left, plotWidth, 32);
  const top = MARGIN.top + key.height;
  const width = Math.ceil(Math.max(left + plotWidth + MARGIN.right, left + titleW));
  const height = top + PLOT_HEIGHT + bottom;
  const y = (v: number): number => top + PLOT_HEIGHT - (v / yMax) * PLOT_HEIGHT;
  const x = (offset: number): number => left + offset;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(spec.title)}">`,
    `<title>${escapeHtml(spec.title)}</title>`,
    `<text class="chart-title" x="${left}" y="16">${escapeHtml(spec.title)}</text>`,
    key.svg,
  );
  for (const t of ticks) {
    const ty = y(t).toFixed(1);
    parts.push(
      `<line class="grid" x1="${left}" x2="${left + plotWidth}" y1="${ty}" y2="${ty}"/>`,
      `<text class="tick" x="${left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`,
    );
  }
  parts.push(
    `<text class="axis-label" transform="translate(14 ${top + PLOT_HEIGHT / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(spec.yLabel)}</text>`,
    `<line class="axis" x1="${left}" x2="${left + plotWidth}" y1="${y(0)}" y2="${y(0)}"/>`,
  );
  spec.x.forEach((label, i) => {
    const cx = x(xs[i] as number).toFixed(1);
    const ly = top + PLOT_HEIGHT + 12;
    parts.push(
      `<text class="tick x-label" transform="translate(${cx} ${ly}) rotate(-35)" text-anchor="end"><title>${escapeHtml(label)}</title>${escapeHtml(shorten(label))}</text>`,
    );
  });
  parts.push(body(y, x), '</svg>');
  return parts.join('\n');
}

function seriesMax(series: readonly ChartSeries[]): number {
  let m = 0;
  for (const s of series) for (const v of s.values) if (v !== null && v > m) m = v;
  const ticks = niceTicks(m);
  return ticks[ticks.length - 1] as number;
}

/** Grouped bars: one group per x label, one bar per series, a tooltip (<title>) per bar. */
export function groupedBarChart(spec: ChartSpec): string {
  const nSeries = Math.max(1, spec.series.length);
  const barWidth = 12;
  const groupWidth = nSeries * barWidth + 18;
  const plotWidth = Math.max(360, spec.x.length * groupWidth);
  const slot = plotWidth / Math.max(1, spec.x.length);
  const yMax = seriesMax(spec.series);
  const centres = spec.x.map((_, i) => slot * (i + 0.5));
  return frame(spec, plotWidth, yMax, centres, (y, at) => {
    const bars: string[] = [];
    spec.x.forEach((xLabel, i) => {
      const left = at(centres[i] as number) - (nSeries * barWidth) / 2;
      spec.series.forEach((s, k) => {
        const v = s.values[i];
        if (v === null || v === undefined) return;
        const x = (left + k * barWidth).toFixed(1);
        const h = y(0) - y(v);
        bars.push(
          `<rect class="bar" x="${x}" y="${y(v).toFixed(1)}" width="${barWidth - 2}" height="${h.toFixed(1)}" fill="${s.color}"><title>${escapeHtml(`${xLabel} · ${s.name}: ${fmt(v)}`)}</title></rect>`,
        );
      });
    });
    return `<g class="bars">${bars.join('')}</g>`;
  });
}

/** Lines over the x order, one per series, with a marker and tooltip at every value. */
export function lineChart(spec: ChartSpec): string {
  const plotWidth = Math.max(360, spec.x.length * 64);
  const step = spec.x.length > 1 ? (plotWidth - 40) / (spec.x.length - 1) : 0;
  const offsets = spec.x.map((_, i) => 20 + (spec.x.length > 1 ? step * i : (plotWidth - 40) / 2));
  const yMax = seriesMax(spec.series);
  return frame(spec, plotWidth, yMax, offsets, (y, at) => {
    const centres = offsets.map(at);
    const body: string[] = [];
    for (const s of spec.series) {
      // A null breaks the line into segments.
      let d = '';
      let pen = false;
      s.values.forEach((v, i) => {
        if (v === null) {
          pen = false;
          return;
        }
        d += `${pen ? 'L' : 'M'}${(centres[i] as number).toFixed(1)} ${y(v).toFixed(1)} `;
        pen = true;
      });
      const dash = s.dashed ? ' stroke-dasharray="5 4"' : '';
      if (d !== '') body.push(`<path class="line" d="${d.trim()}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
      s.values.forEach((v, i) => {
        if (v === null) return;
        body.push(
          `<circle cx="${(centres[i] as number).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${s.color}"><title>${escapeHtml(`${spec.x[i] ?? ''} · ${s.name}: ${fmt(v)}`)}</title></circle>`,
        );
      });
    }
    return `<g class="lines">${body.join('')}</g>`;
  });
}

// ---------------------------------------------------------------------------------------------
// The page

type Metric = 'detectors' | 'uniqueDetectors';

/**
 * One series per category (and the total): the metric's counts, or with `share` the detectors
 * as a percentage of the entry's units, so layers of different widths compare.
 */
function categorySeries(c: Comparison, metric: Metric, withTotal: boolean, share = false): ChartSeries[] {
  // The report's category colours, so a category looks the same on every page.
  const colors = categoryColors(c.categories);
  const scale = (e: CompareEntry, v: number | null): number | null => (v === null || !share ? v : e.stats.units === 0 ? 0 : (100 * v) / e.stats.units);
  const series: ChartSeries[] = c.categories.map((cat, k) => ({
    name: cat,
    color: colors[k] as string,
    values: c.entries.map((e) => scale(e, e.stats.perCategory.find((p) => p.category === cat)?.[metric] ?? null)),
  }));
  if (withTotal) series.push({ name: 'total', color: '#333333', dashed: true, values: c.entries.map((e) => scale(e, e.stats[metric])) });
  return series;
}

function warningsBox(c: Comparison): string {
  if (c.warnings.length === 0) return '';
  return `<div class="warnings" role="alert"><strong>These dissections may not compare</strong><ul>${c.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></div>`;
}

function summaryTable(c: Comparison): string {
  // A rotation column only when some entry was rotated (the basis-rotation experiment).
  const rotated = c.entries.some((e) => e.rotation !== null);
  const head = [
    '#', 'label', 'layer', ...(rotated ? ['rotation'] : []), 'dataset', 'semantics', 'quantile', 'label size',
    'units', 'detectors', 'detectors % of units', 'unique concepts', 'unique detectors', ...c.categories.map((cat) => `${cat}: detectors / unique detectors`),
  ];
  const rows = c.entries.map((e) => {
    const rotation = e.rotation ? `α = ${e.rotation.alpha} (seed ${e.rotation.seed})` : 'none';
    const cells = [
      String(e.order), e.label, e.layer ?? '', ...(rotated ? [rotation] : []),
      datasetText(e.dataset), e.semantics ?? 'unknown', e.quantile === null ? 'unknown' : String(e.quantile), e.labelSize ? `${e.labelSize[0]}×${e.labelSize[1]}` : 'unknown',
      String(e.stats.units), String(e.stats.detectors), `${(100 * detectorShare(e)).toFixed(1)} %`, String(e.stats.uniqueConcepts), String(e.stats.uniqueDetectors),
    ];
    for (const cat of c.categories) {
      const s = e.stats.perCategory.find((p) => p.category === cat);
      cells.push(s ? `${s.detectors} / ${s.uniqueDetectors}` : '–');
    }
    const text = rotated ? 8 : 7; // label, layer, (rotation,) dataset, semantics, quantile, label size are text; the rest numbers
    return `<tr>${cells.map((v, i) => `<td${i >= 1 && i < text ? '' : ' class="num"'}>${escapeHtml(v)}</td>`).join('')}</tr>`;
  });
  return `<div class="table-box"><table class="summary"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function entryDetails(e: CompareEntry): string {
  const extra: string[] = [`source ${e.source}`];
  if (e.model) extra.push(`model ${e.model}`);
  if (e.rotation) extra.push(`rotation seed ${e.rotation.seed}, α = ${e.rotation.alpha}`);
  const cats = e.stats.perCategory
    .filter((p) => p.detectorConcepts.length > 0)
    .map((p) => {
      const items = p.detectorConcepts.map((k) => `<li><span class="concept">${escapeHtml(k.label)}</span> <span class="count">${k.units}</span></li>`).join('');
      return `<div class="cat"><h4>${escapeHtml(p.category)} <span class="count">${p.uniqueDetectors} concepts, ${p.categoryDetectors} units</span></h4><ul>${items}</ul></div>`;
    })
    .join('');
  return (
    `<details><summary>${escapeHtml(`${e.order}. ${e.label}`)} <span class="count">${e.stats.uniqueDetectors} unique detectors</span></summary>` +
    `<p class="meta">${escapeHtml(extra.join(' · '))}</p>${cats || '<p class="meta">no unit above the threshold</p>'}</details>`
  );
}

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 24px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; } h4 { margin: 8px 0 4px; font-size: 14px; }
.meta, .count { color: #666; font-weight: normal; }
table.summary { border-collapse: collapse; margin: 8px 0; } table.summary th, table.summary td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; }
table.summary td.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; } .chart-box { overflow-x: auto; max-width: 100%; }
svg.chart { font-size: 11px; background: #fff; } svg .chart-title { font-size: 13px; font-weight: 600; }
svg .grid { stroke: #eee; } svg .axis { stroke: #999; } svg .tick, svg .legend, svg .axis-label { fill: #444; }
details { margin: 6px 0; border: 1px solid #e4e4e4; border-radius: 4px; padding: 4px 10px; } summary { cursor: pointer; font-weight: 600; }
.cat ul { columns: 4 160px; margin: 0; padding-left: 18px; }
.table-box { overflow-x: auto; max-width: 100%; }
.warnings { background: #fdecea; border: 1px solid #e8a39b; border-left: 5px solid #c0392b; border-radius: 4px; padding: 8px 14px; color: #6d1f16; margin: 10px 0; }
.warnings ul { margin: 4px 0 0; padding-left: 20px; }
`;

/** The whole index.html of a comparison. */
export function renderComparePage(c: Comparison): string {
  const x = c.entries.map((e) => `${e.order}. ${e.label}`);
  // Counts and shares side by side: 96 and 1,280 units wide layers compare by share.
  const perCategory = [
    groupedBarChart({ title: 'Detectors per category (best label)', x, series: categorySeries(c, 'detectors', false), yLabel: 'units' }),
    groupedBarChart({ title: "Detectors per category, share of the layer", x, series: categorySeries(c, 'detectors', false, true), yLabel: "% of the layer's units" }),
    groupedBarChart({ title: 'Unique detectors per category (paper)', x, series: categorySeries(c, 'uniqueDetectors', false), yLabel: 'concepts' }),
  ];
  const overOrder = [
    lineChart({ title: 'Detectors over the run order', x, series: categorySeries(c, 'detectors', true), yLabel: 'units' }),
    lineChart({ title: 'Detectors over the run order, share of the layer', x, series: categorySeries(c, 'detectors', true, true), yLabel: "% of the layer's units" }),
    lineChart({ title: 'Unique detectors over the run order', x, series: categorySeries(c, 'uniqueDetectors', true), yLabel: 'concepts' }),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>netdissect compare</title>
<style>${CSS}</style>
</head>
<body>
<h1>Network Dissection: comparison</h1>
<p class="meta">${c.entries.length} dissected layer(s) in the order given · a unit counts when its IoU is above ${escapeHtml(String(c.iouThreshold))} ·
<b>detectors</b>: units whose best label overall passes, by that label's category ·
<b>unique detectors</b> (the paper's count): per category, distinct labels among units whose best label in that category passes, summed over categories.
Numbers also in compare.csv and compare.json. netdissect ${escapeHtml(c.tool.version)}.</p>
${warningsBox(c)}
${summaryTable(c)}
<h2>Per category</h2>
<div class="charts">${perCategory.map((s) => `<div class="chart-box">${s}</div>`).join('\n')}</div>
<h2>Over the run order</h2>
<div class="charts">${overOrder.map((s) => `<div class="chart-box">${s}</div>`).join('\n')}</div>
<h2>Concepts (paper's rule: units per category-best label)</h2>
${c.entries.map(entryDetails).join('\n')}
</body>
</html>
`;
}
