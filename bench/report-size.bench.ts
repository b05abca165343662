// Size of the report folder: 1,280 units × 10 top images on CamVid-size photos must fit in 20 MB
// by default. `benchReportSize()` is called by `npm run bench` (dissect.bench.ts); alone:
// `npm run build && node dist/bench/report-size.bench.js`. With ../shared present it dissects
// MobileNetV2 `Conv_1_preact` (1,280 units) on CamVid's val split (101 street photos, 480×360)
// once (kept under .cache/bench/) and writes its report; without it, a generated run of the
// same shape over 101 generated 480×480 photos (which compress better than real ones: the figure
// is then a lower bound). Measured, never asserted: benchmarks are not tests.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeReport } from '../src/report/write-report.js';
import { makeRunFixture } from '../test/report/fixture.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED = path.resolve(ROOT, '..', 'shared', 'data');
const LIMIT_BYTES = 20e6;
const CAMVID_CLASSES = 'sky\nbuilding\npole\nroad\npavement\ntree\nsignsymbol\nfence\ncar\npedestrian\nbicyclist\n';

export interface ReportSize {
  /** What was measured, in words. */
  readonly what: string;
  readonly units: number;
  readonly photos: number;
  readonly seconds: number;
  /** Bytes of the whole report folder and of its parts. */
  readonly bytes: number;
  readonly parts: Readonly<Record<string, number>>;
  readonly withinLimit: boolean;
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** A complete CamVid val run of Conv_1_preact, made once and kept, or null without ../shared. */
function camvidRun(): string | null {
  const model = path.join(SHARED, 'models', 'mobilenet_v2_imagenet.onnx');
  const camvid = path.join(SHARED, 'camvid');
  if (!existsSync(model) || !existsSync(path.join(camvid, 'val'))) return null;
  const work = path.join(ROOT, '.cache', 'bench');
  const run = path.join(work, 'camvid-val-conv1');
  const manifest = path.join(run, 'run.json');
  if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { state?: string }).state === 'complete') return run;
  mkdirSync(work, { recursive: true });
  const classes = path.join(work, 'camvid-classes.txt');
  writeFileSync(classes, CAMVID_CLASSES);
  process.stderr.write('report size: dissecting Conv_1_preact on CamVid val (once; kept in .cache/bench) ...\n');
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, 'bin', 'netdissect.js'), 'dissect', '--model', model,
      '--images', path.join(camvid, 'val'), '--labels', path.join(camvid, 'valannot'), '--classes', classes, '--ignore', '11', '--auto-color',
      '--layer', 'Conv_1_preact', '--preprocess', 'mobilenet', '--top-k', '10', '--out', run, '--restart', '--quiet',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return run;
}

/** Write the default report of a 1,280-unit layer and measure the folder. */
export async function benchReportSize(): Promise<ReportSize> {
  const out = mkdtempSync(path.join(tmpdir(), 'nd-report-size-'));
  let cleanup = async (): Promise<void> => {};
  try {
    let runDir = camvidRun();
    let what = 'MobileNetV2 Conv_1_preact on CamVid val (101 photos, 480×360), top 10';
    if (runDir === null) {
      const fx = await makeRunFixture({ layers: [{ name: 'Conv_1', dir: 'Conv_1', units: 1280, h: 7, w: 7 }], images: 101, topK: 10, photoSize: 480 });
      cleanup = fx.cleanup;
      runDir = fx.runDir;
      what = 'generated run: 1,280 units × 10 over 101 generated 480×480 photos (../shared absent: a lower bound)';
    }
    const { seconds } = await writeReport(runDir, { outDir: out });
    const data = readFileSync(path.join(out, 'data.js'), 'utf8');
    const parts: Record<string, number> = {};
    for (const entry of readdirSync(out, { withFileTypes: true })) {
      const p = path.join(out, entry.name);
      parts[entry.isDirectory() ? `${entry.name}/` : entry.name] = entry.isDirectory() ? folderBytes(p) : statSync(p).size;
    }
    const bytes = folderBytes(out);
    return {
      what,
      units: (data.match(/"labelNumber":/g) ?? []).length,
      photos: readdirSync(path.join(out, 'photos')).length === 0 ? 0 : (data.match(/"slot":/g) ?? []).length,
      seconds,
      bytes,
      parts,
      withinLimit: bytes <= LIMIT_BYTES,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
    await cleanup();
  }
}

/** One line for people: total, limit, and the parts. */
export function formatReportSize(r: ReportSize): string {
  const mb = (n: number): string => (n / 1e6).toFixed(2);
  const parts = Object.entries(r.parts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${mb(v)}`)
    .join(', ');
  return `report size: ${mb(r.bytes)} MB for ${r.units} units, ${r.photos} photos (${r.what}); limit 20 MB: ${r.withinLimit ? 'within' : 'OVER'}; written in ${r.seconds.toFixed(1)} s; parts (MB): ${parts}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchReportSize()
    .then((r) => {
      process.stdout.write(`${formatReportSize(r)}\n${JSON.stringify(r)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    });
}
