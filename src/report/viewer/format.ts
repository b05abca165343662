// Number and text helpers shared by the viewer's components.
import type { ReportData, ReportLayer } from '../report-data';

export const fmtIou = (x: number): string => x.toFixed(3);

export function fmtNum(x: number): string {
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  const a = Math.abs(x);
  return a !== 0 && (a < 0.001 || a >= 1e6) ? x.toExponential(3) : x.toPrecision(4);
}

export function basename(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

export function colorOf(data: ReportData, category: string): string {
  return data.categoryColors[data.categories.indexOf(category)] ?? '#999';
}

export function headline(layer: ReportLayer, iouThreshold: number): string {
  const s = layer.stats;
  return `${s.detectors}/${s.units} units covering ${s.uniqueConcepts} concepts with IoU > ${iouThreshold}`;
}
