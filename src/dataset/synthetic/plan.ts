// The label plan of the synthetic Broden-format dataset: which numbers, names and categories it
// writes, and which primary category each shared name must end with. Exported as data so tests
// (and readers' tests) can assert on the generated files without hard-coding them twice.

/** Category order of category.csv and of the index.csv columns (real Broden's order). */
export const SYNTHETIC_CATEGORIES = ['color', 'object', 'part', 'material', 'scene', 'texture'] as const;
export type SyntheticCategory = (typeof SYNTHETIC_CATEGORIES)[number];

export interface PlannedLabel {
  readonly number: number;
  readonly name: string;
  /** Categories the name belongs to, in category order. */
  readonly categories: readonly SyntheticCategory[];
  /** The primary category the coverage in c_<cat>.csv decides (holds once all quirks occur). */
  readonly primary: SyntheticCategory;
  /** Synonyms, written `a;b` in label.csv's `syns` column. */
  readonly syns: readonly string[];
  /** How the label is annotated: per pixel in label PNGs, or as an image-level number. */
  readonly level: 'pixel' | 'image';
}

/** Label numbers by name (one number per name, whatever its categories). */
export const L = {
  // colors 1-11: the 11 Broden colour names, derived per pixel from the drawn colour.
  black: 1, blue: 2, brown: 3, green: 4, grey: 5, orange: 6, pink: 7, purple: 8, red: 9,
  white: 10, yellow: 11,
  // objects 12-31 (window, door: also parts; fabric: also a material).
  sky: 12, wall: 13, floor: 14, road: 15, grass: 16, building: 17, tree: 18, car: 19,
  person: 20, ball: 21, window: 22, door: 23, table: 24, lamp: 25, sofa: 26, bed: 27,
  painting: 28, fabric: 29, bird: 30, mountain: 31,
  // nothing 32-299; parts 300-314: above 255, so their PNGs use the green channel (G = 1).
  roof: 300, pane: 301, handle: 302, wheel: 303, hubcap: 304, headlight: 305, trunk: 306,
  head: 307, torso: 308, arm: 309, leg: 310, eye: 311, shade: 312, beak: 313, wing: 314,
  // materials 520-527: above 511 (G = 2).
  wood: 520, brick: 521, tile: 522, metal: 523, glass: 524, stone: 525, painted: 526, carpet: 527,
  // image-level scenes and textures (decimal numbers in index.csv cells, never in PNGs).
  street: 600, highway: 601, park: 602, livingRoom: 603, bedroom: 604,
  banded: 700, bubbly: 701, chequered: 702, crosshatched: 703, dotted: 704, grid: 705,
  lined: 706, marbled: 707, striped: 708, zigzagged: 709,
} as const;

export const COLOR_NAMES = [
  'black', 'blue', 'brown', 'green', 'grey', 'orange', 'pink', 'purple', 'red', 'white', 'yellow',
] as const;
export type ColorName = (typeof COLOR_NAMES)[number];

export const TEXTURE_NAMES = [
  'banded', 'bubbly', 'chequered', 'crosshatched', 'dotted', 'grid', 'lined', 'marbled',
  'striped', 'zigzagged',
] as const;
export type TextureName = (typeof TEXTURE_NAMES)[number];

function shared(number: number, name: string, categories: SyntheticCategory[], primary: SyntheticCategory, syns: string[] = []): PlannedLabel {
  return { number, name, categories, primary, syns, level: 'pixel' };
}

function one(number: number, name: string, category: SyntheticCategory, syns: string[] = []): PlannedLabel {
  const level = category === 'scene' || category === 'texture' ? 'image' : 'pixel';
  return { number, name, categories: [category], primary: category, syns, level };
}

/** Every label of label.csv, by number. */
export const SYNTHETIC_LABELS: readonly PlannedLabel[] = [
  ...COLOR_NAMES.map((c) => one(L[c], `${c}-c`, 'color')),
  one(L.sky, 'sky', 'object'),
  one(L.wall, 'wall', 'object'),
  one(L.floor, 'floor', 'object', ['flooring']),
  one(L.road, 'road', 'object', ['route']),
  one(L.grass, 'grass', 'object'),
  one(L.building, 'building', 'object', ['edifice']),
  one(L.tree, 'tree', 'object'),
  one(L.car, 'car', 'object', ['auto', 'automobile', 'motorcar']),
  one(L.person, 'person', 'object', ['individual', 'someone', 'somebody']),
  one(L.ball, 'ball', 'object'),
  // Shared names: coverage decides. window: larger as a part (the LATER category wins);
  // door: larger as an object (the EARLIER wins) though more frequent as a part;
  // fabric: identical masks as object and material, an exact tie (the later category wins).
  shared(L.window, 'window', ['object', 'part'], 'part'),
  shared(L.door, 'door', ['object', 'part'], 'object'),
  one(L.table, 'table', 'object'),
  one(L.lamp, 'lamp', 'object'),
  one(L.sofa, 'sofa', 'object', ['couch', 'lounge']),
  one(L.bed, 'bed', 'object'),
  one(L.painting, 'painting', 'object', ['picture']),
  shared(L.fabric, 'fabric', ['object', 'material'], 'material', ['cloth', 'textile']),
  one(L.bird, 'bird', 'object'),
  one(L.mountain, 'mountain', 'object', ['mount']),
  one(L.roof, 'roof', 'part'),
  one(L.pane, 'pane', 'part', ['pane of glass', 'window glass']),
  one(L.handle, 'handle', 'part', ['grip']),
  one(L.wheel, 'wheel', 'part'),
  one(L.hubcap, 'hubcap', 'part'),
  one(L.headlight, 'headlight', 'part', ['headlamp']),
  one(L.trunk, 'trunk', 'part', ['tree trunk', 'bole']),
  one(L.head, 'head', 'part'),
  one(L.torso, 'torso', 'part', ['body']),
  one(L.arm, 'arm', 'part'),
  one(L.leg, 'leg', 'part'),
  one(L.eye, 'eye', 'part'),
  one(L.shade, 'shade', 'part', ['lampshade']),
  one(L.beak, 'beak', 'part', ['bill']),
  one(L.wing, 'wing', 'part'),
  one(L.wood, 'wood', 'material'),
  one(L.brick, 'brick', 'material'),
  one(L.tile, 'tile', 'material'),
  one(L.metal, 'metal', 'material'),
  one(L.glass, 'glass', 'material'),
  one(L.stone, 'stone', 'material'),
  one(L.painted, 'painted', 'material'),
  one(L.carpet, 'carpet', 'material'),
  one(L.street, 'street-s', 'scene'),
  one(L.highway, 'highway-s', 'scene'),
  one(L.park, 'park-s', 'scene'),
  one(L.livingRoom, 'living_room-s', 'scene'),
  one(L.bedroom, 'bedroom-s', 'scene'),
  ...TEXTURE_NAMES.map((t) => one(L[t], t, 'texture', t === 'chequered' ? ['checkered'] : [])),
];

/**
 * The smallest --images for which every quirk of docs/synthetic-dataset.md occurs and every
 * shared name has its planned primary category: the first images follow a fixed showcase
 * sequence (see scene.ts), later ones are drawn at random.
 */
export const MIN_IMAGES_FOR_ALL_QUIRKS = 16;

/** Label resolution for an image size: half, rounded down (224 -> 112, 227 -> 113, as Broden). */
export function labelSize(imageSize: number): number {
  return Math.floor(imageSize / 2);
}
