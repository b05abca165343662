// Wording and links shared by the static page (html.ts, bar-chart.ts) and the viewer, so both
// say the same thing and link to the same views. No Node API: the viewer bundles it.
import type { ReportData } from './report-data.js';

/**
 * The viewer link to the units of `layerDir` whose best label is `name` (the search is exact on
 * the label): all of them, or only the detectors (the units a bar of the bar graph counts).
 */
export function conceptHref(layerDir: string, name: string, detectorsOnly: boolean): string {
  const p = new URLSearchParams();
  p.set('layer', layerDir);
  p.set('q', name);
  if (detectorsOnly) p.set('det', '1');
  return `#${p.toString()}`;
}

/** The viewer link to one unit of a layer. */
export function unitHref(layerDir: string, unit: number): string {
  const p = new URLSearchParams();
  p.set('layer', layerDir);
  p.set('unit', String(unit));
  return `#${p.toString()}`;
}

function numbers(values: readonly number[]): string {
  // One value when every channel has it (the usual std), else the three.
  return values.length > 0 && values.every((v) => v === values[0]) ? String(values[0]) : values.join(', ');
}

/** The run's preprocessing in one line: preset (or explicit values), mean, std, size, layout. */
export function preprocessText(settings: ReportData['settings']): string {
  const p = settings.preprocess;
  const parts: string[] = [];
  if (p.preset !== undefined) parts.push(p.preset === null ? 'explicit --mean/--std' : `preset ${p.preset}`);
  parts.push(`(x − mean) / std on 0..255 RGB, mean ${numbers(p.mean)}, std ${numbers(p.std)}`);
  parts.push(`resized to ${settings.inputSize[0]}×${settings.inputSize[1]}`);
  if (p.layout !== undefined) parts.push(`layout ${p.layout}`);
  return parts.join(' · ');
}

/** The footer's description of the grid tiles. */
export function dimText(dim: number): string {
  return `pixels outside the unit's mask dimmed to ${Math.round(dim * 100)} %`;
}
