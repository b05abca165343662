// One dissection in its own process (for a clean peak-memory figure). Prints one JSON line; the
// parent (measure.ts) samples memory and the scratch folder from outside.
//   node dist/bench/dissect-child.js MODEL DATASET LAYERS BATCH THREADS OUT BUDGET_MIB [LIMIT]
import { dirBytes } from './measure.js';
import { openBroden } from '../src/dataset/broden/reader.js';
import { PRESETS } from '../src/model/preprocess.js';
import { dissect } from '../src/run/dissect.js';

const [modelFile, datasetDir, layersArg, batch, threads, out, budgetMiB, limitArg] = process.argv.slice(2);
const ds = await openBroden(datasetDir!);
const t0 = performance.now();
const summary = await dissect(ds, {
  model: modelFile!, layers: layersArg!.split(','), out: out!, preprocess: { ...PRESETS['mobilenet']!, preset: 'mobilenet' },
  batch: Number(batch), limit: limitArg ? Number(limitArg) : null, memoryBudget: Number(budgetMiB) * 1024 * 1024,
  threads: Number(threads), restart: true, command: ['bench'], log: () => undefined,
  datasetSpec: { dataset: datasetDir!, format: 'broden' },
});
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(`${JSON.stringify({
  seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, timings: summary.timings,
  cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  spilledMiB: summary.cacheSpilledBytes / 2 ** 20, outputMiB: dirBytes(out!) / 2 ** 20,
})}\n`);
