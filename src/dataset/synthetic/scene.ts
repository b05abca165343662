// Scene layouts of the synthetic dataset, imitating Broden's sources: ADE20K-like scenes
// (objects, parts, an image-level scene), Pascal-like object close-ups (objects and two part
// levels), OpenSurfaces-like material patches, DTD-like texture images (image-level textures),
// and rows with no data at all. Every concept is tied to a simple visual feature (a colour, a
// shape, a pattern), so units of a network, or hand-built units, respond to it.
import { Random } from '../../util/random.js';
import { COLOR_NAMES, L, TEXTURE_NAMES, type ColorName, type TextureName } from './plan.js';
import { DRAW, JITTER, shade, type Rgb } from './palette.js';
import { ellipse, rect, solid, triangle, type Fill, type Layer, type LayerTag, type Pattern, type Shape } from './layers.js';

export type SceneKind = 'street' | 'highway' | 'park' | 'room' | 'objects' | 'surfaces' | 'texture' | 'empty';

/** How a row's cells carry empty `;` pieces (a reader must drop them). */
export type CellQuirk = 'none' | 'trailing' | 'double' | 'leading';

export interface SceneSpec {
  readonly kind: SceneKind;
  /** Folder under images/ and file stem (without extension). */
  readonly source: string;
  readonly stem: string;
  readonly split: 'train' | 'val';
  layers: Layer[];
  /** Which pixel-level cells the row fills (a map that is all zero is left out). */
  readonly maps: { readonly color: boolean; readonly object: boolean; readonly part: boolean; readonly material: boolean };
  readonly scene: readonly number[];
  readonly texture: readonly number[];
  /** A row without data in any category: `blank` cells, or cells of nothing but `;`. */
  readonly empty: 'no' | 'blank' | 'semicolons';
  readonly quirk: CellQuirk;
}

/**
 * The first images follow this sequence so that a small dataset (MIN_IMAGES_FOR_ALL_QUIRKS)
 * has every quirk; the room before the first street gives `door` its object coverage before
 * any building door is weighed against it.
 */
export const SHOWCASE: readonly SceneKind[] = [
  'room', 'street', 'texture', 'objects', 'surfaces', 'empty', 'park', 'room',
  'texture', 'highway', 'street', 'objects', 'empty', 'surfaces', 'room', 'texture',
];

const KIND_WEIGHTS: readonly [SceneKind, number][] = [
  ['street', 16], ['highway', 8], ['park', 12], ['room', 20], ['objects', 16], ['surfaces', 12],
  ['texture', 14], ['empty', 2],
];

/** Deterministic per-image generator: image i depends only on (seed, i). */
export function imageRandom(seed: number, index: number): Random {
  return new Random((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}

export function sceneKind(index: number, rng: Random): SceneKind {
  const fixed = SHOWCASE[index];
  if (fixed !== undefined) return fixed;
  let total = 0;
  for (const [, w] of KIND_WEIGHTS) total += w;
  let r = rng.next() * total;
  for (const [kind, w] of KIND_WEIGHTS) {
    r -= w;
    if (r < 0) return kind;
  }
  return 'street';
}

// Natural colours: every channel at most MUTED_BASE_MAX (222), so only vivid objects reach
// the extremes a channel-copying unit picks out.
const SKY: readonly Rgb[] = [[80, 130, 215], [84, 136, 212], [200, 212, 222], [165, 170, 180]];
const GRASS: Rgb = [75, 150, 55];
const ROAD: Rgb = [112, 112, 116];
const MOUNTAIN: Rgb = [120, 105, 95];
const FOLIAGE: Rgb = [45, 140, 45];
const BARK: Rgb = [100, 65, 35];
const GLASS: Rgb = [150, 180, 210];
const GLASS_DARK: Rgb = [60, 70, 95];
const MORTAR: Rgb = [200, 195, 185];
const WALL_PAINT: readonly Rgb[] = [[215, 210, 198], [220, 200, 110], [215, 160, 165], [205, 205, 205], [160, 185, 215]];
const MUTED_NAMES: readonly ColorName[] = ['brown', 'grey', 'white', 'orange', 'pink', 'yellow', 'purple', 'black'];

class Builder {
  readonly layers: Layer[] = [];
  private instance = 0;
  constructor(readonly rng: Random) {}

  /** A new object instance id (1..255, the blue channel of object/part PNGs). */
  nextInstance(): number {
    this.instance = (this.instance % 255) + 1;
    return this.instance;
  }

  add(shape: Shape, fill: Fill, labels: Partial<Omit<Layer, 'shape' | 'fill'>> = {}): void {
    const layer: Layer = {
      shape, fill,
      object: labels.object ?? 0, part1: labels.part1 ?? 0, part2: labels.part2 ?? 0,
      material: labels.material ?? 0, instance: labels.instance ?? 0,
      ...(labels.tag !== undefined ? { tag: labels.tag } : {}),
    };
    this.layers.push(layer);
  }

  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.rng.next();
  }

  chance(p: number): boolean {
    return this.rng.next() < p;
  }

  /** A base colour with a small per-region jitter. */
  jitter(c: Rgb): Rgb {
    const j = (): number => this.rng.int(-JITTER, JITTER + 1);
    return [clampByte(c[0] + j()), clampByte(c[1] + j()), clampByte(c[2] + j())];
  }

  vivid(): Rgb {
    return this.jitter(DRAW[this.rng.pick(COLOR_NAMES)]);
  }

  muted(): Rgb {
    return this.jitter(DRAW[this.rng.pick(MUTED_NAMES)]);
  }
}

function clampByte(x: number): number {
  return x < 0 ? 0 : x > 255 ? 255 : x;
}

// ---- materials: a textured fill per material, so a material is a visual pattern ----

type MaterialName = 'wood' | 'brick' | 'tile' | 'metal' | 'glass' | 'stone' | 'painted' | 'carpet' | 'fabric';

function materialFill(b: Builder, m: MaterialName): Fill {
  switch (m) {
    case 'wood': {
      const a = b.jitter([150, 100, 55]);
      return { a, b: shade(a, 0.7), patterns: [{ kind: 'waves', period: b.range(0.025, 0.045), amp: 0.02, freq: b.range(1, 3) }] };
    }
    case 'brick':
      return { a: b.jitter([165, 70, 50]), b: MORTAR, patterns: [{ kind: 'brick', width: b.range(0.1, 0.15), height: b.range(0.045, 0.065), mortar: 0.009 }] };
    case 'tile':
      return { a: b.jitter(b.rng.pick([[210, 208, 200], [170, 190, 210]] as const)), b: [130, 130, 130], patterns: [{ kind: 'grid', period: b.range(0.09, 0.15), width: 0.01 }] };
    case 'metal':
      return { a: b.jitter([150, 152, 160]), b: [105, 107, 115], patterns: [{ kind: 'gradient', vertical: b.chance(0.5) }] };
    case 'glass':
      return { a: b.jitter(GLASS), b: [205, 215, 222], patterns: [{ kind: 'stripes', angle: Math.PI / 4, period: 0.22, duty: 0.18 }] };
    case 'stone': {
      const a = b.jitter([155, 150, 140]);
      return { a, b: shade(a, 0.55), patterns: [{ kind: 'noise', scale: b.range(6, 12), seed: b.rng.uint32() }] };
    }
    case 'painted':
      return solid(b.jitter(b.rng.pick(WALL_PAINT)));
    case 'carpet': {
      const a = b.jitter(b.rng.pick([[140, 40, 50], [60, 60, 120], [110, 90, 60]] as const));
      return { a, b: shade(a, 0.75), patterns: [{ kind: 'noise', scale: 40, seed: b.rng.uint32() }] };
    }
    case 'fabric': {
      const a = b.vivid();
      return { a, b: shade(a, 0.75), patterns: [{ kind: 'crosshatch', period: b.range(0.025, 0.04), width: 0.007 }] };
    }
  }
}

const MATERIAL_LABEL: Readonly<Record<MaterialName, number>> = {
  wood: L.wood, brick: L.brick, tile: L.tile, metal: L.metal, glass: L.glass, stone: L.stone,
  painted: L.painted, carpet: L.carpet, fabric: L.fabric,
};

// ---- textures (DTD-like): one pattern per texture name ----

export function texturePattern(rng: Random, t: TextureName): Pattern {
  const r = (lo: number, hi: number): number => lo + (hi - lo) * rng.next();
  switch (t) {
    case 'banded':
      return { kind: 'stripes', angle: rng.pick([0, Math.PI / 2]) + r(-0.1, 0.1), period: r(0.2, 0.34), duty: 0.5 };
    case 'bubbly':
      return { kind: 'bubbles', period: r(0.12, 0.2), seed: rng.uint32() };
    case 'chequered':
      return { kind: 'checker', period: r(0.08, 0.15) };
    case 'crosshatched':
      return { kind: 'crosshatch', period: r(0.05, 0.08), width: 0.012 };
    case 'dotted':
      return { kind: 'dots', period: r(0.07, 0.12), radius: r(0.018, 0.03) };
    case 'grid':
      return { kind: 'grid', period: r(0.08, 0.14), width: r(0.012, 0.02) };
    case 'lined':
      return { kind: 'stripes', angle: r(0, Math.PI), period: r(0.04, 0.07), duty: 0.15 };
    case 'marbled':
      return { kind: 'marble', scale: r(3, 6), seed: rng.uint32() };
    case 'striped':
      return { kind: 'stripes', angle: r(0, Math.PI), period: r(0.06, 0.1), duty: 0.5 };
    case 'zigzagged':
      return { kind: 'zigzag', period: r(0.08, 0.12), amp: r(0.04, 0.06), duty: 0.4 };
  }
}

// ---- reusable things ----

function sky(b: Builder, horizon: number): void {
  b.add(rect(0, 0, 1, horizon), solid(b.jitter(b.rng.pick(SKY))), { object: L.sky, instance: b.nextInstance() });
}

function mountains(b: Builder, horizon: number): void {
  const n = b.rng.int(1, 3);
  const inst = b.nextInstance();
  for (let i = 0; i < n; i++) {
    const cx = b.range(0.1, 0.9);
    const w = b.range(0.25, 0.45);
    const top = horizon - b.range(0.12, 0.25);
    b.add(triangle(cx - w, horizon + 0.01, cx, top, cx + w, horizon + 0.01), solid(b.jitter(MOUNTAIN)), { object: L.mountain, instance: inst });
  }
}

function tree(b: Builder, x: number, base: number, height: number): void {
  const inst = b.nextInstance();
  const tw = height * 0.12;
  b.add(rect(x - tw / 2, base - height * 0.45, x + tw / 2, base), solid(b.jitter(BARK)), { object: L.tree, part1: L.trunk, instance: inst });
  const r = height * 0.32;
  b.add(ellipse(x, base - height * 0.62, r, r * 1.1), { a: b.jitter(FOLIAGE), b: shade(FOLIAGE, 0.7), patterns: [{ kind: 'noise', scale: 25, seed: b.rng.uint32() }] }, { object: L.tree, instance: inst });
}

/** A car, `w` wide, standing on `ground`, facing right or left. */
function car(b: Builder, x: number, ground: number, w: number): void {
  const inst = b.nextInstance();
  const body = b.vivid();
  const h = w * 0.3;
  const wheelR = w * 0.11;
  const bodyTop = ground - wheelR - h;
  b.add(rect(x, bodyTop, x + w, ground - wheelR * 0.6), solid(body), { object: L.car, instance: inst });
  b.add(rect(x + w * 0.22, bodyTop - h * 0.7, x + w * 0.75, bodyTop + 0.001), solid(body), { object: L.car, instance: inst });
  const right = b.chance(0.5);
  const lx = right ? x + w - w * 0.05 : x + w * 0.05;
  b.add(ellipse(lx, bodyTop + h * 0.3, w * 0.04, h * 0.15), solid(b.jitter(DRAW[b.rng.pick(['yellow', 'white'] as const)])), { object: L.car, part1: L.headlight, instance: inst });
  for (const cx of [x + w * 0.22, x + w * 0.78]) {
    b.add(ellipse(cx, ground - wheelR, wheelR, wheelR), solid(b.jitter(DRAW.black)), { object: L.car, part1: L.wheel, instance: inst });
    b.add(ellipse(cx, ground - wheelR, wheelR * 0.45, wheelR * 0.45), solid(b.jitter(DRAW[b.rng.pick(['grey', 'white'] as const)])), { object: L.car, part1: L.wheel, part2: L.hubcap, instance: inst });
  }
}

/** A standing person, `h` tall, feet at `ground`: head (with eyes), torso, arms, legs. */
function person(b: Builder, x: number, ground: number, h: number): void {
  const inst = b.nextInstance();
  const skin = b.jitter([205, 160, 130]);
  const shirt = b.vivid();
  const trousers = b.muted();
  const o = { object: L.person, instance: inst };
  const legTop = ground - h * 0.45;
  b.add(rect(x - h * 0.09, legTop, x - h * 0.015, ground), solid(trousers), { ...o, part1: L.leg });
  b.add(rect(x + h * 0.015, legTop, x + h * 0.09, ground), solid(trousers), { ...o, part1: L.leg });
  const torsoTop = ground - h * 0.8;
  b.add(rect(x - h * 0.11, torsoTop, x + h * 0.11, legTop + 0.002), solid(shirt), { ...o, part1: L.torso });
  b.add(rect(x - h * 0.17, torsoTop, x - h * 0.11, torsoTop + h * 0.3), solid(shirt), { ...o, part1: L.arm });
  b.add(rect(x + h * 0.11, torsoTop, x + h * 0.17, torsoTop + h * 0.3), solid(shirt), { ...o, part1: L.arm });
  const headR = h * 0.1;
  const hy = torsoTop - headR * 0.95;
  b.add(ellipse(x, hy, headR, headR), solid(skin), { ...o, part1: L.head });
  for (const ex of [x - headR * 0.4, x + headR * 0.4]) {
    b.add(ellipse(ex, hy - headR * 0.15, headR * 0.2, headR * 0.2), solid(b.jitter(DRAW.black)), { ...o, part1: L.head, part2: L.eye });
  }
}

function ball(b: Builder, x: number, y: number, r: number): void {
  const a = b.vivid();
  const fill: Fill = b.chance(0.3) ? { a, b: b.jitter(DRAW.white), patterns: [{ kind: 'stripes', angle: 0.3, period: r * 0.8, duty: 0.3 }] } : solid(a);
  b.add(ellipse(x, y, r, r), fill, { object: L.ball, instance: b.nextInstance() });
}

function bird(b: Builder, x: number, y: number, s: number): void {
  const inst = b.nextInstance();
  const o = { object: L.bird, instance: inst };
  const dir = b.chance(0.5) ? 1 : -1;
  b.add(ellipse(x, y, s, s * 0.55), solid(b.muted()), o);
  b.add(ellipse(x - dir * s * 0.1, y - s * 0.2, s * 0.55, s * 0.25), solid(b.muted()), { ...o, part1: L.wing });
  const hx = x + dir * s * 0.95;
  b.add(triangle(hx, y - s * 0.25, hx + dir * s * 0.45, y - s * 0.15, hx, y - s * 0.02), solid(b.jitter(DRAW.orange)), { ...o, part1: L.beak });
}

/** A building facade: windows (part, with a pane as second-level part), door, roof. */
function building(b: Builder, x0: number, x1: number, top: number, ground: number): void {
  const inst = b.nextInstance();
  const o = { object: L.building, instance: inst };
  const face = b.muted();
  const fill: Fill = b.chance(0.4) ? { a: face, b: MORTAR, patterns: [{ kind: 'brick', width: 0.08, height: 0.035, mortar: 0.006 }] } : solid(face);
  b.add(rect(x0, top, x1, ground), fill, o);
  if (b.chance(0.5)) {
    b.add(triangle(x0 - 0.01, top + 0.001, (x0 + x1) / 2, top - (x1 - x0) * 0.35, x1 + 0.01, top + 0.001), solid(b.jitter(DRAW[b.rng.pick(['brown', 'black', 'grey'] as const)])), { ...o, part1: L.roof });
  }
  const w = x1 - x0;
  const cols = Math.max(1, Math.floor(w / 0.09));
  const rows = Math.max(1, Math.floor((ground - top - 0.12) / 0.09));
  const frame = b.jitter(DRAW[b.rng.pick(['white', 'grey'] as const)]);
  const glass = b.jitter(b.chance(0.5) ? GLASS : GLASS_DARK);
  const cw = w / cols;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const wx = x0 + c * cw + cw * 0.2;
      const wy = top + 0.03 + r * 0.09;
      b.add(rect(wx, wy, wx + cw * 0.6, wy + 0.06), solid(frame), { ...o, part1: L.window });
      b.add(rect(wx + cw * 0.08, wy + 0.008, wx + cw * 0.52, wy + 0.052), solid(glass), { ...o, part1: L.window, part2: L.pane });
    }
  }
  if (b.chance(0.9)) {
    const dw = Math.min(0.07, w * 0.3);
    const dx = x0 + b.range(0.1, 0.9) * (w - dw);
    const tag: LayerTag = 'building-door';
    b.add(rect(dx, ground - 0.1, dx + dw, ground), solid(b.jitter([120, 75, 40])), { ...o, part1: L.door, tag });
    b.add(rect(dx + dw * 0.7, ground - 0.055, dx + dw * 0.85, ground - 0.045), solid(b.jitter(DRAW.yellow)), { ...o, part1: L.door, part2: L.handle, tag });
  }
}

// ---- scene kinds ----

function street(b: Builder): void {
  const horizon = b.range(0.55, 0.65);
  sky(b, horizon);
  if (b.chance(0.3)) mountains(b, horizon);
  b.add(rect(0, horizon, 1, 1), { a: b.jitter(ROAD), b: shade(ROAD, 0.9), patterns: [{ kind: 'noise', scale: 30, seed: b.rng.uint32() }] }, { object: L.road, instance: b.nextInstance() });
  let x = b.range(-0.05, 0.05);
  while (x < 0.95) {
    const w = b.range(0.2, 0.35);
    building(b, x, Math.min(x + w, 1.05), b.range(0.12, horizon - 0.2), horizon + 0.02);
    x += w + b.range(0.02, 0.08);
  }
  if (b.chance(0.5)) tree(b, b.range(0.05, 0.95), horizon + 0.05, b.range(0.2, 0.3));
  const cars = b.rng.int(1, 4);
  for (let i = 0; i < cars; i++) {
    const w = b.range(0.2, 0.32);
    car(b, b.range(-0.05, 1 - w + 0.05), b.range(horizon + 0.15, 0.97), w);
  }
  if (b.chance(0.4)) person(b, b.range(0.1, 0.9), b.range(horizon + 0.08, 0.95), b.range(0.2, 0.3));
}

function highway(b: Builder): void {
  const horizon = b.range(0.4, 0.5);
  sky(b, horizon);
  if (b.chance(0.5)) mountains(b, horizon);
  b.add(rect(0, horizon, 1, 1), { a: b.jitter(GRASS), b: shade(GRASS, 0.85), patterns: [{ kind: 'noise', scale: 35, seed: b.rng.uint32() }] }, { object: L.grass, instance: b.nextInstance() });
  const vx = b.range(0.4, 0.6);
  b.add(triangle(vx, horizon, -0.4, 1.2, 1.4, 1.2), { a: b.jitter(ROAD), b: shade(ROAD, 0.9), patterns: [{ kind: 'noise', scale: 30, seed: b.rng.uint32() }] }, { object: L.road, instance: b.nextInstance() });
  const cars = b.rng.int(1, 4);
  for (let i = 0; i < cars; i++) {
    const ground = b.range(horizon + 0.12, 0.98);
    const w = 0.1 + 0.4 * (ground - horizon);
    car(b, vx + (b.range(-0.7, 0.7) * (ground - horizon)) - w / 2, ground, w);
  }
}

function park(b: Builder): void {
  const horizon = b.range(0.4, 0.6);
  sky(b, horizon);
  if (b.chance(0.4)) mountains(b, horizon);
  b.add(rect(0, horizon, 1, 1), { a: b.jitter(GRASS), b: shade(GRASS, 0.85), patterns: [{ kind: 'noise', scale: 35, seed: b.rng.uint32() }] }, { object: L.grass, instance: b.nextInstance() });
  // A house behind the trees: its small door makes `door` more frequent as a part than as an
  // object, while rooms' large doors keep its coverage larger as an object.
  if (b.chance(0.5)) {
    const x = b.range(0, 0.7);
    building(b, x, x + b.range(0.2, 0.3), horizon - b.range(0.2, 0.3), horizon + 0.02);
  }
  const trees = b.rng.int(1, 4);
  for (let i = 0; i < trees; i++) tree(b, b.range(0.05, 0.95), horizon + b.range(0.02, 0.1), b.range(0.25, 0.4));
  if (b.chance(0.4)) bird(b, b.range(0.15, 0.85), b.range(0.08, horizon - 0.1), b.range(0.04, 0.07));
  const people = b.rng.int(0, 3);
  for (let i = 0; i < people; i++) person(b, b.range(0.1, 0.9), b.range(horizon + 0.2, 0.98), b.range(0.3, 0.45));
  const balls = b.rng.int(1, 3);
  for (let i = 0; i < balls; i++) ball(b, b.range(0.1, 0.9), b.range(horizon + 0.1, 0.92), b.range(0.03, 0.08));
}

/** Indoor room: every region has a material except the sofa and the painting. */
function room(b: Builder, index: number): number {
  const showcase = index < SHOWCASE.length;
  const floorY = b.range(0.6, 0.75);
  const wallMaterial: MaterialName = b.chance(0.3) ? 'brick' : 'painted';
  b.add(rect(0, 0, 1, floorY), materialFill(b, wallMaterial), { object: L.wall, material: MATERIAL_LABEL[wallMaterial], instance: b.nextInstance() });
  const floorMaterial = b.rng.pick(['wood', 'tile', 'carpet'] as const);
  b.add(rect(0, floorY, 1, 1), materialFill(b, floorMaterial), { object: L.floor, material: MATERIAL_LABEL[floorMaterial], instance: b.nextInstance() });

  // A large door: door's coverage as an object outweighs its many small building doors.
  const doorW = b.range(0.16, 0.22);
  const doorX = b.chance(0.5) ? b.range(0.02, 0.12) : b.range(0.88 - doorW, 0.98 - doorW);
  const doorInst = b.nextInstance();
  b.add(rect(doorX, b.range(0.1, 0.2), doorX + doorW, floorY + 0.02), materialFill(b, 'wood'), { object: L.door, material: L.wood, instance: doorInst });
  b.add(ellipse(doorX + doorW * 0.8, floorY - 0.2, 0.012, 0.012), materialFill(b, 'metal'), { object: L.door, part1: L.handle, material: L.metal, instance: doorInst });

  // A window on the wall (dropped where it would make window's object coverage too large).
  const winX = b.range(0.3, 0.55);
  const winW = b.range(0.16, 0.24);
  const winY = b.range(0.08, 0.18);
  const winH = b.range(0.18, 0.26);
  const winInst = b.nextInstance();
  const tag: LayerTag = 'window-object';
  b.add(rect(winX, winY, winX + winW, winY + winH), materialFill(b, 'wood'), { object: L.window, material: L.wood, instance: winInst, tag });
  const panes = b.chance(0.5) ? 2 : 4;
  const pw = (winW - 0.03) / 2;
  const ph = panes === 4 ? (winH - 0.03) / 2 : winH - 0.02;
  for (let i = 0; i < panes; i++) {
    const px = winX + 0.01 + (i % 2) * (pw + 0.01);
    const py = winY + 0.01 + Math.floor(i / 2) * (ph + 0.01);
    b.add(rect(px, py, px + pw, py + ph), materialFill(b, 'glass'), { object: L.window, part1: L.pane, material: L.glass, instance: winInst, tag });
  }
  // Curtain: a fabric object whose pixels are exactly its fabric material pixels (the tie).
  if (showcase || b.chance(0.6)) {
    b.add(rect(winX + winW, winY - 0.02, winX + winW + 0.06, winY + winH + 0.08), materialFill(b, 'fabric'), { object: L.fabric, material: L.fabric, instance: b.nextInstance() });
  }
  if (b.chance(0.5)) {
    const px = b.range(0.62, 0.72);
    const a = b.vivid();
    b.add(rect(px, 0.12, px + 0.14, 0.28), { a, b: b.vivid(), patterns: [{ kind: 'noise', scale: 8, seed: b.rng.uint32() }] }, { object: L.painting, instance: b.nextInstance() });
  }
  const bedroom = b.chance(0.4);
  if (bedroom) {
    const bx = b.range(0.25, 0.45);
    const inst = b.nextInstance();
    b.add(rect(bx, floorY - 0.12, bx + 0.45, floorY + 0.12), solid(b.muted()), { object: L.bed, instance: inst });
    b.add(rect(bx + 0.02, floorY - 0.1, bx + 0.43, floorY + 0.1), materialFill(b, 'fabric'), { object: L.fabric, material: L.fabric, instance: b.nextInstance() });
  } else {
    const sx = b.range(0.3, 0.5);
    const inst = b.nextInstance();
    const c = b.muted();
    b.add(rect(sx, floorY - 0.16, sx + 0.35, floorY + 0.02), solid(shade(c, 0.85)), { object: L.sofa, instance: inst });
    b.add(rect(sx - 0.02, floorY - 0.06, sx + 0.37, floorY + 0.08), solid(c), { object: L.sofa, instance: inst });
  }
  // Table in front: top and two legs (leg: the same part label as a person's leg).
  const tx = b.range(0.15, 0.6);
  const ty = b.range(floorY + 0.08, 0.85);
  const tInst = b.nextInstance();
  b.add(rect(tx, ty, tx + 0.25, ty + 0.03), materialFill(b, 'wood'), { object: L.table, material: L.wood, instance: tInst });
  for (const lx of [tx + 0.015, tx + 0.215]) {
    b.add(rect(lx, ty + 0.03, lx + 0.02, ty + 0.13), materialFill(b, 'wood'), { object: L.table, part1: L.leg, material: L.wood, instance: tInst });
  }
  if (b.chance(0.6)) {
    const lx = b.chance(0.5) ? b.range(0.05, 0.2) : b.range(0.8, 0.92);
    const inst = b.nextInstance();
    b.add(rect(lx - 0.008, floorY - 0.3, lx + 0.008, floorY + 0.05), materialFill(b, 'metal'), { object: L.lamp, material: L.metal, instance: inst });
    b.add(triangle(lx - 0.06, floorY - 0.28, lx, floorY - 0.42, lx + 0.06, floorY - 0.28), solid(b.jitter(DRAW[b.rng.pick(['white', 'yellow', 'orange'] as const)])), { object: L.lamp, part1: L.shade, instance: inst });
  }
  if (b.chance(0.3)) {
    b.add(ellipse(b.range(0.3, 0.7), b.range(0.88, 0.95), 0.16, 0.05), materialFill(b, 'fabric'), { object: L.fabric, material: L.fabric, instance: b.nextInstance() });
  }
  return bedroom ? L.bedroom : L.livingRoom;
}

/** Pascal-like: one or two large objects on an unlabelled, softly patterned background. */
function objects(b: Builder, index: number): void {
  const bg = b.muted();
  b.add(rect(0, 0, 1, 1), { a: bg, b: shade(bg, 0.8), patterns: [{ kind: 'noise', scale: 4, seed: b.rng.uint32() }] });
  const n = b.rng.int(1, 3);
  for (let i = 0; i < n; i++) {
    // The showcase's first object image shows both part levels: a car (wheel + hubcap) and a person.
    const what = index < SHOWCASE.length ? (i === 0 ? 'car' : 'person') : b.rng.pick(['car', 'person', 'ball', 'bird'] as const);
    const cx = n === 1 ? 0.5 : i === 0 ? 0.3 : 0.7;
    switch (what) {
      case 'car': car(b, cx - 0.3, b.range(0.75, 0.9), n === 1 ? 0.7 : 0.45); break;
      case 'person': person(b, cx, b.range(0.9, 0.98), b.range(0.7, 0.85)); break;
      case 'ball': ball(b, cx, b.range(0.4, 0.6), b.range(0.15, 0.25)); break;
      case 'bird': bird(b, cx, b.range(0.4, 0.6), b.range(0.15, 0.22)); break;
    }
  }
}

const SURFACE_MATERIALS: readonly MaterialName[] = ['wood', 'brick', 'tile', 'metal', 'glass', 'stone', 'painted', 'carpet'];

/** OpenSurfaces-like: 2–4 material patches; about one in five is drawn but left unlabelled. */
function surfaces(b: Builder): void {
  const vertical = b.chance(0.5);
  const cut = b.range(0.3, 0.7);
  const regions: Shape[] = vertical ? [rect(0, 0, cut, 1), rect(cut, 0, 1, 1)] : [rect(0, 0, 1, cut), rect(0, cut, 1, 1)];
  if (b.chance(0.6)) regions.push(triangle(b.range(0, 0.3), b.range(0.6, 1), b.range(0.3, 0.7), b.range(0.1, 0.4), b.range(0.7, 1), b.range(0.6, 1)));
  if (b.chance(0.4)) regions.push(ellipse(b.range(0.3, 0.7), b.range(0.3, 0.7), b.range(0.1, 0.2), b.range(0.1, 0.2)));
  for (const shape of regions) {
    const m = b.rng.pick(SURFACE_MATERIALS);
    b.add(shape, materialFill(b, m), { material: b.chance(0.8) ? MATERIAL_LABEL[m] : 0 });
  }
}

/** DTD-like: one or two texture patterns over the whole image, in two palette colours. */
function texture(b: Builder, index: number): number[] {
  const two = index < SHOWCASE.length ? index !== 8 : b.chance(0.3);
  const first = b.rng.pick(TEXTURE_NAMES);
  const names: TextureName[] = [first];
  if (two) {
    let second = b.rng.pick(TEXTURE_NAMES);
    while (second === first) second = b.rng.pick(TEXTURE_NAMES);
    names.push(second);
  }
  const ca = b.rng.pick(COLOR_NAMES);
  let cb = b.rng.pick(COLOR_NAMES);
  while (cb === ca) cb = b.rng.pick(COLOR_NAMES);
  b.add(rect(0, 0, 1, 1), { a: b.jitter(DRAW[ca]), b: b.jitter(DRAW[cb]), patterns: names.map((t) => texturePattern(b.rng, t)) });
  return names.map((t) => L[t]);
}

const SOURCE: Readonly<Record<SceneKind, string>> = {
  street: 'scenes', highway: 'scenes', park: 'scenes', room: 'scenes',
  objects: 'objects', surfaces: 'surfaces', texture: 'textures', empty: 'unlabelled',
};

/** The full description of image `index`: layers to draw and what its index.csv row holds. */
export function buildScene(seed: number, index: number): SceneSpec {
  const rng = imageRandom(seed, index);
  const kind = sceneKind(index, rng);
  const b = new Builder(rng);
  let scene: number[] = [];
  let textures: number[] = [];
  let maps = { color: true, object: true, part: true, material: false };
  let stem = `${kind}_${String(index + 1).padStart(6, '0')}`;
  switch (kind) {
    case 'street': street(b); scene = [L.street]; break;
    case 'highway': highway(b); scene = [L.highway]; break;
    case 'park': park(b); scene = [L.park]; break;
    case 'room': scene = [room(b, index)]; maps = { ...maps, material: true }; break;
    case 'objects': objects(b, index); break;
    case 'surfaces': surfaces(b); maps = { color: true, object: false, part: false, material: true }; break;
    case 'texture': {
      textures = texture(b, index);
      // Some texture rows carry nothing but the texture cell (index 8 in the showcase): they
      // vanish when a reader selects categories without texture.
      const withColor = index < SHOWCASE.length ? index !== 8 : b.chance(0.7);
      maps = { color: withColor, object: false, part: false, material: false };
      const first = TEXTURE_NAMES.find((t) => L[t] === textures[0]) ?? 'texture';
      stem = `${first}_${String(index + 1).padStart(6, '0')}`;
      break;
    }
    case 'empty': surfaces(b); maps = { color: false, object: false, part: false, material: false }; break;
  }
  const empty: SceneSpec['empty'] = kind !== 'empty' ? 'no' : (index === 5 || (index !== 12 && b.chance(0.5))) ? 'blank' : 'semicolons';
  // About one row in eight (and showcase rows 1-4, one of each kind) has empty `;` pieces.
  const quirks: readonly CellQuirk[] = ['none', 'trailing', 'double', 'leading', 'trailing'];
  const quirk: CellQuirk = index < 5 ? (quirks[index] as CellQuirk) : b.chance(0.125) ? b.rng.pick(['trailing', 'double', 'leading'] as const) : 'none';
  return {
    kind, source: SOURCE[kind], stem, split: b.chance(0.8) ? 'train' : 'val', layers: b.layers, maps,
    scene, texture: textures, empty, quirk,
  };
}
