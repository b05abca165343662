// Contract between the report writer (Node) and the viewer (browser): the object that
// report/data.js assigns to `window.__NETDISSECT__`. Self-contained (no imports) so the viewer's
// own tsconfig can include it. Every string in it comes from the run and must be shown as text.

export const REPORT_DATA_VERSION = 2;

/** One concept's score for a unit (a row of the unit detail table). */
export interface ReportConcept {
  readonly name: string;
  readonly iou: number;
  readonly intersection: number;
  readonly activation: number;
  readonly truth: number;
}

/** A unit's best labels in one category, highest IoU first. */
export interface ReportCategoryConcepts {
  readonly category: string;
  readonly concepts: readonly ReportConcept[];
}

export interface ReportImage {
  readonly image: number; // dataset image index
  readonly photo: number; // index into ReportData.photos.list
  readonly max: number; // largest activation of the unit in this image
  /** The unit's activation map in this image, h×w float32 (pack.ts packFloat32). */
  readonly map: string;
}

/** A photo shown by some unit, stored once as a tile of a photo sheet. */
export interface ReportPhoto {
  readonly file: string; // dataset-relative path
  readonly sheet: number; // index into ReportData.photos.sheets
  readonly slot: number; // position in the sheet, row-major
}

/** Sprite sheets of the shown photos at the large tile size (one JPEG per sheet). */
export interface ReportPhotos {
  readonly sheets: readonly { readonly file: string; readonly cols: number; readonly rows: number }[];
  readonly list: readonly ReportPhoto[];
}

/** Ground truth of one label in one image at label resolution (pack.ts runLengths), or 'full'
 *  for an image-level label (the whole image: no outline). */
export type ReportTruth = { readonly h: number; readonly w: number; readonly runs: readonly number[] } | 'full';

export interface ReportUnit {
  readonly unit: number; // 1-based
  readonly label: string; // best label name ('' when none)
  readonly category: string;
  readonly score: number; // IoU of the best label
  readonly detector: boolean;
  readonly threshold: number;
  readonly maxActivation: number;
  readonly saturated: boolean;
  readonly categories: readonly ReportCategoryConcepts[];
  readonly labelNumber: number; // best label number (0 when none): keys ReportData.truths
  readonly images: readonly ReportImage[];
  /** Report-relative URL of the strip of small tiles (pixels outside the mask dimmed), when the
   *  report wrote strips (--all-strips); otherwise the viewer draws the tiles itself. */
  readonly strip?: string;
  /** Report-relative URL of the strip of large tiles (mask outlined), with `strip`. */
  readonly large?: string;
  /** From `netdissect explain`: the unit's formula, its concepts by name for the links. */
  readonly formula?: ReportFormula;
  /** From `netdissect baseline`: the unit's IoU against shuffled labels. */
  readonly baseline?: { readonly chance: number; readonly aboveChance: boolean; readonly p: number };
}

/** A left-deep formula: names[0], then (… ops[i-1] names[i]); `text` is results.json's. */
export interface ReportFormula {
  readonly text: string;
  readonly iou: number;
  readonly search: 'beam' | 'optimal';
  readonly names: readonly string[];
  /** Label numbers (key ReportData.truths: the viewer outlines the formula's mask). */
  readonly labels: readonly number[];
  readonly ops: readonly ('or' | 'and' | 'andnot')[];
}

/** A row of a layer's concept table: the units whose best label is this concept. */
export interface ReportConceptRow {
  readonly name: string;
  readonly category: string;
  readonly units: number; // units labelled with it, whatever their IoU
  readonly detectors: number; // of those, units above the IoU threshold
  readonly bestIou: number;
  readonly bestUnit: number;
}

/** One bar of the NetDissect bar graph: detector units whose best label is this concept. */
export interface ReportConceptCount {
  readonly name: string;
  readonly category: string;
  readonly units: number;
}

export interface ReportCategoryStats {
  readonly category: string;
  readonly detectors: number;
  readonly uniqueConcepts: number;
  readonly categoryDetectors: number;
  readonly uniqueDetectors: number;
}

export interface ReportLayer {
  readonly name: string;
  readonly dir: string;
  readonly shape: readonly [number, number, number];
  readonly stats: {
    readonly units: number;
    readonly detectors: number;
    readonly uniqueConcepts: number;
    readonly uniqueDetectors: number;
    readonly saturatedUnits: number;
    readonly zeroThresholdUnits: number;
    readonly perCategory: readonly ReportCategoryStats[];
  };
  readonly saturationHint: string | null;
  /** Warnings of the run about this layer (degenerate IoU and the like); empty when none. */
  readonly warnings: readonly string[];
  /** Report-relative copies of the layer's tally.csv and results.json (null: not in the run). */
  readonly files: { readonly tally: string | null; readonly results: string | null };
  /** Every concept that is some unit's best label, most detectors first. */
  readonly conceptTable: readonly ReportConceptRow[];
  /** results.json's `baseline` summary (null: `netdissect baseline` was not run on this layer). */
  readonly baseline: { readonly shuffles: number; readonly detectors: number; readonly detectorsAboveChance: number; readonly unitsAboveChance: number } | null;
  /** How formulas were searched (null: `netdissect explain` was not run on this layer). */
  readonly explain: { readonly search: 'beam' | 'optimal'; readonly length: number; readonly units: number } | null;
  /** Bars of the bar graph, grouped by category, largest first (see bar-chart.ts). */
  readonly concepts: readonly ReportConceptCount[];
  readonly units: readonly ReportUnit[];
}

export interface ReportData {
  readonly schema: 'netdissect/report';
  readonly version: number;
  readonly generatedAt: string;
  readonly tool: { readonly version: string };
  readonly state: string;
  readonly model: { readonly path: string; readonly sha256: string; readonly input: string };
  readonly dataset: { readonly root: string; readonly format: string; readonly images: number };
  readonly settings: {
    readonly semantics: string;
    readonly quantile: number;
    readonly iouThreshold: number;
    readonly topK: number;
    readonly inputSize: readonly [number, number];
    /** The run's preprocessing: preset name (null: explicit mean/std; absent: not recorded by
     *  the run), per-channel mean and std on 0..255 RGB, input layout when recorded. */
    readonly preprocess: {
      readonly preset?: string | null;
      readonly mean: readonly number[];
      readonly std: readonly number[];
      readonly layout?: string;
    };
    readonly batch: number;
    readonly limit: number | null;
  };
  readonly timings: readonly { readonly phase: string; readonly seconds: number }[];
  /** Category order of the dataset. */
  readonly categories: readonly string[];
  /** CSS colour per category, in `categories` order (the same in every chart). */
  readonly categoryColors: readonly string[];
  /** Images per strip (the report's top-k). */
  readonly topK: number;
  /** Tile sizes in pixels of the small and large strips. */
  readonly tiles: { readonly small: { readonly w: number; readonly h: number }; readonly large: { readonly w: number; readonly h: number } };
  /** Brightness kept outside a unit's mask in the grid tiles (NetDissect's is 0.2). */
  readonly dim: number;
  /** The shown photos (the viewer draws every tile from these and the units' maps). */
  readonly photos: ReportPhotos;
  /** Ground truth of each unit's best label in each of its shown images, keyed
   *  `${image}:${label}`; empty when the dataset could not be reopened. */
  readonly truths: Readonly<Record<string, ReportTruth>>;
  /** Whether the large strips outline the ground truth of each unit's concept, and why (not). */
  readonly groundTruth: { readonly shown: boolean; readonly note: string };
  readonly layers: readonly ReportLayer[];
}
