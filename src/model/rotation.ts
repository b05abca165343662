// Basis rotation (the paper's test of axis-aligned interpretability): a Haar-random rotation Q
// of a layer's unit space, its fractional powers Q^α along the geodesic from I to Q, and the
// application y = R·x of a rotation to a batch of activations at every spatial position.
import { UsageError, check } from '../util/errors.js';
import { Random } from '../util/random.js';
import { dot, householderQR, multiplyTransposedA, symmetricEigen } from './linalg.js';

/**
 * A Haar-distributed rotation in SO(n), n×n row-major, reproducible from `seed`.
 *
 * G has independent standard normal entries, drawn row by row from `new Random(seed)`.
 * G = Q·R by Householder QR; Q·diag(sign Rᵢᵢ) is Haar-distributed on O(n) (Mezzadri 2007:
 * without the sign correction Q depends on the QR convention and is not Haar). When that matrix
 * has det −1 its last column is negated: right-multiplying by a fixed reflection maps Haar
 * measure on the det −1 component onto Haar measure on SO(n), so the result is Haar on SO(n).
 * SO(n) is what the experiment needs: a reflection is not reachable from I along a path of
 * rotations, so Q^α would be undefined for it.
 */
export function haarOrthogonal(n: number, seed: number): Float64Array {
  check(Number.isInteger(n) && n >= 1, UsageError, () => `haarOrthogonal: n must be a positive integer, got ${n}`);
  check(Number.isInteger(seed), UsageError, () => `haarOrthogonal: seed must be an integer, got ${seed}`);
  const rng = new Random(seed);
  const g = new Float64Array(n * n);
  for (let i = 0; i < g.length; i++) g[i] = rng.gaussian();
  const { q, rDiagonal, detQ } = householderQR(g, n);
  let det: number = detQ;
  for (let k = 0; k < n; k++) {
    if ((rDiagonal[k] as number) < 0) {
      det = -det;
      for (let i = 0; i < n; i++) q[i * n + k] = -(q[i * n + k] as number);
    }
  }
  if (det < 0) {
    const k = n - 1;
    for (let i = 0; i < n; i++) q[i * n + k] = -(q[i * n + k] as number);
  }
  return q;
}

/**
 * Q^α for a rotation Q ∈ SO(n) (n×n row-major): the point at fraction α of the geodesic
 * exp(α·log Q) from I (α = 0) to Q (α = 1); α outside [0, 1] extrapolates along it.
 *
 * Method. Q is normal, so it splits into invariant planes where it turns by θ ∈ (0, π) plus
 * lines where it is +1 or −1. On a plane, Q = cos θ·I + sin θ·J with J a quarter turn, hence
 * S = (Q + Qᵀ)/2 = cos θ·I and K = (Q − Qᵀ)/2 = sin θ·J there. With S = Σ λᵢ vᵢvᵢᵀ
 * (symmetric eigensolver, θᵢ = arccos λᵢ):
 *     Q^α = Σᵢ cos(αθᵢ)·vᵢvᵢᵀ + K·Σᵢ (sin(αθᵢ)/sin θᵢ)·vᵢvᵢᵀ,
 * a smooth function of S and K that needs no pairing of eigenvectors into planes (the ratio is α
 * at θ = 0). Only θ = π is singular: there Q = −I on a subspace of even dimension and any
 * pairing of its basis into planes is a geodesic; consecutive eigenvectors are paired.
 * A −1 eigenspace of odd dimension means det Q = −1: rejected, as is a non-orthogonal Q.
 * α = 0 returns I and α = 1 a copy of Q exactly (elsewhere the result is orthogonal to ~1e-12 at n = 1280).
 */
export function fractionalRotation(q: Float64Array, n: number, alpha: number): Float64Array {
  check(Number.isInteger(n) && n >= 1 && q.length === n * n, UsageError, () => `fractionalRotation: Q must hold n×n = ${n * n} values, got ${q.length}`);
  check(Number.isFinite(alpha), UsageError, () => `fractionalRotation: alpha must be a finite number, got ${alpha}`);
  checkOrthogonal(q, n);
  // The endpoints exactly: α = 0 must leave features bit-identical to an unrotated run.
  if (alpha === 0) {
    const id = new Float64Array(n * n);
    for (let i = 0; i < n; i++) id[i * n + i] = 1;
    return id;
  }
  if (alpha === 1) return Float64Array.from(q);
  const s = new Float64Array(n * n);
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = q[i * n + j] as number;
      const b = q[j * n + i] as number;
      s[i * n + j] = (a + b) / 2;
      k[i * n + j] = (a - b) / 2;
    }
  }
  const { values, vectors } = symmetricEigen(s, n);

  // Eigenvalues ascending: the θ = π ones (λ = −1) come first. Within 5e-13 of −1, sin θ is
  // below ~1e-6 and dividing K by it would amplify rounding; treat them as exactly −1.
  let flipped = 0;
  while (flipped < n && (values[flipped] as number) <= -1 + 5e-13) flipped++;
  // A plane whose two eigenvalues straddle the cut belongs wholly to the flipped set.
  if (flipped % 2 === 1 && flipped < n && (values[flipped] as number) - (values[flipped - 1] as number) < 1e-12) flipped++;
  check(flipped % 2 === 0, UsageError, () => `fractionalRotation: Q has an odd-dimensional −1 eigenspace (det Q = −1): a reflection has no path from I within SO(n); use a rotation (haarOrthogonal returns one)`);

  // Q^α = Σᵢ vᵢ·(cᵢ vᵢ + rᵢ K vᵢ)ᵀ over the non-flipped eigenvectors, written as
  // Σᵢ (cᵢ vᵢ + rᵢ K vᵢ)·vᵢᵀ (K commutes with every vᵢvᵢᵀ of a cluster): rows of `b` hold
  // bᵢ = cᵢ vᵢ + rᵢ K vᵢ, and the result is Σᵢ bᵢ vᵢᵀ.
  const b = new Float64Array(n * n);
  for (let i = flipped; i < n; i++) {
    const lambda = Math.min(1, Math.max(-1, values[i] as number));
    const theta = Math.acos(lambda);
    const c = Math.cos(alpha * theta);
    const r = theta < 1e-12 ? alpha : Math.sin(alpha * theta) / Math.sin(theta);
    const vi = i * n;
    for (let row = 0; row < n; row++) {
      b[vi + row] = c * (vectors[vi + row] as number) + r * dot(k, row * n, vectors, vi, n);
    }
  }
  // θ = π planes, eigenvectors paired (a, b): cos(απ)(aaᵀ + bbᵀ) + sin(απ)(baᵀ − abᵀ); as
  // rows: b_a = cos·a + sin·b, b_b = cos·b − sin·a.
  const cPi = Math.cos(alpha * Math.PI);
  const sPi = Math.sin(alpha * Math.PI);
  for (let i = 0; i < flipped; i += 2) {
    const va = i * n;
    const vb = (i + 1) * n;
    for (let col = 0; col < n; col++) {
      const x = vectors[va + col] as number;
      const y = vectors[vb + col] as number;
      b[va + col] = cPi * x + sPi * y;
      b[vb + col] = cPi * y - sPi * x;
    }
  }
  return multiplyTransposedA(b, vectors, n);
}

/**
 * The rotation `dissect --rotate SEED --rotate-alpha A` applies to a layer of `units` units:
 * fractionalRotation(haarOrthogonal(units, seed), units, alpha). One definition, so runs with the
 * same seed and alpha rotate identically and runs at several alphas share one geodesic.
 */
export function rotationMatrix(units: number, seed: number, alpha: number): Float64Array {
  return fractionalRotation(haarOrthogonal(units, seed), units, alpha);
}

/** Cheap O(n²) orthogonality check: ‖Qx‖ = ‖Qᵀx‖ = ‖x‖ for a fixed pseudo-random x. */
function checkOrthogonal(q: Float64Array, n: number): void {
  const rng = new Random(0x5eed);
  const x = new Float64Array(n);
  let nx = 0;
  for (let i = 0; i < n; i++) {
    x[i] = rng.gaussian();
    nx += (x[i] as number) ** 2;
  }
  let nq = 0;
  let nqt = 0;
  const qt = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const xi = x[i] as number;
    for (let j = 0; j < n; j++) {
      const qij = q[i * n + j] as number;
      s += qij * (x[j] as number);
      qt[j] = (qt[j] as number) + qij * xi;
    }
    nq += s * s;
  }
  for (let j = 0; j < n; j++) nqt += (qt[j] as number) ** 2;
  const worst = Math.max(Math.abs(nq / nx - 1), Math.abs(nqt / nx - 1));
  check(Number.isFinite(worst) && worst < 1e-6, UsageError, () => `fractionalRotation: Q is not orthogonal (‖Qx‖²/‖x‖² differs from 1 by ${worst.toExponential(2)}); pass a rotation such as haarOrthogonal(n, seed)`);
}

/**
 * y = R·x across units at every spatial position, for features [batch, units, h, w] (float32,
 * row-major) and R units×units row-major: y[b,i,p] = Σⱼ R[i,j]·x[b,j,p], summed in float64 in
 * ascending j, then rounded to float32. Returns `out` (allocated when not given). Uses a float64
 * scratch copy of the batch (8 bytes per value).
 */
export function rotateFeatures(
  features: Float32Array,
  batch: number,
  units: number,
  h: number,
  w: number,
  r: Float64Array,
  out?: Float32Array,
): Float32Array {
  const hw = h * w;
  const size = batch * units * hw;
  for (const [name, v] of [['batch', batch], ['units', units], ['h', h], ['w', w]] as const) {
    check(Number.isInteger(v) && v >= 0, UsageError, () => `rotateFeatures: ${name} must be a non-negative integer, got ${v}`);
  }
  check(features.length === size, UsageError, () => `rotateFeatures: features hold ${features.length} values, expected batch·units·h·w = ${batch}·${units}·${h}·${w} = ${size}`);
  check(r.length === units * units, UsageError, () => `rotateFeatures: rotation holds ${r.length} values, expected units² = ${units * units}`);
  const y = out ?? new Float32Array(size);
  check(y.length === size, UsageError, () => `rotateFeatures: output holds ${y.length} values, expected ${size}`);
  return rotateKernel(features, batch, units, hw, r, y, new Float64Array(size));
}

// Positions per tile: the transposed features of one tile (TILE·units float64) stay in cache
// while every row block of R streams past them.
const TILE = 64;

/**
 * The kernel of rotateFeatures (valid sizes assumed). The batch's positions are transposed into
 * `xt` (position-major, units contiguous) so each output is a dot product of two contiguous
 * rows; four rows of R share every load of x. Each sum runs over j ascending in float64, one
 * accumulator per output, so the result does not depend on the tiling.
 */
function rotateKernel(x: Float32Array, batch: number, units: number, hw: number, r: Float64Array, y: Float32Array, xt: Float64Array): Float32Array {
  const positions = batch * hw;
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < units; j++) {
      const src = (b * units + j) * hw;
      for (let q = 0; q < hw; q++) xt[(b * hw + q) * units + j] = x[src + q] as number;
    }
  }
  for (let p0 = 0; p0 < positions; p0 += TILE) {
    const p1 = Math.min(positions, p0 + TILE);
    let i = 0;
    for (; i + 3 < units; i += 4) {
      const r0 = i * units;
      const r1 = r0 + units;
      const r2 = r1 + units;
      const r3 = r2 + units;
      for (let p = p0; p < p1; p++) {
        const xo = p * units;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let j = 0; j < units; j++) {
          const xv = xt[xo + j] as number;
          s0 += (r[r0 + j] as number) * xv;
          s1 += (r[r1 + j] as number) * xv;
          s2 += (r[r2 + j] as number) * xv;
          s3 += (r[r3 + j] as number) * xv;
        }
        const b = (p / hw) | 0;
        const out = (b * units + i) * hw + (p - b * hw);
        y[out] = s0; // Float32Array stores round to nearest
        y[out + hw] = s1;
        y[out + 2 * hw] = s2;
        y[out + 3 * hw] = s3;
      }
    }
    for (; i < units; i++) {
      const ri = i * units;
      for (let p = p0; p < p1; p++) {
        const xo = p * units;
        let s = 0;
        for (let j = 0; j < units; j++) s += (r[ri + j] as number) * (xt[xo + j] as number);
        const b = (p / hw) | 0;
        y[(b * units + i) * hw + (p - b * hw)] = s;
      }
    }
  }
  return y;
}
