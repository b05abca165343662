// The overview chart of the static page: detector units per category, one group of bars per
// layer, as an SVG string (the viewer draws the same chart with Observable Plot).
import { escapeHtml } from './escape.js';

export interface LayerCategoryCounts {
  readonly name: string;
  /** Detector units per category, in `categories` order. */
  readonly counts: readonly number[];
}

const LEFT = 44;
const TOP = 34; // legend row
const PLOT_H = 170;
const BOTTOM = 34; // layer names
const BAR = 16;
const GAP = 3;
const GROUP_GAP = 30;

/** Grouped bar chart; every name is escaped. Bars take the category colours. */
export function categoryChartSvg(layers: readonly LayerCategoryCounts[], categories: readonly string[], colors: readonly string[]): string {
  const barsW = categories.length * (BAR + GAP) - GAP;
  // A group is as wide as its bars or its layer name (~6.5 px a character), whichever is wider.
  const groupW = layers.map((l) => Math.max(barsW, Math.ceil(l.name.length * 6.5)));
  const starts: number[] = [];
  let x = LEFT + GROUP_GAP / 2;
  for (const w of groupW) {
    starts.push(x);
    x += w + GROUP_GAP;
  }
  const width = Math.max(x - GROUP_GAP / 2 + 12, 360);
  const height = TOP + PLOT_H + BOTTOM;
  const max = Math.max(1, ...layers.flatMap((l) => l.counts));
  const raw = max / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p);
  const top = Math.ceil(max / step) * step;
  const y = (v: number): number => TOP + PLOT_H - (v / top) * PLOT_H;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Detector units per category in each layer">`,
  ];
  // Legend: one swatch and name per category, ~7 px per character.
  let lx = LEFT;
  categories.forEach((c, i) => {
    out.push(`<rect x="${lx}" y="8" width="11" height="11" rx="2" fill="${colors[i] ?? '#888'}"/><text class="tick" x="${lx + 15}" y="17">${escapeHtml(c)}</text>`);
    lx += 15 + c.length * 7 + 14;
  });
  for (let v = 0; v <= top; v += step) {
    const yy = y(v).toFixed(1);
    out.push(`<line class="grid" x1="${LEFT - 4}" x2="${width - 12}" y1="${yy}" y2="${yy}"/><text class="tick" x="${LEFT - 8}" y="${yy}" dy="0.32em" text-anchor="end">${v}</text>`);
  }
  out.push(`<text class="axis-title" transform="translate(12 ${TOP + PLOT_H / 2}) rotate(-90)" text-anchor="middle">detector units</text>`);
  layers.forEach((l, g) => {
    const gw = groupW[g] as number;
    const x0 = (starts[g] as number) + (gw - barsW) / 2;
    l.counts.forEach((n, i) => {
      const x = x0 + i * (BAR + GAP);
      out.push(
        `<g class="bar"><title>${escapeHtml(`${l.name}, ${categories[i] ?? ''}: ${n} unit${n === 1 ? '' : 's'}`)}</title>` +
          `<rect x="${x}" y="${y(n).toFixed(1)}" width="${BAR}" height="${(TOP + PLOT_H - y(n)).toFixed(1)}" fill="${colors[i] ?? '#888'}"/></g>`,
      );
    });
    out.push(`<text class="bar-label" x="${x0 + barsW / 2}" y="${TOP + PLOT_H + 18}" text-anchor="middle">${escapeHtml(l.name)}</text>`);
  });
  out.push(`<line class="baseline" x1="${LEFT - 4}" x2="${width - 12}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H}"/></svg>`);
  return out.join('');
}
