// Contract for RUN_DIR/run.json: the settings of a run (resume refuses when they differ), the
// identity of model and dataset, per-phase timings, and the run's state. Outputs per layer live
// in RUN_DIR/<layerDir>/ (tally.csv, thresholds.csv, results.json).
import type { DatasetSpec } from '../dataset/open.js';
import type { ResultsSettings } from './results-types.js';

export type RunState = 'running' | 'failed' | 'interrupted' | 'complete';

export interface RunLayer {
  readonly name: string; // tensor name
  readonly dir: string; // filesystem-safe folder name under RUN_DIR
  readonly shape: readonly [number, number, number];
}

export interface RunManifest {
  readonly schema: 'netdissect/run';
  readonly version: number;
  readonly state: RunState;
  /** Message of the failure when state is 'failed'. */
  readonly error?: string;
  readonly tool: { readonly name: 'netdissect'; readonly version: string; readonly onnxruntime: string; readonly node: string };
  readonly command: readonly string[];
  readonly model: { readonly path: string; readonly sha256: string; readonly input: string };
  readonly dataset: {
    readonly root: string;
    readonly format: string;
    readonly digest: string;
    readonly images: number;
    /** How to reopen the dataset (absolute paths, format, classes, label size, auto colour): workers and the report use it. */
    readonly spec?: DatasetSpec;
  };
  readonly settings: ResultsSettings & { readonly batch: number; readonly limit: number | null; readonly layers: readonly string[]; readonly shards?: number };
  readonly layers: readonly RunLayer[];
  readonly images: { readonly used: number; readonly skipped: readonly { readonly file: string; readonly reason: string }[] };
  /** Seconds per phase (forward pass, thresholds, counting, writing). */
  readonly timings: Readonly<Record<string, number>>;
  readonly startedAt: string;
  readonly finishedAt?: string;
}
