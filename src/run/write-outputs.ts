// The last stage: from the merged thresholds, top images and counts, each unit's labels and the
// layer's statistics, written as the run's output files (tally.csv, thresholds.csv,
// intersection.csv, activation.csv, results.json per layer; labels.csv for the run).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ConceptDataset } from '../dataset/types.js';
import { labelUnit, layerStats, type CountsView, type UnitLabels } from '../label/labels.js';
import type { LayerInfo, LoadedModel } from '../model/model.js';
import { topCount } from '../quantile/top-quantile.js';
import type { CountPartial } from '../stages/count.js';
import type { MergedPass1 } from '../stages/merge.js';
import type { LabelTables } from '../tally/counter.js';
import { RunDirError } from '../util/errors.js';
import { describeFsError } from '../util/fs-errors.js';
import { writeFileAtomic } from './atomic.js';
import { activationCsv, intersectionCsv, labelsCsv, layerResults, tallyCsv, thresholdsCsv } from './outputs.js';
import type { LayerStats, ResultsSettings } from './results-types.js';

/** What a run writes in each layer's folder (removed again when the run fails). */
export const OUTPUT_FILES = ['tally.csv', 'thresholds.csv', 'intersection.csv', 'activation.csv', 'results.json', 'unit-maps.seg'] as const;

export interface LayerSummary {
  readonly layer: string;
  readonly dir: string;
  readonly shape: readonly [number, number, number];
  readonly stats: LayerStats;
  readonly saturationHint?: string;
  readonly warnings: readonly string[];
  readonly best: readonly { unit: number; name: string; category: string; score: number }[];
}

export interface OutputsInput {
  readonly out: string;
  readonly ds: ConceptDataset;
  readonly model: LoadedModel;
  readonly modelSha256: string;
  readonly modelFile: string;
  readonly datasetDigest: string;
  readonly layers: readonly LayerInfo[];
  readonly layerDirs: readonly string[];
  readonly settings: ResultsSettings;
  readonly tables: LabelTables;
  readonly pass1: MergedPass1;
  readonly counts: CountPartial;
  readonly toolVersion: string;
}

/** Fewer values than this above a unit's threshold makes every IoU of the layer anecdotal. */
const FEW_TOP_VALUES = 10;

export function writeOutputs(i: OutputsInput): LayerSummary[] {
  const { ds, tables, counts, pass1 } = i;
  const summaries = i.layers.map((info, li): LayerSummary => {
    const units = info.shape[0];
    const view: CountsView = { ...tables, truth: counts.truth, intersection: counts.layers[li]!.intersection, activation: counts.layers[li]!.activation };
    const { thresholds: th, maxValue, top } = pass1.layers[li]!;
    const labels: UnitLabels[] = [];
    for (let u = 0; u < units; u++) labels.push(labelUnit(view, u));
    const saturated = new Uint8Array(units);
    let nSat = 0;
    let nZero = 0;
    for (let u = 0; u < units; u++) {
      if ((th[u] as number) === (maxValue[u] as number)) { saturated[u] = 1; nSat++; }
      if ((th[u] as number) === 0) nZero++;
    }
    const stats = layerStats(labels, ds.categories, i.settings.iouThreshold, nSat, nZero);
    const hint = nSat > 0 ? saturationHint(i.model, info, nSat) : undefined;
    const warnings = degenerateWarnings(info, pass1.used, i.settings.quantile);
    const results = layerResults({
      ds, layer: info.name, shape: info.shape, model: { file: path.basename(i.modelFile), sha256: i.modelSha256 },
      datasetDigest: i.datasetDigest, settings: i.settings, counts: view, units: labels, thresholds: th, maxValues: maxValue, saturated,
      top, stats, warnings, ...(hint !== undefined ? { saturationHint: hint } : {}), toolVersion: i.toolVersion,
    });
    const dir = path.join(i.out, i.layerDirs[li]!);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new RunDirError(`cannot create ${dir}: ${describeFsError(err)}; free some space or choose another --out.`);
    }
    writeFileAtomic(path.join(dir, 'tally.csv'), tallyCsv(ds, labels));
    writeFileAtomic(path.join(dir, 'thresholds.csv'), thresholdsCsv(th));
    writeFileAtomic(path.join(dir, 'intersection.csv'), intersectionCsv(view, units));
    writeFileAtomic(path.join(dir, 'activation.csv'), activationCsv(view, units, ds.categories));
    writeFileAtomic(path.join(dir, 'results.json'), JSON.stringify(results));
    const best = results.units.filter((u) => u.detector).sort((a, b) => b.score - a.score || a.unit - b.unit).slice(0, 10)
      .map((u) => ({ unit: u.unit, name: u.name, category: u.category, score: u.score }));
    return { layer: info.name, dir: i.layerDirs[li]!, shape: info.shape, stats, best, warnings, ...(hint !== undefined ? { saturationHint: hint } : {}) };
  });
  writeFileAtomic(path.join(i.out, 'labels.csv'), labelsCsv(ds, counts.truth));
  return summaries;
}

/** Warnings for layers whose IoUs cannot mean what they seem to (issue: 1001 logits, all IoU 1). */
export function degenerateWarnings(info: LayerInfo, usedImages: number, quantile: number): string[] {
  const [, h, w] = info.shape;
  const out: string[] = [];
  if (h * w === 1) {
    out.push(`'${info.name}' has 1×1 maps: a unit's mask is the whole image or nothing, so its IoU measures which images it fires on, not where; dissect a spatial layer for localised concepts.`);
  }
  const k = topCount(usedImages * h * w, quantile);
  if (k < FEW_TOP_VALUES) {
    out.push(`each unit's threshold is set by only its ${k} largest values (${usedImages} images × ${h}×${w} positions × quantile ${quantile}); its IoUs rest on a handful of pixels and are not meaningful. Use more images (at least ${Math.ceil(FEW_TOP_VALUES / (h * w * quantile))}).`);
  }
  return out;
}

/** Where the clipped units come from, and which tensor to dissect instead. */
function saturationHint(model: LoadedModel, layer: LayerInfo, saturated: number): string {
  // Walk back through pass-through nodes (Identity) to the op that clips.
  const producer = (t: string) => model.graph.nodes.find((nd) => nd.outputs.includes(t));
  let node = producer(layer.name);
  for (let hops = 0; node && node.opType === 'Identity' && node.inputs[0] && hops < 16; hops++) node = producer(node.inputs[0]);
  const clips = node !== undefined && /^(Clip|Relu|Relu6|Min|HardSigmoid|HardSwish|Sigmoid|Tanh)$/.test(node.opType);
  const pre = clips ? node!.inputs[0] : undefined;
  const what = `${saturated} of ${layer.shape[0]} units of '${layer.name}' saturate: their threshold equals their largest activation${node ? ` (the tensor comes from a ${node.opType})` : ''}, so under the strict '>' their masks are always empty.`;
  return pre ? `${what} Dissect the pre-activation tensor '${pre}' instead.` : `${what} Dissect a tensor before the clipping activation instead ('netdissect layers' shows each tensor's producing op).`;
}
