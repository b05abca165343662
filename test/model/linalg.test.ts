import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../src/util/random.js';
import { dot, householderQR, maxAbsDiff, multiply, multiplyTransposedA, orthogonalityError, symmetricEigen, transpose } from '../../src/model/linalg.js';

function randomMatrix(n: number, seed: number): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: n * n }, () => rng.gaussian());
}

function randomSymmetric(n: number, seed: number): Float64Array {
  const a = randomMatrix(n, seed);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = ((a[i * n + j] as number) + (a[j * n + i] as number)) / 2;
  return s;
}

/** max |A·vᵢ − λᵢ·vᵢ| over all eigenpairs (vectors as rows). */
function eigenResidual(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < n; r++) {
      const av = dot(a, r * n, vectors, i * n, n);
      worst = Math.max(worst, Math.abs(av - (values[i] as number) * (vectors[i * n + r] as number)));
    }
  }
  return worst;
}

/** C = A·B by the textbook triple loop (no blocking, no skipping of zeros): the independent reference. */
function plainMultiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (a[i * n + k] as number) * (b[k * n + j] as number);
      c[i * n + j] = s;
    }
  }
  return c;
}

/** Aᵀ written out element by element. */
function plainTranspose(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j] as number;
  return t;
}

/** Small integers, about a third of them zero: every product and sum is exact in float64. */
function integerMatrix(n: number, seed: number): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: n * n }, () => (rng.next() < 0.3 ? 0 : Math.floor(rng.next() * 19) - 9));
}

describe('multiply, multiplyTransposedA against a plain triple loop', () => {
  // Odd sizes on both sides of the 32-row blocks: 1, 3, 31, 33 (a block of 1 row), 65, 67.
  const SIZES = [1, 3, 31, 33, 65, 67];
  it('equal it exactly on integer matrices with zeros', () => {
    for (const n of SIZES) {
      const a = integerMatrix(n, 10 + n);
      const b = integerMatrix(n, 20 + n);
      assert.deepEqual([...multiply(a, b, n)], [...plainMultiply(a, b, n)], `multiply, n = ${n}`);
      assert.deepEqual([...multiplyTransposedA(a, b, n)], [...plainMultiply(plainTranspose(a, n), b, n)], `multiplyTransposedA, n = ${n}`);
    }
  });
  it('agree with it to rounding on Gaussian matrices', () => {
    for (const n of SIZES) {
      const a = randomMatrix(n, 30 + n);
      const b = randomMatrix(n, 40 + n);
      const want = plainMultiply(a, b, n);
      const wantT = plainMultiply(plainTranspose(a, n), b, n);
      const scale = Math.max(1, ...[...want].map(Math.abs));
      assert.ok(maxAbsDiff(multiply(a, b, n), want) <= 1e-13 * scale, `multiply, n = ${n}`);
      assert.ok(maxAbsDiff(multiplyTransposedA(a, b, n), wantT) <= 1e-13 * scale, `multiplyTransposedA, n = ${n}`);
    }
  });
  it('transpose moves element (i, j) to (j, i) on a non-symmetric 3×3', () => {
    assert.deepEqual([...transpose(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 3)], [1, 4, 7, 2, 5, 8, 3, 6, 9]);
  });
});

describe('multiply, multiplyTransposedA, dot', () => {
  it('match hand-computed 2×2 products', () => {
    const a = Float64Array.from([1, 2, 3, 4]);
    const b = Float64Array.from([5, 6, 7, 8]);
    assert.deepEqual([...multiply(a, b, 2)], [19, 22, 43, 50]);
    assert.deepEqual([...multiplyTransposedA(a, b, 2)], [26, 30, 38, 44]); // Aᵀ = [[1,3],[2,4]]
    assert.equal(dot(Float64Array.from([1, 2, 3, 4, 5]), 0, Float64Array.from([1, 1, 1, 1, 2]), 0, 5), 20);
  });
  it('agree with each other across the row-block boundary (n = 70)', () => {
    const a = randomMatrix(70, 1);
    const b = randomMatrix(70, 2);
    assert.ok(maxAbsDiff(multiply(transpose(a, 70), b, 70), multiplyTransposedA(a, b, 70)) < 1e-12);
  });
});

describe('householderQR', () => {
  it('factors A = Q·R with Q orthogonal and R upper triangular', () => {
    for (const n of [1, 2, 5, 40]) {
      const a = randomMatrix(n, n);
      const { q, rDiagonal } = householderQR(a, n);
      assert.ok(orthogonalityError(q, n) < 1e-13);
      const r = multiply(transpose(q, n), a, n); // R = Qᵀ·A
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) assert.ok(Math.abs(r[i * n + j] as number) < 1e-12, `R[${i}][${j}] = ${r[i * n + j]}`);
        assert.ok(Math.abs((r[i * n + i] as number) - (rDiagonal[i] as number)) < 1e-12);
      }
    }
  });
  it('reports det Q = (−1)^reflections', () => {
    // Identity 3×3: columns 0 and 1 are reflected onto −e₀, −e₁ (two reflections), det +1.
    const id = householderQR(Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), 3);
    assert.equal(id.detQ, 1);
    assert.deepEqual([...id.rDiagonal], [-1, -1, 1]);
    // [[0,1],[1,0]]: x = (0, 1) -> alpha = −1, v ∝ (1, 1), Q = H = [[0,−1],[−1,0]], det −1.
    const swap = householderQR(Float64Array.from([0, 1, 1, 0]), 2);
    assert.equal(swap.detQ, -1);
    assert.deepEqual([...swap.q].map((x) => Math.round(x) + 0), [0, -1, -1, 0]);
  });
});

describe('symmetricEigen', () => {
  it('solves a hand-computed 2×2: [[2, 1], [1, 2]] has 1 and 3', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    assert.ok(Math.abs((values[0] as number) - 1) < 1e-15 && Math.abs((values[1] as number) - 3) < 1e-15);
    assert.ok(Math.abs(Math.abs(vectors[2] as number) - Math.SQRT1_2) < 1e-15);
    assert.equal(Math.sign(vectors[2] as number), Math.sign(vectors[3] as number)); // (1, 1)/√2 for 3
  });
  it('sorts a diagonal matrix and a 1×1 matrix', () => {
    assert.deepEqual([...symmetricEigen(Float64Array.from([3, 0, 0, 0, -1, 0, 0, 0, 2]), 3).values], [-1, 2, 3]);
    assert.deepEqual([...symmetricEigen(Float64Array.from([7]), 1).values], [7]);
  });
  it('gives orthonormal eigenvectors and small residuals on random matrices', () => {
    for (const n of [3, 10, 100]) {
      const a = randomSymmetric(n, 7 + n);
      const { values, vectors } = symmetricEigen(a, n);
      assert.ok(orthogonalityError(vectors, n) < 1e-12, `n=${n}`);
      assert.ok(eigenResidual(a, n, values, vectors) < 1e-11, `n=${n}`);
      for (let i = 1; i < n; i++) assert.ok((values[i] as number) >= (values[i - 1] as number));
    }
  });
  it('finds a basis of a repeated eigenvalue (S of a rotation: pairs cos θ, cos θ)', () => {
    // Q = V·diag(R(0.5), R(2), 1)·Vᵀ; S = (Q + Qᵀ)/2 has cos 2 twice, cos 0.5 twice and 1.
    const n = 5;
    const blocks = new Float64Array(n * n);
    const put = (i: number, t: number): void => {
      blocks[i * n + i] = Math.cos(t);
      blocks[(i + 1) * n + i + 1] = Math.cos(t);
      blocks[(i + 1) * n + i] = Math.sin(t);
      blocks[i * n + i + 1] = -Math.sin(t);
    };
    put(0, 0.5);
    put(2, 2);
    blocks[24] = 1;
    const v = householderQR(randomMatrix(n, 3), n).q;
    const q = multiply(multiply(v, blocks, n), transpose(v, n), n);
    const s = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = ((q[i * n + j] as number) + (q[j * n + i] as number)) / 2;
    const { values, vectors } = symmetricEigen(s, n);
    const want = [Math.cos(2), Math.cos(2), Math.cos(0.5), Math.cos(0.5), 1];
    want.forEach((w, i) => assert.ok(Math.abs((values[i] as number) - w) < 1e-14, `λ${i}`));
    assert.ok(orthogonalityError(vectors, n) < 1e-14);
    assert.ok(eigenResidual(s, n, values, vectors) < 1e-14);
  });
});
