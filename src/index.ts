// The library API (`import { dissect } from 'netdissect'`): the functions and types the CLI is
// built on, under the names the CLI flags and results.json use. Only what is exported here is
// public (package.json `exports`); everything else under dist/ may change in any release.
// Settings and results are documented on their types and in the README's "Library API".

// Dissection: one forward pass over a dataset, thresholds, IoU, labels, into a run directory.
export { dissect, layerDirName } from './run/dissect.js';
export type { DissectSettings, DissectSummary, LayerSummary, RunPreprocess } from './run/dissect.js';
export { DEFAULTS } from './run/defaults.js';

// Datasets: open any supported format (Broden, image + label-PNG folders, ADE20K, manifests).
export { openDataset, DEFAULT_LABEL_SIZE } from './dataset/open.js';
export type { DatasetSpec } from './dataset/open.js';
export type { DatasetFormat } from './dataset/manifest.js';
export type { ConceptDataset, ConceptLabel, ImageRecord, ImageLabels, CategoryAnnotation, RgbImage } from './dataset/types.js';
export { validateDataset } from './dataset/validate.js';
export type { ValidationResult } from './dataset/validate.js';
export type { DatasetProblem } from './dataset/problems.js';
export { generateSyntheticBroden } from './dataset/synthetic/generate.js';
export type { SyntheticOptions, SyntheticSummary } from './dataset/synthetic/generate.js';

// Models: load and check an ONNX model, list its dissectable tensors, preprocessing constants.
export { loadModel, listLayers, resolveInputSize } from './model/model.js';
export type { LoadedModel, LayerInfo, Layout } from './model/model.js';
export { PRESETS, resolvePreprocess } from './model/preprocess.js';
export type { Preprocess } from './model/preprocess.js';
export { EMBEDDED_MODEL, EMBEDDED_MODEL_LAYERS, EMBEDDED_MODEL_PREPROCESS } from './util/embedded-model.js';

// Results: results.json and run.json as types, and reading a run directory back.
export { RESULTS_SCHEMA_VERSION } from './run/results-types.js';
export type {
  Semantics, ResultsSettings, LabelInfo, ConceptScore, TopImage, UnitResult, CategoryStats, LayerStats, LayerResults,
} from './run/results-types.js';
export type { RunManifest, RunLayer, RunState } from './run/run-types.js';
export { loadRun } from './report/load-run.js';
export type { LoadedRun, LoadedLayer } from './report/load-run.js';

// The HTML report of a run directory.
export { writeReport, DEFAULT_TOP_K } from './report/write-report.js';
export type { WriteReportOptions } from './report/write-report.js';

// Experiments: detector statistics of any NetDissect-family tally.csv, comparisons of runs.
export { tallyStats, readTally, parseTally, detectorStats, unitTableFromResults } from './experiments/tally-stats.js';
export type {
  DetectorStats, CategoryDetectorStats, ConceptCount, UnitTable, TallyUnit, TallyBest,
} from './experiments/tally-stats.js';
export { compareRuns, writeComparison, compareCsv, COMPARE_SCHEMA_VERSION } from './experiments/compare.js';
export type { Comparison, CompareEntry, CompareOptions } from './experiments/compare.js';

// Errors (the CLI prints `netdissect: error: <message>` and exits with `exitCode`), progress, versions.
export { NetDissectError, UsageError, DatasetError, ModelError, RunDirError, InterruptedError } from './util/errors.js';
export { StderrProgress, silentProgress } from './util/progress.js';
export type { ProgressSink } from './util/progress.js';
export { TOOL_VERSION, onnxruntimeVersion, versionLine } from './util/version.js';
