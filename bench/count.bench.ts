// Pass 2 alone, per image: read the labels, prepare them, count every candidate map of one layer.
// The candidate maps and exact thresholds come from one forward pass of the embedded model, kept
// in a file under .cache/bench so the counting can be timed again and again (before/after a
// change) without the model. Prints ms per image by step and a checksum of the counts (which must
// not change when the code gets faster). CPU time is printed too: on a shared machine wall time
// includes waiting for a core.
//   node dist/bench/count.bench.js [DATASET_DIR] [LAYER] [IMAGES] [REPEAT]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { openBroden } from '../src/dataset/broden/reader.js';
import { decodeRgb } from '../src/dataset/decode-image.js';
import { generateSyntheticBroden } from '../src/dataset/synthetic/generate.js';
import type { ConceptDataset } from '../src/dataset/types.js';
import { withExtraOutputs } from '../src/model/onnx-proto.js';
import { TopQuantileState } from '../src/quantile/top-quantile.js';
import { LayerCounts, prepareLabels, type LabelTables } from '../src/tally/counter.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODEL = path.join(ROOT, 'models', 'mobilenet_v2_imagenet.onnx');
const Q = 0.005;

interface Candidates {
  readonly units: number;
  readonly h: number;
  readonly w: number;
  readonly t32: Float32Array;
  /** Per image, the first entry; entries are ordered by image. */
  readonly imageStart: Int32Array;
  readonly unitOf: Int32Array;
  readonly maps: Float32Array;
}

/** One forward pass over the images: exact thresholds, then the maps whose max passes them. */
async function buildCandidates(ds: ConceptDataset, layer: string, n: number): Promise<Candidates> {
  const bytes = readFileSync(MODEL);
  const session = await ort.InferenceSession.create(withExtraOutputs(bytes, [layer]), { intraOpNumThreads: 2, interOpNumThreads: 1 });
  const input = session.inputNames[0]!;
  const all: Float32Array[] = [];
  let units = 0, h = 0, w = 0;
  const B = 16;
  for (let start = 0; start < n; start += B) {
    const end = Math.min(start + B, n);
    const t = new Float32Array((end - start) * 3 * 224 * 224);
    for (let i = start; i < end; i++) {
      const img = await decodeRgb(path.join(ds.root, 'images', ds.images[i]!.file));
      const px = 224 * 224, base = (i - start) * 3 * px;
      for (let p = 0; p < px; p++) for (let c = 0; c < 3; c++) t[base + c * px + p] = ((img.data[p * 3 + c] as number) - 128) / 128;
    }
    const out = (await session.run({ [input]: new ort.Tensor('float32', t, [end - start, 3, 224, 224]) }, [layer]))[layer]!;
    [, units, h, w] = out.dims as number[] as [number, number, number, number];
    all.push(new Float32Array(out.data as Float32Array));
  }
  const mapSize = h * w;
  const q = new TopQuantileState(units, n * mapSize, Q);
  for (const batch of all) {
    for (let off = 0; off < batch.length; off += mapSize) {
      let max = -Infinity;
      for (let j = 0; j < mapSize; j++) max = Math.max(max, batch[off + j] as number);
      q.offer((off / mapSize) % units, batch, off, mapSize, max);
    }
  }
  const t32 = Float32Array.from(q.thresholds(n * mapSize));
  const imageStart = new Int32Array(n + 1);
  const unitOf: number[] = [];
  let image = 0;
  for (const batch of all) {
    for (let b = 0; b < batch.length / (units * mapSize); b++, image++) {
      imageStart[image] = unitOf.length;
      for (let u = 0; u < units; u++) {
        const off = (b * units + u) * mapSize;
        let max = -Infinity;
        for (let j = 0; j < mapSize; j++) max = Math.max(max, batch[off + j] as number);
        if (max > (t32[u] as number)) unitOf.push(u);
      }
    }
  }
  imageStart[n] = unitOf.length;
  // Copy the picked maps (second walk, so offsets stay per batch).
  const maps = new Float32Array(unitOf.length * mapSize);
  let k = 0;
  image = 0;
  for (const batch of all) {
    for (let b = 0; b < batch.length / (units * mapSize); b++, image++) {
      for (let e = imageStart[image]!; e < imageStart[image + 1]!; e++, k++) {
        const off = (b * units + unitOf[e]!) * mapSize;
        maps.set(batch.subarray(off, off + mapSize), k * mapSize);
      }
    }
  }
  return { units, h, w, t32, imageStart, unitOf: Int32Array.from(unitOf), maps };
}

function save(file: string, c: Candidates): void {
  const head = Int32Array.from([c.units, c.h, c.w, c.imageStart.length, c.unitOf.length]);
  const parts = [head, c.t32, c.imageStart, c.unitOf, c.maps];
  writeFileSync(file, Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
}

function load(file: string): Candidates {
  const buf = readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const [units, h, w, nStart, nEntries] = new Int32Array(ab, 0, 5) as unknown as [number, number, number, number, number];
  let o = 20;
  const t32 = new Float32Array(ab, o, units); o += units * 4;
  const imageStart = new Int32Array(ab, o, nStart); o += nStart * 4;
  const unitOf = new Int32Array(ab, o, nEntries); o += nEntries * 4;
  const maps = new Float32Array(ab, o, nEntries * h * w);
  return { units, h, w, t32, imageStart, unitOf, maps };
}

function tablesOf(ds: ConceptDataset): LabelTables {
  let max = 0;
  ds.labels.forEach((l, i) => { if (l) max = Math.max(max, i); });
  const primary = new Int32Array(max + 1).fill(-1);
  for (const l of ds.labels) if (l) primary[l.number] = ds.categories.indexOf(l.primaryCategory);
  return { labelCount: max + 1, categoryCount: ds.categories.length, primary };
}

/** FNV-style checksum of the counts (exactness check across code versions). */
function checksum(arrays: readonly Float64Array[]): string {
  let hsh = 2166136261;
  for (const a of arrays) for (let i = 0; i < a.length; i++) hsh = Math.imul(hsh ^ ((a[i] as number) * 31 + i), 16777619) >>> 0;
  return hsh.toString(16);
}

async function main(): Promise<void> {
  const [dsArg, layerArg, nArg, repArg, semArg] = process.argv.slice(2);
  const work = path.join(ROOT, '.cache', 'bench');
  mkdirSync(work, { recursive: true });
  const n0 = Number(nArg ?? 500);
  const dsDir = dsArg && dsArg !== '-' ? dsArg : path.join(work, `synthetic-${n0}`);
  if (!existsSync(path.join(dsDir, 'index.csv'))) {
    process.stderr.write(`generating ${n0} synthetic images in ${dsDir} ...\n`);
    await generateSyntheticBroden({ images: n0, out: dsDir, seed: 7, size: 224, format: 'jpeg' });
  }
  const layer = layerArg ?? 'Conv_1_preact';
  const ds = await openBroden(dsDir);
  const n = Math.min(n0, ds.images.length);
  const file = path.join(work, `count-${path.basename(dsDir)}-${layer}-${n}.bin`);
  if (!existsSync(file)) {
    process.stderr.write(`forward pass over ${n} images for the candidate maps of ${layer} ...\n`);
    save(file, await buildCandidates(ds, layer, n));
  }
  const c = load(file);
  const tables = tablesOf(ds);
  const semantics = semArg === 'lite' ? 'lite' : 'original';
  const repeat = Number(repArg ?? 3);
  let maxPixels = 0;
  for (let i = 0; i < n; i++) maxPixels = Math.max(maxPixels, ds.images[i]!.sh * ds.images[i]!.sw);
  process.stdout.write(`${layer}: ${c.units} units ${c.h}x${c.w}, ${n} images, ${c.unitOf.length} maps above threshold (${(c.unitOf.length / n).toFixed(0)} per image), ${semantics}\n`);
  const best = [Infinity, Infinity, Infinity, Infinity, Infinity, Infinity];
  for (let r = 0; r < repeat; r++) {
    const counts = new LayerCounts(c.units, c.h, c.w, tables, semantics, maxPixels);
    const truth = new Float64Array(tables.labelCount);
    let tRead = 0, tPrep = 0, tAdd = 0;
    let cRead = 0, cPrep = 0, cAdd = 0;
    const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const mapSize = c.h * c.w;
    for (let i = 0; i < n; i++) {
      const c0 = cpu();
      const t0 = performance.now();
      const labels = await ds.readLabels(i);
      const t1 = performance.now();
      const c1 = cpu();
      const rec = ds.images[i]!;
      const prepared = prepareLabels(labels.byCategory, rec.sh, rec.sw, tables, truth);
      const t2 = performance.now();
      const c2 = cpu();
      for (let e = c.imageStart[i]!; e < c.imageStart[i + 1]!; e++) {
        const u = c.unitOf[e]!;
        counts.add(u, c.maps, e * mapSize, c.t32[u]!, prepared);
      }
      const t3 = performance.now();
      const c3 = cpu();
      tRead += t1 - t0; tPrep += t2 - t1; tAdd += t3 - t2;
      cRead += c1 - c0; cPrep += c2 - c1; cAdd += c3 - c2;
    }
    const per = (t: number): string => (t / n).toFixed(3);
    [tRead, tPrep, tAdd, cRead, cPrep, cAdd].forEach((v, i) => { best[i] = Math.min(best[i]!, v); });
    process.stdout.write(`run ${r + 1}: ms/image read ${per(tRead)}  prepare ${per(tPrep)}  add ${per(tAdd)}  total ${per(tRead + tPrep + tAdd)}; CPU ms/image read ${per(cRead)} prepare ${per(cPrep)} add ${per(cAdd)} total ${per(cRead + cPrep + cAdd)}  checksum ${checksum([truth, counts.intersection, counts.activation])}\n`);
  }
  const [bR, bP, bA, bcR, bcP, bcA] = best.map((v) => (v / n).toFixed(3)) as [string, string, string, string, string, string];
  process.stdout.write(`best of ${repeat}: ms/image read ${bR} prepare ${bP} add ${bA}; CPU ms/image read ${bcR} prepare ${bcP} add ${bcA} total ${((best[3]! + best[4]! + best[5]!) / n).toFixed(3)}\n`);
}

await main();
