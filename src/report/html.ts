// The static index.html: the whole report readable without JavaScript (overview, per-layer bar
// graph, unit grid). The viewer script, when it runs, replaces it with the interactive version
// and reuses the bar graph SVGs from it. Every run string goes through escapeHtml.
import { barChartSvg } from './bar-chart.js';
import { categoryChartSvg } from './category-chart.js';
import { escapeHtml as e } from './escape.js';
import { REPORT_CSS } from './report-css.js';
import type { ReportData, ReportLayer, ReportUnit } from './report-data.js';
import { conceptHref, dimText, preprocessText, unitHref } from './text.js';

export function basename(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

export function fmtIou(x: number): string {
  return x.toFixed(3);
}

/** The layer's headline, NetDissect's wording: "N/M units covering K concepts with IoU > t". */
export function layerHeadline(layer: ReportLayer, iouThreshold: number): string {
  const s = layer.stats;
  return `${s.detectors}/${s.units} units covering ${s.uniqueConcepts} concepts with IoU > ${iouThreshold}`;
}

function chip(category: string, data: ReportData): string {
  const color = data.categoryColors[data.categories.indexOf(category)] ?? '#999';
  return `<span class="chip"><i style="background:${e(color)}"></i>${e(category)}</span>`;
}

function facts(rows: readonly [string, string][]): string {
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl>`;
}

function runPanel(data: ReportData): string {
  const s = data.settings;
  const rows: [string, string][] = [
    ['model', data.model.path],
    ['sha256', data.model.sha256.slice(0, 16)],
    ['input', `${data.model.input} (${s.inputSize[0]}×${s.inputSize[1]})`],
    ['preprocessing', preprocessText(s)],
    ['dataset', `${data.dataset.root} (${data.dataset.format})`],
    ['images', String(data.dataset.images) + (s.limit !== null ? ` (limit ${s.limit})` : '')],
    ['semantics', s.semantics],
    ['quantile', String(s.quantile)],
    ['IoU threshold', String(s.iouThreshold)],
    ['top-k', `${data.topK} shown of ${s.topK} stored`],
    ['run state', data.state],
  ];
  for (const t of data.timings) rows.push([`time: ${t.phase}`, `${t.seconds.toFixed(1)} s`]);
  return `<div class="panel"><h3>Run</h3>${facts(rows)}</div>`;
}

function categoryTable(layer: ReportLayer, data: ReportData): string {
  const rows = data.categories.map((c) => {
    const s = layer.stats.perCategory.find((p) => p.category === c);
    return `<tr><td>${chip(c, data)}</td><td>${s?.detectors ?? 0}</td><td>${s?.uniqueConcepts ?? 0}</td><td>${s?.categoryDetectors ?? 0}</td><td>${s?.uniqueDetectors ?? 0}</td></tr>`;
  });
  return (
    `<table class="cats"><thead><tr><th></th><th colspan="2" class="group" title="units whose best label overall is in this category">by best label</th>` +
    `<th colspan="2" class="group" title="the paper's rule: units whose best IoU in this category is above the threshold, whatever their overall label">paper's rule</th></tr>` +
    `<tr><th>category</th><th>units</th><th>concepts</th><th>units</th><th>concepts</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function layerCard(layer: ReportLayer, data: ReportData): string {
  const s = layer.stats;
  return (
    `<div class="panel layer-card"><h2><a href="#layer-${e(layer.dir)}">${e(layer.name)}</a></h2>` +
    `<p class="big">${s.detectors}<small> / ${s.units} units</small></p>` +
    `<p class="stat-line">${e(layerHeadline(layer, data.settings.iouThreshold))}</p>` +
    (layer.warnings.length > 0
      ? `<p class="warn-line">⚠ ${layer.warnings.length} warning${layer.warnings.length === 1 ? '' : 's'}: ${e(layer.warnings[0] as string)}</p>`
      : '') +
    `<p class="stat-line">${s.uniqueDetectors} unique detectors by the paper's per-category rule` +
    (s.saturatedUnits > 0 ? ` · ${s.saturatedUnits} saturated units` : '') +
    `</p>${categoryTable(layer, data)}${topConcepts(layer)}${fileLinks(layer)}</div>`
  );
}

/** The concepts with the most detectors, each a link to its units (the overview's cards). */
function topConcepts(layer: ReportLayer): string {
  const top = layer.conceptTable.filter((c) => c.detectors > 0).slice(0, 12);
  if (top.length === 0) return '';
  const links = top.map((c) => `<a class="concept-link" href="${e(conceptHref(layer.dir, c.name, true))}">${e(c.name)}</a> <span class="n">${c.detectors}</span>`);
  return `<p class="top-concepts">Top concepts: ${links.join(' · ')}</p>`;
}

/** Links to the copies of the layer's tally.csv and results.json in the report folder. */
export function fileLinks(layer: ReportLayer): string {
  const links: string[] = [];
  if (layer.files.tally) links.push(`<a href="${e(layer.files.tally)}" download>tally.csv</a>`);
  if (layer.files.results) links.push(`<a href="${e(layer.files.results)}" download>results.json</a>`);
  return links.length === 0 ? '' : `<p class="files">Numbers: ${links.join(' · ')}</p>`;
}

/** The layer's warnings, shown before anything else on its page. */
export function warningsBox(layer: ReportLayer): string {
  if (layer.warnings.length === 0) return '';
  return `<div class="warnings" role="alert"><strong>Warning${layer.warnings.length === 1 ? '' : 's'} for this layer</strong><ul>${layer.warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul></div>`;
}

/** The per-layer concept table: every best label, its units, detectors and best IoU, as links. */
export function conceptTableHtml(layer: ReportLayer, data: ReportData): string {
  if (layer.conceptTable.length === 0) return '';
  const rows = layer.conceptTable.map(
    (c) =>
      `<tr><td><a class="concept-link" href="${e(conceptHref(layer.dir, c.name, false))}">${e(c.name)}</a></td><td>${chip(c.category, data)}</td>` +
      `<td>${c.detectors > 0 ? `<a href="${e(conceptHref(layer.dir, c.name, true))}">${c.detectors}</a>` : '0'}</td>` +
      `<td><a href="${e(conceptHref(layer.dir, c.name, false))}">${c.units}</a></td><td>${fmtIou(c.bestIou)}</td>` +
      `<td><a href="${e(unitHref(layer.dir, c.bestUnit))}">#${c.bestUnit}</a></td></tr>`,
  );
  return (
    `<details class="concept-table" open><summary>Concepts (${layer.conceptTable.length})</summary><div class="scroll"><table class="concepts-table">` +
    `<thead><tr><th>concept</th><th>category</th><th title="units above the IoU threshold whose best label is this concept">detectors</th>` +
    `<th title="units whose best label is this concept, whatever their IoU">units</th><th>best IoU</th><th>best unit</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div></details>`
  );
}

export function unitCard(u: ReportUnit, layer: ReportLayer, data: ReportData): string {
  const n = Math.max(u.images.length, 1);
  const label =
    u.label === '' ? '(no label)' : `<a class="concept-link" href="${e(conceptHref(layer.dir, u.label, u.detector))}">${e(u.label)}</a>`;
  return (
    `<div class="unit${u.detector ? '' : ' muted'}"><div class="meta"><span class="num">#${u.unit}</span>` +
    `<span class="label" title="${e(u.label === '' ? '(no label)' : u.label)}">${label}</span><span class="cat">${u.category === '' ? '' : chip(u.category, data)}</span>` +
    `<span class="iou" title="IoU">${fmtIou(u.score)}</span></div>` +
    (u.strip
      ? `<img class="strip" src="${e(u.strip)}" loading="lazy" width="${n * data.tiles.small.w}" height="${data.tiles.small.h}" ` +
        `alt="${e(`top images of ${layer.name} unit ${u.unit}`)}">`
      : '') +
    `</div>`
  );
}

function categoryChart(data: ReportData): string {
  const layers = data.layers.map((l) => ({
    name: l.name,
    counts: data.categories.map((c) => l.stats.perCategory.find((p) => p.category === c)?.detectors ?? 0),
  }));
  return categoryChartSvg(layers, data.categories, data.categoryColors);
}

function layerSection(layer: ReportLayer, data: ReportData): string {
  const units = [...layer.units].sort((a, b) => b.score - a.score || a.unit - b.unit);
  const [n, h, w] = layer.shape;
  return (
    `<section class="layer" id="layer-${e(layer.dir)}"><div class="layer-head"><h2>${e(layer.name)}</h2>` +
    `<span class="shape mono">${n} units · ${h}×${w}</span></div>` +
    `<p class="stat-line">${e(layerHeadline(layer, data.settings.iouThreshold))}; ${layer.stats.uniqueDetectors} unique detectors by the paper's rule.</p>` +
    warningsBox(layer) +
    (layer.saturationHint ? `<p class="hint">${e(layer.saturationHint)}</p>` : '') +
    fileLinks(layer) +
    `<figure class="bars-figure" data-bars="${e(layer.dir)}">${barChartSvg(layer.concepts, data.categories, data.categoryColors, `Detector units per concept in ${layer.name}`, (b) => conceptHref(layer.dir, b.name, true))}</figure>` +
    conceptTableHtml(layer, data) +
    `<div class="units">${units.map((u) => unitCard(u, layer, data)).join('')}</div></section>`
  );
}

/** The complete index.html. */
export function renderIndexHtml(data: ReportData): string {
  const title = `${basename(data.model.path)} · Network Dissection`;
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${e(title)}</title><style>${REPORT_CSS}</style></head><body>\n` +
    `<div id="static" class="page"><header class="top"><div><p class="kicker">Network Dissection report</p>` +
    `<h1>${e(basename(data.model.path))}</h1><p class="sub">${e(`${data.dataset.format} dataset · ${data.dataset.images} images · ${data.layers.length} layer${data.layers.length === 1 ? '' : 's'}`)}</p></div>` +
    `<nav class="layers"><a href="#overview">Overview</a>${data.layers.map((l) => `<a href="#layer-${e(l.dir)}">${e(l.name)}</a>`).join('')}</nav></header>\n` +
    `<section id="overview"><div class="cols">${runPanel(data)}${data.layers.map((l) => layerCard(l, data)).join('')}</div>` +
    `<figure class="bars-figure overview-chart"><h3>Interpretable units per category</h3>${categoryChart(data)}</figure></section>\n` +
    data.layers.map((l) => layerSection(l, data)).join('\n') +
    `\n<footer>Written by netdissect ${e(data.tool.version)} on ${e(data.generatedAt)}. ` +
    `Strips: the top ${data.topK} images of each unit, ${e(dimText(data.dim))}. ` +
    (data.layers.some((l) => l.units.some((u) => u.strip)) ? '' : `The unit images are drawn by the viewer (JavaScript); to have them as files, write the report with --all-strips. `) +
    `Muted cards are units below the IoU threshold.</footer></div>\n` +
    `<div id="app"></div>\n<script src="data.js"></script>\n<script src="viewer.js"></script>\n</body></html>\n`
  );
}
