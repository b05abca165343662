// Benchmark of report writing: `node dist/bench/report.bench.js [--images N] [--units N]` times
// writeReport on a generated run of 1,280 units × 10 top images (a MobileNetV2 Conv_1-sized
// layer, 7×7 maps) over N distinct photos (default 1,000, so photos are shared across units as in
// a real run). Fixture generation is not timed.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeReport } from '../src/report/write-report.js';
import type { LayerResults } from '../src/run/results-types.js';
import type { RunManifest } from '../src/run/run-types.js';
import { makeRunFixture } from '../test/report/fixture.js';

/** Write the report of `runDir` (into RUN_DIR/report) and say how long it took for how much. */
export async function benchReport(runDir: string): Promise<{ seconds: number; units: number; images: number }> {
  const { seconds } = await writeReport(runDir);
  const manifest = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as RunManifest;
  let units = 0;
  let images = 0;
  for (const layer of manifest.layers) {
    const results = JSON.parse(await readFile(join(runDir, layer.dir, 'results.json'), 'utf8')) as LayerResults;
    units += results.units.length;
    for (const u of results.units) images += Math.min(u.topImages.length, 10);
  }
  return { seconds, units, images };
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} ${process.argv[i + 1]}: expected a positive integer`);
  return n;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function main(): Promise<void> {
  const photos = flag('--images', 1000);
  const unitCount = flag('--units', 1280);
  const t0 = performance.now();
  const fx = await makeRunFixture({ layers: [{ name: 'Conv_1', dir: 'Conv_1', units: unitCount, h: 7, w: 7 }], images: photos, topK: 10 });
  process.stderr.write(`fixture: ${unitCount} units, ${photos} photos in ${((performance.now() - t0) / 1000).toFixed(1)} s (not timed)\n`);
  try {
    const r = await benchReport(fx.runDir);
    const report = join(fx.runDir, 'report');
    const dataMiB = (await stat(join(report, 'data.js'))).size / 2 ** 20;
    const reportMiB = (await folderBytes(report)) / 2 ** 20;
    const out = { ...r, photos, seconds: Number(r.seconds.toFixed(2)), unitsPerSecond: Math.round(r.units / r.seconds) };
    process.stdout.write(`${JSON.stringify({ ...out, dataMiB: Number(dataMiB.toFixed(1)), reportMiB: Number(reportMiB.toFixed(1)) })}\n`);
  } finally {
    await fx.cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
