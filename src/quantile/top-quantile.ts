// Exact top quantile per unit, streaming: keep only the values that can still be among the
// k largest, with a lower bound (LB) that only rises. Memory is O(k) per unit, not O(N·h·w).
//
// Convention (numpy's default "linear" quantile): sort the n values ascending v_0..v_{n−1},
// p = (n − 1)(1 − q), f = ⌊p⌋; T = v_f + (p − f)(v_{f+1} − v_f), in float64. v_f is the k-th
// largest value with k = n − f, so only the k largest values are needed.

/** Number of largest values the threshold depends on: k = n − ⌊(n − 1)(1 − q)⌋. */
export function topCount(n: number, q: number): number {
  return n - Math.floor((n - 1) * (1 - q));
}

/** The quantile from the k and k−1 largest values (descending order values: kth = k-th largest). */
export function interpolateThreshold(n: number, q: number, kth: number, kthMinus1: number): number {
  const p = (n - 1) * (1 - q);
  const f = Math.floor(p);
  const frac = p - f;
  if (f + 1 >= n || frac === 0) return kth;
  return kth + frac * (kthMinus1 - kth);
}

/**
 * Streaming state for one layer: per unit, the k largest values seen so far in a min-heap, so
 * that the lower bound (the heap's root: the k-th largest value so far) is as high as it can be
 * after every map. k is computed for the planned number of values (a run that skips images ends
 * with fewer values, a smaller k, and a bound that is still valid). Memory is exactly k values
 * per unit: the one part of pass 1 that grows with the dataset (k is q of all values: at 20,000
 * images MobileNetV2's Conv_1 has k = 4,900 per unit, 24 MiB for its 1,280 units; the earlier
 * pool that was cut back to k when it reached 2k took 84 MiB with its slack).
 */
export class TopQuantileState {
  readonly units: number;
  readonly plannedK: number;
  /** The top quantile q the thresholds are computed for. */
  readonly q: number;
  /** Lower bound per unit: every value that may decide the threshold is ≥ this. */
  readonly lowerBound: Float32Array;
  /** Largest value seen per unit. */
  readonly maxValue: Float32Array;
  /** Per unit: until k values were seen, the values in arrival order; then a min-heap of k. */
  private pools: Float32Array[];
  private sizes: Int32Array;

  constructor(units: number, plannedValuesPerUnit: number, q: number) {
    this.units = units;
    this.q = q;
    this.plannedK = topCount(plannedValuesPerUnit, q);
    this.lowerBound = new Float32Array(units).fill(-Infinity);
    this.maxValue = new Float32Array(units).fill(-Infinity);
    this.pools = [];
    const initial = Math.min(this.plannedK, 1024);
    for (let u = 0; u < units; u++) this.pools.push(new Float32Array(initial));
    this.sizes = new Int32Array(units);
  }

  /**
   * Offer one map of unit u (values[offset .. offset+len)) whose maximum is `max`.
   * Returns false when the map can never reach the threshold (max < LB): the caller drops it.
   */
  offer(u: number, values: Float32Array, offset: number, len: number, max: number): boolean {
    if (max > (this.maxValue[u] as number)) this.maxValue[u] = max;
    if (max < (this.lowerBound[u] as number)) return false;
    const k = this.plannedK;
    let pool = this.pools[u] as Float32Array;
    let size = this.sizes[u] as number;
    let i = 0;
    // Filling: every value goes in until the heap holds k.
    for (; i < len && size < k; i++) {
      if (size === pool.length) pool = this.grow(u, size);
      pool[size++] = values[offset + i] as number;
      if (size === k) heapify(pool, k);
    }
    this.sizes[u] = size;
    if (size < k) return true;
    // Full: a value above the root replaces it.
    let root = pool[0] as number;
    for (; i < len; i++) {
      const v = values[offset + i] as number;
      if (v > root) {
        siftDown(pool, k, 0, v);
        root = pool[0] as number;
      }
    }
    this.lowerBound[u] = root;
    return true;
  }

  /** Pool u, grown (doubling, at most to k) because it holds `size` values. */
  private grow(u: number, size: number): Float32Array {
    const pool = this.pools[u] as Float32Array;
    const grown = new Float32Array(Math.min(Math.max(pool.length * 2, 16), this.plannedK));
    grown.set(pool.subarray(0, size));
    this.pools[u] = grown;
    return grown;
  }

  /** Pooled values of unit u: the min(k, seen) largest values seen so far, in no useful order. */
  pooled(u: number): Float32Array {
    return (this.pools[u] as Float32Array).subarray(0, this.sizes[u] as number);
  }

  /** Exact thresholds given the final number of values per unit (the state is left as it was). */
  thresholds(valuesPerUnit: number): Float64Array {
    const out = new Float64Array(this.units);
    for (let u = 0; u < this.units; u++) out[u] = thresholdFromPool(Float32Array.from(this.pooled(u)), valuesPerUnit, this.q, u);
    return out;
  }

  /**
   * The state as views on its own arrays, valid until the next offer: for writing a checkpoint
   * without copying the pools (at 20,000 images they are tens of MiB), and for handing the pools
   * on when the state is not used any more.
   */
  views(): { lowerBound: Float32Array; maxValue: Float32Array; pools: Float32Array[] } {
    return { lowerBound: this.lowerBound, maxValue: this.maxValue, pools: this.pools.map((_, u) => this.pooled(u)) };
  }

  /** Serializable snapshot (checkpoints, shard merge). */
  snapshot(): { lowerBound: Float32Array; maxValue: Float32Array; pools: Float32Array[] } {
    return {
      lowerBound: Float32Array.from(this.lowerBound),
      maxValue: Float32Array.from(this.maxValue),
      pools: this.pools.map((p, u) => Float32Array.from(p.subarray(0, this.sizes[u] as number))),
    };
  }

  /**
   * Restore from a snapshot taken with the same units, plan and quantile. A pool of more than k
   * values (written by a version that kept slack) keeps its k largest; the bound is the k-th.
   */
  restore(s: { lowerBound: Float32Array; maxValue: Float32Array; pools: Float32Array[] }): void {
    this.lowerBound.set(s.lowerBound);
    this.maxValue.set(s.maxValue);
    const k = this.plannedK;
    for (let u = 0; u < this.units; u++) {
      const src = s.pools[u] as Float32Array;
      const size = Math.min(src.length, k);
      const pool = new Float32Array(Math.max(size, Math.min(k, 1024)));
      pool.set(src.subarray(0, size));
      if (size === k) {
        heapify(pool, k);
        for (let i = k; i < src.length; i++) if ((src[i] as number) > (pool[0] as number)) siftDown(pool, k, 0, src[i] as number);
        this.lowerBound[u] = Math.max(this.lowerBound[u] as number, pool[0] as number);
      }
      this.pools[u] = pool;
      this.sizes[u] = size;
    }
  }
}

/** Arrange a[0..n) as a min-heap (every parent ≤ its children). */
function heapify(a: Float32Array, n: number): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(a, n, i, a[i] as number);
}

/** Put v at position i of the min-heap a[0..n) and move it down until its children are ≥ it. */
function siftDown(a: Float32Array, n: number, i: number, v: number): void {
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    let cv = a[c] as number;
    const r = c + 1;
    if (r < n && (a[r] as number) < cv) {
      c = r;
      cv = a[r] as number;
    }
    if (cv >= v) break;
    a[i] = cv;
    i = c;
  }
  a[i] = v;
}

/**
 * The exact threshold of a unit from a pool holding (at least) its k largest values among
 * `valuesPerUnit`, k = topCount(valuesPerUnit, q). The pool is reordered. Pools of several shards
 * concatenated in any order give the same value: only the multiset matters.
 */
export function thresholdFromPool(pool: Float32Array, valuesPerUnit: number, q: number, unit: number): number {
  const k = topCount(valuesPerUnit, q);
  if (pool.length < k) throw new Error(`internal: unit ${unit} pooled ${pool.length} values, needs ${k}`);
  const kth = selectKthLargest(pool, pool.length, k);
  const kthMinus1 = k >= 2 ? selectKthLargest(pool, pool.length, k - 1) : kth;
  return interpolateThreshold(valuesPerUnit, q, kth, kthMinus1);
}

/**
 * The k-th largest of values[0..size) (k ≥ 1), by in-place quickselect (Hoare partition,
 * median-of-three). Reorders the prefix; the multiset is unchanged.
 */
export function selectKthLargest(values: Float32Array, size: number, k: number): number {
  // k-th largest = element at ascending position size − k.
  const target = size - k;
  let lo = 0;
  let hi = size - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const a = values[lo] as number, b = values[mid] as number, c = values[hi] as number;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i] = values[j] as number;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target] as number;
  }
  return values[target] as number;
}
