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
 * Streaming state for one layer: per unit, a pool of the values ≥ its lower bound. The bound is
 * the k-th largest value seen so far, where k is computed for the planned number of values (a
 * run that skips images ends with fewer values, a smaller k, and a bound that is still valid).
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
  private pools: Float32Array[];
  private sizes: Int32Array;
  /**
   * A unit's pool holds up to k plus a quarter of k (at least 16) values before its bound is
   * raised and the values below it dropped. The slack sets the trade: each raise costs a
   * selection over the pool and frees a quarter of k, and the pools are the one part of pass 1's
   * memory that grows with the dataset (k is q of all values: at 20,000 images MobileNetV2's
   * Conv_1 has k = 4,900 per unit; with twice k of slack its 1,280 pools took 84 MiB, now 31).
   */
  private readonly capacity: number;

  constructor(units: number, plannedValuesPerUnit: number, q: number) {
    this.units = units;
    this.q = q;
    this.plannedK = topCount(plannedValuesPerUnit, q);
    this.lowerBound = new Float32Array(units).fill(-Infinity);
    this.maxValue = new Float32Array(units).fill(-Infinity);
    this.capacity = this.plannedK + Math.max(16, Math.ceil(this.plannedK / 4));
    this.pools = [];
    const initial = Math.min(this.capacity, 4096);
    for (let u = 0; u < units; u++) this.pools.push(new Float32Array(initial));
    this.sizes = new Int32Array(units);
  }

  /**
   * Offer one map of unit u (values[offset .. offset+len)) whose maximum is `max`.
   * Returns false when the map can never reach the threshold (max < LB): the caller drops it.
   */
  offer(u: number, values: Float32Array, offset: number, len: number, max: number): boolean {
    if (max > (this.maxValue[u] as number)) this.maxValue[u] = max;
    const lb = this.lowerBound[u] as number;
    if (max < lb) return false;
    let pool = this.pools[u] as Float32Array;
    let size = this.sizes[u] as number;
    for (let i = 0; i < len; i++) {
      const v = values[offset + i] as number;
      if (v >= lb) {
        if (size === pool.length) {
          this.sizes[u] = size;
          this.tighten(u);
          pool = this.pools[u] as Float32Array;
          size = this.sizes[u] as number;
          if (v < (this.lowerBound[u] as number)) continue;
        }
        pool[size++] = v;
      }
    }
    this.sizes[u] = size;
    return true;
  }

  /**
   * Pool u is full: once it holds its full capacity, raise the bound to the k-th largest pooled
   * value and drop the values below it; grow it when it is not yet that large (or when ties at
   * the bound keep nearly all of it).
   */
  private tighten(u: number): void {
    const pool = this.pools[u] as Float32Array;
    const size = this.sizes[u] as number;
    const k = this.plannedK;
    if (size >= this.capacity) {
      const kth = selectKthLargest(pool, size, k);
      this.lowerBound[u] = kth;
      let w = 0;
      for (let i = 0; i < size; i++) {
        const v = pool[i] as number;
        if (v >= kth) pool[w++] = v;
      }
      this.sizes[u] = w;
      if (w < pool.length * 0.9) return;
    }
    const length = pool.length < this.capacity ? Math.min(pool.length * 2, this.capacity) : pool.length * 2;
    const grown = new Float32Array(length);
    grown.set(pool.subarray(0, this.sizes[u] as number));
    this.pools[u] = grown;
  }

  /** Pooled values of unit u (all values ≥ its lower bound seen so far). */
  pooled(u: number): Float32Array {
    return (this.pools[u] as Float32Array).subarray(0, this.sizes[u] as number);
  }

  /** Exact thresholds given the final number of values per unit. */
  thresholds(valuesPerUnit: number): Float64Array {
    const out = new Float64Array(this.units);
    for (let u = 0; u < this.units; u++) out[u] = thresholdFromPool(this.pooled(u), valuesPerUnit, this.q, u);
    return out;
  }

  /**
   * The state as views on its own arrays, valid until the next offer: for writing a checkpoint
   * without copying the pools (at 20,000 images they are tens of MiB).
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

  /** Restore from a snapshot taken with the same units, plan and quantile. */
  restore(s: { lowerBound: Float32Array; maxValue: Float32Array; pools: Float32Array[] }): void {
    this.lowerBound.set(s.lowerBound);
    this.maxValue.set(s.maxValue);
    for (let u = 0; u < this.units; u++) {
      const src = s.pools[u] as Float32Array;
      const pool = new Float32Array(Math.max(Math.min(this.capacity, 4096), Math.ceil(src.length * 1.25) + 16));
      pool.set(src);
      this.pools[u] = pool;
      this.sizes[u] = src.length;
    }
  }
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
