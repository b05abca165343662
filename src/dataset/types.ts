// Contract for concept datasets: every format (Broden, image + label-PNG folders, ADE20K) is an
// adapter that yields this shape, so the dissection pipeline never knows which format it reads.

/** One concept (label) of the dataset. Label numbers are global; 0 means "no label". */
export interface ConceptLabel {
  readonly number: number;
  readonly name: string;
  /** Categories this label belongs to (a name may belong to several, e.g. window: object, part). */
  readonly categories: readonly string[];
  /** The category whose coverage is largest (ties: the later category in category order). */
  readonly primaryCategory: string;
}

/** Per-category annotation of one image. */
export interface CategoryAnnotation {
  /** Pixel label maps of this category, one per channel, each sh*sw label numbers (0 = none). */
  readonly maps: readonly Uint16Array[];
  /** Image-level label numbers of this category (they cover every pixel of the image). */
  readonly imageLabels: readonly number[];
}

/** Everything known about one image without decoding it. */
export interface ImageRecord {
  /** 0-based index among the kept images, in dataset order. */
  readonly index: number;
  /** Path relative to the dataset root (used in messages and the report). */
  readonly file: string;
  /** Label resolution. */
  readonly sh: number;
  readonly sw: number;
}

/** Decoded labels of one image, at sh*sw. */
export interface ImageLabels {
  /** Keyed by category name; categories without data for this image are absent. */
  readonly byCategory: ReadonlyMap<string, CategoryAnnotation>;
}

/** RGB pixels, interleaved, 8-bit, height*width*3. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface ConceptDataset {
  /** Human-readable format name, e.g. "broden", "segfolder", "ade20k". */
  readonly format: string;
  /** Root directory (or manifest) the dataset was opened from. */
  readonly root: string;
  /** Category order (decides tie-breaks and column order). */
  readonly categories: readonly string[];
  /** Every label, by number; index 0 is the empty label. Numbers may have gaps (undefined). */
  readonly labels: readonly (ConceptLabel | undefined)[];
  /** The kept images, in order. */
  readonly images: readonly ImageRecord[];
  /** Decode the photo of one image (RGB, any size). Throws DatasetError naming the file. */
  readImage(index: number): Promise<RgbImage>;
  /** Decode the labels of one image. Throws DatasetError naming the file. */
  readLabels(index: number): Promise<ImageLabels>;
  /** Files whose bytes identify the dataset (for the run digest), relative to root. */
  readonly identityFiles: readonly string[];
}
