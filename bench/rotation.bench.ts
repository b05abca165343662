// Basis rotation timings at a layer's size (default 1280 units, MobileNetV2 Conv_1):
// node dist/bench/rotation.bench.js [units] [alpha]. Not part of npm test.
import { fractionalRotation, haarOrthogonal, rotateFeatures } from '../src/model/rotation.js';
import { maxAbsDiff, multiply, orthogonalityError } from '../src/model/linalg.js';

const n = Number(process.argv[2] ?? 1280);
const alpha = Number(process.argv[3] ?? 0.5);
const time = <T>(what: string, f: () => T): T => {
  const t0 = performance.now();
  const r = f();
  process.stdout.write(`${what}: ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);
  return r;
};
const q = time(`haarOrthogonal(${n})`, () => haarOrthogonal(n, 1));
const r = time(`fractionalRotation(${n}, ${alpha})`, () => fractionalRotation(q, n, alpha));
const half = time(`fractionalRotation(${n}, 0.5)`, () => fractionalRotation(q, n, 0.5));
process.stdout.write(`max |RRᵀ − I| = ${orthogonalityError(r, n).toExponential(2)}; max |Q^½·Q^½ − Q| = ${maxAbsDiff(multiply(half, half, n), q).toExponential(2)}\n`);
const batch = 16;
const features = new Float32Array(batch * n * 49).map((_, i) => Math.sin(i));
time(`rotateFeatures(batch ${batch}, ${n}×7×7)`, () => rotateFeatures(features, batch, n, 7, 7, r));
