// The library's defaults, in one place: the CLI shows them in --help, the demo and the benchmark
// use them, and a library caller gets them for every setting it leaves out.
import { availableParallelism } from 'node:os';
import { DEFAULT_PRESET } from '../model/preprocess.js';
import { DEFAULT_CACHE_BUDGET } from '../quantile/cache-budget.js';
import type { Semantics } from './results-types.js';

export const DEFAULTS = {
  semantics: 'original' as Semantics,
  /** Top quantile of a unit's activations that forms its mask (the paper's 0.5 %). */
  quantile: 0.005,
  /** IoU above which a unit is a detector. */
  iouThreshold: 0.04,
  /** Top-activating images kept per unit for the report. */
  topK: 10,
  /** Images per inference batch. */
  batch: 16,
  /** Preprocessing preset assumed when none is given. */
  preprocess: DEFAULT_PRESET,
  /** Candidate cache held in memory before spilling to disk (keeps memory flat; see cache-budget.ts). */
  memoryBudget: DEFAULT_CACHE_BUDGET,
  /**
   * Checkpoint the forward pass every this many images ... A checkpoint writes the candidate
   * cache held in memory and the quantile pools (up to ~100 MiB on a long run) and flushes them:
   * every 1,000 images, as before, cost MobileNetV2 (12 s per 1,000 images here) a checkpoint
   * every 12 s. Time bounds what a crash loses; the count only caps it for a slow clock.
   */
  checkpointImages: 10_000,
  /** ... or this many minutes, whichever comes first. */
  checkpointMinutes: 2,
  /** ONNX Runtime intra-op threads: at most 2 keeps features bit-identical across batch sizes. */
  threads: Math.min(2, availableParallelism()),
} as const;
