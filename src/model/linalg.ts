// Dense float64 linear algebra for the basis-rotation experiment: Householder QR, a symmetric
// eigensolver (Householder tridiagonalisation + implicit QL) and matrix products. Matrices are
// n×n row-major Float64Arrays. Kernels assume valid input (callers check sizes) and are written
// so every inner loop runs along contiguous rows.

// Rows of the output are produced in blocks that stay in cache while the other operand streams
// through once per block (a plain row-by-row loop re-reads the whole operand for every row).
const ROW_BLOCK = 32;

/** C = A·B for n×n row-major matrices. */
export function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i0 = 0; i0 < n; i0 += ROW_BLOCK) {
    const i1 = Math.min(n, i0 + ROW_BLOCK);
    for (let k = 0; k < n; k++) {
      const bk = k * n;
      for (let i = i0; i < i1; i++) {
        const aik = a[i * n + k] as number;
        if (aik !== 0) axpy(aik, b, bk, c, i * n, n);
      }
    }
  }
  return c;
}

/** C = Aᵀ·B for n×n row-major matrices (C[i][j] = Σₖ A[k][i]·B[k][j]). */
export function multiplyTransposedA(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i0 = 0; i0 < n; i0 += ROW_BLOCK) {
    const i1 = Math.min(n, i0 + ROW_BLOCK);
    for (let k = 0; k < n; k++) {
      const rk = k * n;
      for (let i = i0; i < i1; i++) {
        const aki = a[rk + i] as number;
        if (aki !== 0) axpy(aki, b, rk, c, i * n, n);
      }
    }
  }
  return c;
}

/** y[yo..yo+len) += alpha·x[xo..xo+len). */
function axpy(alpha: number, x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): void {
  for (let j = 0; j < len; j++) y[yo + j] = (y[yo + j] as number) + alpha * (x[xo + j] as number);
}

/** Σ x[xo+j]·y[yo+j] for j < len, with four partial sums (breaks the add latency chain). */
export function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < len; j += 4) {
    s0 += (x[xo + j] as number) * (y[yo + j] as number);
    s1 += (x[xo + j + 1] as number) * (y[yo + j + 1] as number);
    s2 += (x[xo + j + 2] as number) * (y[yo + j + 2] as number);
    s3 += (x[xo + j + 3] as number) * (y[yo + j + 3] as number);
  }
  for (; j < len; j++) s0 += (x[xo + j] as number) * (y[yo + j] as number);
  return s0 + s1 + (s2 + s3);
}

/** Aᵀ. */
export function transpose(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j] as number;
  return t;
}

/** max |A·Aᵀ − I| over all entries: how far A is from orthogonal. */
export function orthogonalityError(a: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = i; j < n; j++) {
      const rj = j * n;
      let s = 0;
      for (let k = 0; k < n; k++) s += (a[ri + k] as number) * (a[rj + k] as number);
      const err = Math.abs(s - (i === j ? 1 : 0));
      if (err > worst) worst = err;
    }
  }
  return worst;
}

/** max |A − B| over all entries. */
export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (d > worst) worst = d;
  }
  return worst;
}

export interface QR {
  /** The orthogonal factor Q (n×n row-major), a product of Householder reflections. */
  readonly q: Float64Array;
  /** The diagonal of R (A = Q·R); its signs are what Haar sampling corrects. */
  readonly rDiagonal: Float64Array;
  /** det(Q): (−1) to the number of non-trivial reflections. */
  readonly detQ: 1 | -1;
}

/**
 * Turn the column x (in v, x₀ = v[0], `below` = Σ x_i² for i ≥ 1) into the unit Householder
 * vector whose reflection maps x onto −sign(x₀)·‖x‖·e₁ (the stable choice: no cancellation in
 * x₀ − α). Returns α, the value x is mapped to. The caller has excluded columns that need no
 * reflection (below = 0 and x₀ = 0).
 */
function toHouseholder(v: Float64Array, below: number): number {
  const x0 = v[0] as number;
  const norm = Math.sqrt(below + x0 * x0);
  const alpha = x0 >= 0 ? -norm : norm;
  v[0] = x0 - alpha;
  const vnorm = Math.sqrt(below + (v[0] as number) * (v[0] as number));
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / vnorm;
  return alpha;
}

/**
 * Householder QR of an n×n row-major matrix (not modified). Each reflection maps the column
 * below the diagonal onto −sign(x₀)·‖x‖·e₁ (the stable choice), so R's diagonal has the sign
 * opposite to the pivot: Q is NOT Haar-distributed without the sign correction of
 * `haarOrthogonal`.
 */
export function householderQR(a: Float64Array, n: number): QR {
  const r = Float64Array.from(a);
  const vs: (Float64Array | null)[] = []; // unit Householder vectors, vs[k] acting on rows k..n-1
  const w = new Float64Array(n);
  let reflections = 0;
  for (let k = 0; k < n; k++) {
    const len = n - k;
    const v = new Float64Array(len);
    let below = 0; // squared norm below the pivot, summed directly (no cancellation)
    for (let i = 0; i < len; i++) {
      const x = r[(k + i) * n + k] as number;
      v[i] = x;
      if (i > 0) below += x * x;
    }
    const x0 = v[0] as number;
    // A 1-element column (k = n-1) or an all-zero column needs no reflection.
    if (len === 1 || (below === 0 && x0 === 0)) {
      vs.push(null);
      continue;
    }
    toHouseholder(v, below);
    vs.push(v);
    reflections++;
    applyReflectionLeft(r, n, k, k, v, w);
  }
  const rDiagonal = new Float64Array(n);
  for (let k = 0; k < n; k++) rDiagonal[k] = r[k * n + k] as number;

  // Q = H₀·H₁·…: accumulate backwards so each step touches only the trailing block.
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    if (v) applyReflectionLeft(q, n, k, k, v, w);
  }
  return { q, rDiagonal, detQ: reflections % 2 === 0 ? 1 : -1 };
}

/** M[r0.., c0..] ← (I − 2vvᵀ)·M[r0.., c0..] for a unit vector v of length n − r0. */
function applyReflectionLeft(m: Float64Array, n: number, r0: number, c0: number, v: Float64Array, w: Float64Array): void {
  const len = n - r0;
  w.fill(0, c0, n);
  for (let i = 0; i < len; i++) {
    const vi = v[i] as number;
    if (vi === 0) continue;
    const row = (r0 + i) * n;
    for (let j = c0; j < n; j++) w[j] = (w[j] as number) + vi * (m[row + j] as number);
  }
  for (let i = 0; i < len; i++) {
    const vi2 = 2 * (v[i] as number);
    if (vi2 === 0) continue;
    const row = (r0 + i) * n;
    for (let j = c0; j < n; j++) m[row + j] = (m[row + j] as number) - vi2 * (w[j] as number);
  }
}

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  readonly values: Float64Array;
  /** Eigenvectors as ROWS: vectors[i*n + k] is component k of the eigenvector of values[i]. */
  readonly vectors: Float64Array;
}

/**
 * All eigenvalues and orthonormal eigenvectors of a symmetric n×n matrix (only its lower
 * triangle is read; not modified). Householder reduction to tridiagonal form, then the implicit
 * QL algorithm with Wilkinson-type shifts; the eigenvectors are kept as rows so every Givens
 * rotation updates two contiguous rows. Repeated eigenvalues get an orthonormal basis of their
 * eigenspace. Throws if QL fails to converge in 60 sweeps for one eigenvalue (never seen on
 * finite input).
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  const m = Float64Array.from(a);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = m[j * n + i] as number;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const z = tridiagonalize(m, n, d, e); // z = Uᵀ (rows are U's columns)
  tridiagonalQL(d, e, z, n);
  return sortEigen(d, z, n);
}

/**
 * Reduce the symmetric m (full storage, destroyed) to T = Uᵀ·m·U tridiagonal: d = diag(T),
 * e[i] = T[i+1][i] (e[n-1] = 0). Returns Uᵀ row-major.
 */
function tridiagonalize(m: Float64Array, n: number, d: Float64Array, e: Float64Array): Float64Array {
  const vs: Float64Array[] = [];
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // Column k below the subdiagonal: rows k+1..n-1.
    const len = n - k - 1;
    const v = new Float64Array(len);
    let below = 0;
    for (let i = 0; i < len; i++) {
      const x = m[(k + 1 + i) * n + k] as number;
      v[i] = x;
      if (i > 0) below += x * x;
    }
    if (below === 0) {
      vs.push(new Float64Array(0)); // already tridiagonal in this column
      continue;
    }
    const alpha = toHouseholder(v, below);
    vs.push(v);
    // Trailing block B = m[k+1.., k+1..]: B ← H·B·H with H = I − 2vvᵀ, as
    // p = 2Bv, K = vᵀp, q = p − K·v, B ← B − v·qᵀ − q·vᵀ (symmetric rank-2 update).
    const o = k + 1;
    for (let i = 0; i < len; i++) p[i] = 2 * dot(m, (o + i) * n + o, v, 0, len);
    let kk = 0;
    for (let i = 0; i < len; i++) kk += (v[i] as number) * (p[i] as number);
    for (let i = 0; i < len; i++) p[i] = (p[i] as number) - kk * (v[i] as number);
    for (let i = 0; i < len; i++) {
      const row = (o + i) * n + o;
      const vi = v[i] as number;
      const qi = p[i] as number;
      for (let j = 0; j < len; j++) m[row + j] = (m[row + j] as number) - vi * (p[j] as number) - qi * (v[j] as number);
    }
    // Column/row k outside the block: H maps it onto alpha·e₁.
    m[(k + 1) * n + k] = alpha;
    m[k * n + k + 1] = alpha;
    for (let i = 1; i < len; i++) {
      m[(k + 1 + i) * n + k] = 0;
      m[k * n + k + 1 + i] = 0;
    }
  }
  for (let i = 0; i < n; i++) d[i] = m[i * n + i] as number;
  for (let i = 0; i < n - 1; i++) e[i] = m[(i + 1) * n + i] as number;
  e[n - 1] = 0;

  // U = H₀·H₁·…·H_{n-3}: accumulate backwards (each step touches the trailing block only),
  // then transpose so eigenvector updates in QL run along rows.
  const u = new Float64Array(n * n);
  for (let i = 0; i < n; i++) u[i * n + i] = 1;
  const w = new Float64Array(n);
  for (let k = vs.length - 1; k >= 0; k--) {
    const v = vs[k] as Float64Array;
    if (v.length === 0) continue;
    applyReflectionLeft(u, n, k + 1, k + 1, v, w);
  }
  return transpose(u, n);
}

/**
 * Implicit QL with shifts on the tridiagonal (d, e), applying every rotation to the rows of z.
 * On return d holds the eigenvalues and row i of z the eigenvector of d[i] (unsorted).
 */
function tridiagonalQL(d: Float64Array, e: Float64Array, z: Float64Array, n: number): void {
  const EPS = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    for (;;) {
      // Find the first negligible off-diagonal element at or after l: the block [l, m] is unreduced.
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m] as number) + Math.abs(d[m + 1] as number);
        if (Math.abs(e[m] as number) <= EPS * dd) break;
      }
      if (m === l) break;
      if (++iterations > 60) throw new Error(`symmetricEigen: QL did not converge for eigenvalue ${l} of ${n}`);
      // Shift from the leading 2×2 block's eigenvalue closer to d[l].
      let g = ((d[l + 1] as number) - (d[l] as number)) / (2 * (e[l] as number));
      let r = Math.hypot(g, 1);
      g = (d[m] as number) - (d[l] as number) + (e[l] as number) / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * (e[i] as number);
        const b = c * (e[i] as number);
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // The rotation vanished: the matrix split; recover and restart on the smaller block.
          d[i + 1] = (d[i + 1] as number) - p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = (d[i + 1] as number) - p;
        r = ((d[i] as number) - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        const ri = i * n;
        const rj = (i + 1) * n;
        for (let k = 0; k < n; k++) {
          const zj = z[rj + k] as number;
          const zi = z[ri + k] as number;
          z[rj + k] = s * zi + c * zj;
          z[ri + k] = c * zi - s * zj;
        }
      }
      if (underflow) continue;
      d[l] = (d[l] as number) - p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

function sortEigen(d: Float64Array, z: Float64Array, n: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => (d[x] as number) - (d[y] as number) || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const src = order[i] as number;
    values[i] = d[src] as number;
    vectors.set(z.subarray(src * n, src * n + n), i * n);
  }
  return { values, vectors };
}
