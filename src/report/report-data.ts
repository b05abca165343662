// Contract between the report writer (Node) and the viewer (browser): the object that
// report/data.js assigns to `window.__NETDISSECT__`. Self-contained (no imports) so the viewer's
// own tsconfig can include it. Every string in it comes from the run and must be shown as text.

export const REPORT_DATA_VERSION = 1;

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
  readonly file: string; // dataset-relative path
  readonly max: number; // largest activation of the unit in this image
}

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
  readonly images: readonly ReportImage[];
  /** Report-relative URL of the strip of small tiles (pixels outside the mask dimmed). */
  readonly strip: string;
  /** Report-relative URL of the strip of large tiles (mask outlined). */
  readonly large: string;
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
  /** Whether the large strips outline the ground truth of each unit's concept, and why (not). */
  readonly groundTruth: { readonly shown: boolean; readonly note: string };
  readonly layers: readonly ReportLayer[];
}
