// Contract for results.json (one per layer, in RUN_DIR/<layer>/results.json). The report, the
// experiment commands and user scripts read this; bump RESULTS_SCHEMA_VERSION on any change
// that is not a pure addition. Documented field by field in docs/results-schema.md.

export const RESULTS_SCHEMA_VERSION = 1;

export type Semantics = 'original' | 'lite';

export interface ResultsSettings {
  readonly semantics: Semantics;
  readonly quantile: number;
  readonly iouThreshold: number;
  readonly categories: readonly string[];
  readonly topK: number;
  readonly preprocess: {
    /** The preset the constants come from; null when --mean/--std were given. */
    readonly preset?: string | null;
    /** True when no preprocessing was asked for and the default preset was assumed. */
    readonly assumed?: boolean;
    readonly mean: readonly number[];
    readonly std: readonly number[];
    readonly inputSize: readonly [number, number];
    /** The model's input layout; images are resized to inputSize when their size differs. */
    readonly layout?: 'NCHW' | 'NHWC';
  };
  /** Basis rotation, when the run used one (experiments). */
  readonly rotation?: { readonly seed: number; readonly alpha: number };
}

export interface LabelInfo {
  readonly number: number;
  readonly name: string;
  readonly category: string; // primary category
  /** Truth count G: labelled pixels over the dataset (image-level labels: sh*sw per image). */
  readonly truth: number;
}

/** One label's score for a unit. */
export interface ConceptScore {
  readonly label: number;
  readonly name: string;
  readonly category: string;
  readonly iou: number;
  readonly intersection: number;
  /** Activation count of the unit in this label's primary category. */
  readonly activation: number;
  readonly truth: number;
}

/** A top-activating image of a unit, with the unit's raw activation map (h*w, row-major). */
export interface TopImage {
  readonly image: number; // dataset image index
  readonly max: number; // largest value of the map
  readonly map: readonly number[]; // h*w float32 values
}

export interface UnitResult {
  readonly unit: number; // 1-based, as in tally.csv
  readonly threshold: number; // float64 T_u
  readonly maxActivation: number; // largest value of the unit over the dataset
  /** The threshold equals the largest value: the strict `>` leaves every mask empty. */
  readonly saturated: boolean;
  /** Best label overall (empty name and label 0 when no label has IoU > 0). */
  readonly label: number;
  readonly name: string;
  readonly category: string;
  readonly score: number; // IoU of the best label
  readonly detector: boolean; // score > iouThreshold
  /** Per category (in category order): its best label and the next best, highest IoU first. */
  readonly categories: Readonly<Record<string, readonly ConceptScore[]>>;
  /** Top-k images by map maximum (ties: lower image index first). */
  readonly topImages: readonly TopImage[];
  /** Added by `netdissect explain` (docs/explain.md): the unit's best formula of concepts. */
  readonly formula?: UnitFormula;
  /** Added by `netdissect baseline` (docs/explain.md): the unit's IoU against shuffled labels. */
  readonly baseline?: UnitBaseline;
}

/** The `formula` field of an explained unit (written by src/explain/explain.ts). */
export interface UnitFormula {
  readonly text: string; // compexp's text, e.g. `((sky OR water) AND (NOT blue-c))`
  readonly iou: number;
  /** Labels in the formula (NOT adds none). */
  readonly length: number;
  /** iou × penalty^(compexpLength − 1). */
  readonly score: number;
  readonly compexpLength: number;
  /** Label numbers, and the step before each label after the first (ops.length = labels.length − 1). */
  readonly labels: readonly number[];
  readonly ops: readonly ('or' | 'and' | 'andnot')[];
  readonly search: 'beam' | 'optimal';
}

/** The `baseline` field of a unit (written by src/explain/baseline.ts). */
export interface UnitBaseline {
  /** Best score of the unit under any label shuffle. */
  readonly chance: number;
  /** The run's score beats every shuffle. */
  readonly aboveChance: boolean;
  /** (1 + shuffles scoring ≥ the real score) / (shuffles + 1). */
  readonly p: number;
}

export interface CategoryStats {
  readonly category: string;
  /** Units whose best (overall) label is in this category and is a detector. */
  readonly detectors: number;
  /** Distinct best labels among those units. */
  readonly uniqueConcepts: number;
  /** Paper's rule: units whose best IoU in this category > threshold (whatever their overall label). */
  readonly categoryDetectors: number;
  /** Distinct labels among those units' category-best labels. */
  readonly uniqueDetectors: number;
}

export interface LayerStats {
  readonly units: number;
  readonly detectors: number; // units with score > iouThreshold
  readonly uniqueConcepts: number; // distinct best labels among detectors
  readonly uniqueDetectors: number; // paper's rule, summed over categories
  readonly saturatedUnits: number;
  readonly zeroThresholdUnits: number;
  readonly perCategory: readonly CategoryStats[];
}

export interface LayerResults {
  readonly schema: 'netdissect/results';
  readonly version: number;
  readonly tool: { readonly name: 'netdissect'; readonly version: string };
  readonly layer: string;
  /** Activation shape for one image: [units, h, w]. */
  readonly shape: readonly [number, number, number];
  readonly model: { readonly file: string; readonly sha256: string };
  readonly dataset: {
    readonly root: string;
    readonly format: string;
    readonly digest: string;
    readonly images: number;
    /** Image paths by image index, as the dataset names them (Broden: relative to root/images/,
     *  other formats: relative to root); the report loads photos from these. */
    readonly imageFiles: readonly string[];
    readonly labelResolution: readonly [number, number];
  };
  readonly settings: ResultsSettings;
  readonly categories: readonly string[];
  readonly labels: readonly LabelInfo[];
  readonly stats: LayerStats;
  /** Hint when many units saturate (e.g. after ReLU6): a tensor to dissect instead. */
  readonly saturationHint?: string;
  /** Why the numbers of this layer may mislead (1×1 maps, too few values above the threshold). */
  readonly warnings?: readonly string[];
  /** Units in unit order (unit 1 first). */
  readonly units: readonly UnitResult[];
  /** Added by `netdissect explain`: its settings; `units` = how many units were explained. */
  readonly explain?: {
    readonly length: number;
    readonly beam: number;
    readonly penalty: number;
    readonly search: 'beam' | 'optimal';
    readonly categories: readonly string[];
    readonly units: number;
  };
  /** Added by `netdissect baseline`: its settings and counts over the layer. */
  readonly baseline?: {
    readonly shuffles: number;
    readonly seed: number;
    readonly detectors: number;
    readonly detectorsAboveChance: number;
    readonly unitsAboveChance: number;
  };
}
