import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/util/errors.js';
import { Random } from '../../src/util/random.js';
import { fractionalRotation, haarOrthogonal, rotateFeatures, rotationMatrix } from '../../src/model/rotation.js';
import { householderQR, maxAbsDiff, multiply, orthogonalityError, transpose } from '../../src/model/linalg.js';

function identity(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

/** det of an orthogonal matrix: its QR has det Q · Π sign(Rᵢᵢ). */
function orthogonalDet(q: Float64Array, n: number): number {
  const { detQ, rDiagonal } = householderQR(q, n);
  return rDiagonal.reduce((d, r) => (r < 0 ? -d : d), detQ as number);
}

/** Rotation by `theta` in the (i, j) plane of R^n. */
function planeRotation(n: number, i: number, j: number, theta: number): Float64Array {
  const m = identity(n);
  m[i * n + i] = Math.cos(theta);
  m[j * n + j] = Math.cos(theta);
  m[j * n + i] = Math.sin(theta);
  m[i * n + j] = -Math.sin(theta);
  return m;
}

// Statistics of a generator of 3×3 rotations over seeds 0..N-1, against the Haar law on SO(3):
// the first column is uniform on the sphere, so its first entry x has E[x] = 0, E[x²] = 1/3,
// E[x⁴] = 3/(n(n+2)) = 1/5; the rotation angle θ (cos θ = (tr − 1)/2) has density
// (1 − cos θ)/π on [0, π], CDF (θ − sin θ)/π. Returns the largest |z| of the moments and the
// Kolmogorov-Smirnov distance of the angles with its 1 % critical value 1.63/√N.
function haarTest(generate: (seed: number) => Float64Array, samples: number): { maxZ: number; ks: number; ksCritical: number } {
  const x1: number[] = [];
  const x2: number[] = [];
  const x4: number[] = [];
  const angles: number[] = [];
  for (let seed = 0; seed < samples; seed++) {
    const q = generate(seed);
    const x = q[0] as number;
    x1.push(x);
    x2.push(x * x);
    x4.push(x ** 4);
    const tr = (q[0] as number) + (q[4] as number) + (q[8] as number);
    angles.push(Math.acos(Math.min(1, Math.max(-1, (tr - 1) / 2))));
  }
  const z = (values: number[], expected: number): number => {
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
    return Math.abs(mean - expected) / Math.sqrt(variance / values.length);
  };
  angles.sort((a, b) => a - b);
  let ks = 0;
  angles.forEach((theta, i) => {
    const cdf = (theta - Math.sin(theta)) / Math.PI;
    ks = Math.max(ks, Math.abs((i + 1) / samples - cdf), Math.abs(i / samples - cdf));
  });
  return { maxZ: Math.max(z(x1, 0), z(x2, 1 / 3), z(x4, 1 / 5)), ks, ksCritical: 1.63 / Math.sqrt(samples) };
}

/** Gaussian matrix QR WITHOUT the sign correction: the classic mistake (not Haar). */
function uncorrectedQR(seed: number): Float64Array {
  const rng = new Random(seed);
  const g = new Float64Array(9);
  for (let i = 0; i < 9; i++) g[i] = rng.gaussian();
  return householderQR(g, 3).q;
}

describe('haarOrthogonal', () => {
  it('is orthogonal with det +1 for several n', () => {
    for (const n of [1, 2, 3, 7, 64, 256]) {
      const q = haarOrthogonal(n, 11);
      assert.ok(orthogonalityError(q, n) < 1e-12, `n=${n}: ${orthogonalityError(q, n)}`);
      assert.equal(orthogonalDet(q, n), 1, `n=${n}`);
    }
  });
  it('is reproducible from its seed and differs between seeds', () => {
    assert.deepEqual(haarOrthogonal(5, 3), haarOrthogonal(5, 3));
    assert.ok(maxAbsDiff(haarOrthogonal(5, 3), haarOrthogonal(5, 4)) > 0.1);
  });
  it('follows the Haar law on SO(3): first-entry moments and rotation angles', () => {
    const r = haarTest((seed) => haarOrthogonal(3, seed), 4000);
    assert.ok(r.maxZ < 4, `moment z = ${r.maxZ}`);
    assert.ok(r.ks < r.ksCritical, `KS ${r.ks} >= ${r.ksCritical}`);
  });
  it('the same test rejects non-Haar generators (uncorrected QR, a half rotation)', () => {
    const unc = haarTest(uncorrectedQR, 4000);
    assert.ok(unc.maxZ > 20 && unc.ks > 3 * unc.ksCritical, `uncorrected QR passed: z ${unc.maxZ}, KS ${unc.ks}`);
    const half = haarTest((seed) => fractionalRotation(haarOrthogonal(3, seed), 3, 0.5), 4000);
    assert.ok(half.maxZ > 20 && half.ks > 3 * half.ksCritical, `Q^0.5 passed: z ${half.maxZ}, KS ${half.ks}`);
  });
  it('has uniform first columns in n = 8: E[x²] = 1/8, E[x⁴] = 3/80', () => {
    const n = 8;
    const samples = 3000;
    let m2 = 0;
    let m4 = 0;
    for (let seed = 0; seed < samples; seed++) {
      const x = haarOrthogonal(n, 1000 + seed)[0] as number;
      m2 += x * x;
      m4 += x ** 4;
    }
    // Standard errors: sd(x²) ≈ 0.16, sd(x⁴) ≈ 0.075 -> 4 SE ≈ 0.012 and 0.0055.
    assert.ok(Math.abs(m2 / samples - 1 / 8) < 0.012, `E[x²] = ${m2 / samples}`);
    assert.ok(Math.abs(m4 / samples - 3 / 80) < 0.0055, `E[x⁴] = ${m4 / samples}`);
  });
  it('rejects bad sizes and seeds', () => {
    assert.throws(() => haarOrthogonal(0, 1), UsageError);
    assert.throws(() => haarOrthogonal(3, 1.5), UsageError);
  });
});

describe('fractionalRotation', () => {
  it('stays orthogonal to 1e-6 for several alpha and n (n = 256 included)', () => {
    for (const n of [2, 3, 10, 256]) {
      const q = haarOrthogonal(n, 5);
      for (const alpha of [0.1, 0.25, 0.5, 0.75, 0.9, 1.5]) {
        const err = orthogonalityError(fractionalRotation(q, n, alpha), n);
        assert.ok(err < 1e-6, `n=${n} alpha=${alpha}: ${err}`);
      }
    }
  });
  it('gives I at alpha 0 and Q at alpha 1', () => {
    const q = haarOrthogonal(20, 9);
    assert.deepEqual(fractionalRotation(q, 20, 0), identity(20));
    assert.deepEqual(fractionalRotation(q, 20, 1), q);
  });
  it('is a one-parameter group: Q^a·Q^b = Q^(a+b), Q^-1 = Qᵀ, Q^2 = Q·Q', () => {
    for (const n of [5, 64]) {
      const q = haarOrthogonal(n, 21);
      const p = (a: number): Float64Array => fractionalRotation(q, n, a);
      assert.ok(maxAbsDiff(multiply(p(0.3), p(0.45), n), p(0.75)) < 1e-9);
      assert.ok(maxAbsDiff(multiply(p(0.5), p(0.5), n), q) < 1e-9);
      assert.ok(maxAbsDiff(multiply(p(0.25), p(0.75), n), q) < 1e-9);
      assert.ok(maxAbsDiff(p(-1), transpose(q, n)) < 1e-9);
      assert.ok(maxAbsDiff(p(2), multiply(q, q, n)) < 1e-9);
    }
  });
  it('turns each invariant plane by alpha times its angle (hand-made rotations)', () => {
    // A rotation by 1.2 in plane (0,2) and 2.5 in plane (1,3) of R^5: Q^0.5 turns by 0.6 and 1.25.
    const q = multiply(planeRotation(5, 0, 2, 1.2), planeRotation(5, 1, 3, 2.5), 5);
    const want = multiply(planeRotation(5, 0, 2, 0.6), planeRotation(5, 1, 3, 1.25), 5);
    assert.ok(maxAbsDiff(fractionalRotation(q, 5, 0.5), want) < 1e-12);
    // Small alpha stays near I: ‖Q^0.001 − I‖ ≤ 0.001·2.5.
    assert.ok(maxAbsDiff(fractionalRotation(q, 5, 0.001), identity(5)) < 0.0026);
  });
  it('handles half turns (eigenvalue −1 twice) on a geodesic', () => {
    // diag(−1, −1, 1): Q^0.5 is a quarter turn of the (0,1) plane, either way round.
    const q = Float64Array.from([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    const h = fractionalRotation(q, 3, 0.5);
    assert.ok(orthogonalityError(h, 3) < 1e-12);
    assert.ok(maxAbsDiff(multiply(h, h, 3), q) < 1e-12);
    assert.ok(Math.abs((h[8] as number) - 1) < 1e-12 && Math.abs(h[0] as number) < 1e-12);
    const minus = Float64Array.from(identity(4).map((v) => -v));
    const m = fractionalRotation(minus, 4, 0.5);
    assert.ok(maxAbsDiff(multiply(m, m, 4), minus) < 1e-12);
  });
  it('rejects a reflection (det −1) and a non-orthogonal matrix', () => {
    const reflection = Float64Array.from([-1, 0, 0, 0, 1, 0, 0, 0, 1]);
    assert.throws(() => fractionalRotation(reflection, 3, 0.5), /det Q = −1/);
    const notOrthogonal = Float64Array.from([1, 0.1, 0, 0, 1, 0, 0, 0, 1]);
    assert.throws(() => fractionalRotation(notOrthogonal, 3, 0.5), /not orthogonal/);
    assert.throws(() => fractionalRotation(identity(3), 4, 0.5), UsageError);
    assert.throws(() => fractionalRotation(identity(3), 3, NaN), UsageError);
  });
});

describe('rotationMatrix', () => {
  it('is Q^alpha of the seed\'s Haar rotation, on one geodesic for all alphas', () => {
    const q = haarOrthogonal(12, 77);
    assert.deepEqual(rotationMatrix(12, 77, 0.4), fractionalRotation(q, 12, 0.4));
    assert.ok(maxAbsDiff(multiply(rotationMatrix(12, 77, 0.25), rotationMatrix(12, 77, 0.75), 12), rotationMatrix(12, 77, 1)) < 1e-12);
  });
});

describe('rotateFeatures', () => {
  it('applies R across units at every position (hand-computed)', () => {
    // batch 2, units 2, h 1, w 2; R = [[1, 2], [3, 4]].
    const x = Float32Array.from([1, 2, 10, 20, /* image 2 */ -1, 0, 0.5, 1]);
    const y = rotateFeatures(x, 2, 2, 1, 2, Float64Array.from([1, 2, 3, 4]));
    assert.deepEqual([...y], [21, 42, 43, 86, /* image 2 */ 0, 2, -1, 4]);
  });
  it('sums in float64 and rounds once to float32', () => {
    // 1 + 2^-24 + 2^-24 = 1 + 2^-23 in float64; summing in float32 would give 1.
    const x = Float32Array.from([1, 2 ** -24, 2 ** -24]);
    const r = Float64Array.from([1, 1, 1, 0, 1, 0, 0, 0, 1]);
    const y = rotateFeatures(x, 1, 3, 1, 1, r);
    assert.equal(y[0], 1 + 2 ** -23);
    assert.equal(y[1], 2 ** -24);
  });
  it('leaves features bit-identical under Q^0 and preserves each position\'s norm under Q', () => {
    const units = 16;
    const rng = new Random(4);
    const x = Float32Array.from({ length: 3 * units * 6 }, () => rng.gaussian());
    const q = haarOrthogonal(units, 2);
    assert.deepEqual(rotateFeatures(x, 3, units, 2, 3, fractionalRotation(q, units, 0)), x);
    const y = rotateFeatures(x, 3, units, 2, 3, q);
    for (let b = 0; b < 3; b++) {
      for (let p = 0; p < 6; p++) {
        let nx = 0;
        let ny = 0;
        for (let u = 0; u < units; u++) {
          nx += (x[(b * units + u) * 6 + p] as number) ** 2;
          ny += (y[(b * units + u) * 6 + p] as number) ** 2;
        }
        assert.ok(Math.abs(nx - ny) < 1e-5 * nx);
      }
    }
  });
  it('equals a plain float64 loop exactly across tiles and odd sizes', () => {
    // 7 units (not a multiple of 4), 3 images of 5×6 = 90 positions (more than one tile of 64).
    const [batch, units, h, w] = [3, 7, 5, 6];
    const rng = new Random(8);
    const x = Float32Array.from({ length: batch * units * h * w }, () => rng.gaussian());
    const r = haarOrthogonal(units, 6);
    const want = new Float32Array(x.length);
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < units; i++) {
        for (let p = 0; p < h * w; p++) {
          let s = 0;
          for (let j = 0; j < units; j++) s += (r[i * units + j] as number) * (x[(b * units + j) * h * w + p] as number);
          want[(b * units + i) * h * w + p] = s;
        }
      }
    }
    assert.deepEqual(rotateFeatures(x, batch, units, h, w, r), want);
  });
  it('writes into a given output and rejects wrong sizes', () => {
    const out = new Float32Array(4);
    assert.equal(rotateFeatures(Float32Array.from([1, 2, 3, 4]), 1, 2, 1, 2, Float64Array.from([0, 1, 1, 0]), out), out);
    assert.deepEqual([...out], [3, 4, 1, 2]);
    assert.throws(() => rotateFeatures(new Float32Array(5), 1, 2, 1, 2, identity(2)), /expected batch·units·h·w = 1·2·1·2 = 4/);
    assert.throws(() => rotateFeatures(new Float32Array(4), 1, 2, 1, 2, identity(3)), /expected units² = 4/);
    assert.throws(() => rotateFeatures(new Float32Array(4), 1, 2, 1, 2, identity(2), new Float32Array(3)), UsageError);
  });
});
