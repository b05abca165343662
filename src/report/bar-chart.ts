// The NetDissect bar graph of a layer (detector units per concept, grouped by category), drawn
// here as an SVG string so the static report shows it without JavaScript.
import type { ReportConceptCount } from './report-data.js';
import { escapeHtml } from './escape.js';

interface UnitLabel {
  readonly label: string;
  readonly category: string;
  readonly detector: boolean;
}

/**
 * Detector units per best label: categories by their total (largest first, ties in dataset
 * order), concepts within a category by count (largest first, ties by name).
 */
export function conceptCounts(units: readonly UnitLabel[], categories: readonly string[]): ReportConceptCount[] {
  const counts = new Map<string, Map<string, number>>();
  for (const u of units) {
    if (!u.detector) continue;
    let byName = counts.get(u.category);
    if (!byName) counts.set(u.category, (byName = new Map()));
    byName.set(u.label, (byName.get(u.label) ?? 0) + 1);
  }
  const order = (c: string): number => {
    const i = categories.indexOf(c);
    return i < 0 ? categories.length : i;
  };
  const groups = [...counts.entries()].map(([category, byName]) => ({
    category,
    total: [...byName.values()].reduce((a, b) => a + b, 0),
    bars: [...byName.entries()]
      .map(([name, n]) => ({ name, category, units: n }))
      .sort((a, b) => b.units - a.units || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  }));
  groups.sort((a, b) => b.total - a.total || order(a.category) - order(b.category));
  return groups.flatMap((g) => g.bars);
}

const LEFT = 44;
const RIGHT = 12;
const TOP = 46; // two rows of category names above the bars
const PLOT_H = 150;
/** Width the chart grows to when there are few bars (the report column is about 1,180 px). */
const TARGET_W = 1150;
const LABEL_CHARS = 28; // longer concept names are cut (the full name is in the tooltip)
const CHAR_W = 5.7; // approximate advance of the 10.5 px label font
const GROUP_CHAR_W = 7.4; // and of the 12 px bold category names

function shorten(name: string): string {
  return name.length > LABEL_CHARS ? `${name.slice(0, LABEL_CHARS - 1)}…` : name;
}

/** Tick step giving at most about 5 ticks: 1, 2, 5 × 10^k. */
function tickStep(max: number): number {
  const raw = Math.max(max / 5, 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/**
 * The bar graph as a standalone SVG element string; every name is escaped. With `href`, each bar
 * and its name is a link (to the units the bar counts).
 */
export function barChartSvg(
  bars: readonly ReportConceptCount[],
  categories: readonly string[],
  colors: readonly string[],
  title: string,
  href?: (bar: ReportConceptCount) => string,
): string {
  const colorOf = (c: string): string => colors[categories.indexOf(c)] ?? '#888';
  if (bars.length === 0) {
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="360" height="60" viewBox="0 0 360 60" role="img" aria-label="${escapeHtml(title)}">` +
      `<text x="8" y="34" class="bars-empty">No detector units in this layer.</text></svg>`
    );
  }
  // Bars 13 px wide at 17 px steps, wider (up to 34 px steps) when few bars would leave the chart narrow.
  const STEP = Math.max(17, Math.min(34, Math.floor((TARGET_W - LEFT - RIGHT) / bars.length)));
  const BAR = Math.round(STEP * 0.76);
  const longest = Math.max(...bars.map((b) => shorten(b.name).length));
  const LABELS_H = Math.ceil(longest * CHAR_W) + 14;
  const width = Math.max(LEFT + bars.length * STEP + RIGHT, 360);
  const height = TOP + PLOT_H + LABELS_H;
  const max = Math.max(...bars.map((b) => b.units));
  const step = tickStep(max);
  const top = Math.ceil(max / step) * step;
  const y = (v: number): number => TOP + PLOT_H - (v / top) * PLOT_H;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">`,
  );
  for (let v = 0; v <= top; v += step) {
    const yy = y(v).toFixed(1);
    out.push(`<line class="grid" x1="${LEFT - 4}" x2="${width - RIGHT}" y1="${yy}" y2="${yy}"/>`);
    out.push(`<text class="tick" x="${LEFT - 8}" y="${yy}" dy="0.32em" text-anchor="end">${fmt(v)}</text>`);
  }
  out.push(`<text class="axis-title" transform="translate(12 ${TOP + PLOT_H / 2}) rotate(-90)" text-anchor="middle">units</text>`);
  // Category groups: a coloured rule and the name above each run of bars; a name that would run
  // into the previous one on the lower row goes to the upper row.
  const rowEnd = [-Infinity, -Infinity];
  let start = 0;
  for (let i = 1; i <= bars.length; i++) {
    const cat = (bars[start] as ReportConceptCount).category;
    if (i < bars.length && (bars[i] as ReportConceptCount).category === cat) continue;
    const x0 = LEFT + start * STEP;
    const x1 = LEFT + (i - 1) * STEP + BAR;
    out.push(`<line class="group" x1="${x0}" x2="${x1}" y1="${TOP - 8}" y2="${TOP - 8}" stroke="${colorOf(cat)}"/>`);
    const row = x0 >= (rowEnd[0] as number) ? 0 : 1;
    rowEnd[row] = x0 + cat.length * GROUP_CHAR_W + 6;
    out.push(`<text class="group-label" x="${x0}" y="${TOP - 14 - row * 16}" fill="${colorOf(cat)}">${escapeHtml(cat)}</text>`);
    start = i;
  }
  bars.forEach((b, i) => {
    const x = LEFT + i * STEP;
    const yy = y(b.units);
    const tip = `${b.name} (${b.category}): ${b.units} unit${b.units === 1 ? '' : 's'}`;
    const body =
      `<title>${escapeHtml(tip)}</title>` +
      `<rect x="${x}" y="${yy.toFixed(1)}" width="${BAR}" height="${(TOP + PLOT_H - yy).toFixed(1)}" fill="${colorOf(b.category)}"/>` +
      `<text class="bar-label" transform="translate(${(x + BAR / 2 + 3.5).toFixed(1)} ${TOP + PLOT_H + 6}) rotate(-90)" text-anchor="end">${escapeHtml(shorten(b.name))}</text>`;
    out.push(href ? `<a class="bar" href="${escapeHtml(href(b))}">${body}</a>` : `<g class="bar">${body}</g>`);
  });
  out.push(`<line class="baseline" x1="${LEFT - 4}" x2="${width - RIGHT}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H}"/>`);
  out.push('</svg>');
  return out.join('');
}
