// What a synthetic scene is made of: layers painted in order, each a shape in unit coordinates
// (u right, v down, both in [0, 1)) with a fill and the labels its pixels carry. Resolution
// independent, so the photo (size²) and the label maps (sh×sw) come from one description.
import type { Rgb } from './palette.js';

export type Shape =
  | { readonly kind: 'rect'; readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number }
  | { readonly kind: 'ellipse'; readonly cx: number; readonly cy: number; readonly rx: number; readonly ry: number }
  | {
      readonly kind: 'triangle';
      readonly ax: number; readonly ay: number;
      readonly bx: number; readonly by: number;
      readonly cx: number; readonly cy: number;
    };

/** A two-colour pattern: t(u, v) in [0, 1] mixes colour a (t = 0) and colour b (t = 1). */
export type Pattern =
  | { readonly kind: 'stripes'; readonly angle: number; readonly period: number; readonly duty: number }
  | { readonly kind: 'waves'; readonly period: number; readonly amp: number; readonly freq: number }
  | { readonly kind: 'checker'; readonly period: number }
  | { readonly kind: 'brick'; readonly width: number; readonly height: number; readonly mortar: number }
  | { readonly kind: 'noise'; readonly scale: number; readonly seed: number }
  | { readonly kind: 'dots'; readonly period: number; readonly radius: number }
  | { readonly kind: 'grid'; readonly period: number; readonly width: number }
  | { readonly kind: 'zigzag'; readonly period: number; readonly amp: number; readonly duty: number }
  | { readonly kind: 'crosshatch'; readonly period: number; readonly width: number }
  | { readonly kind: 'bubbles'; readonly period: number; readonly seed: number }
  | { readonly kind: 'gradient'; readonly vertical: boolean }
  | { readonly kind: 'marble'; readonly scale: number; readonly seed: number };

export interface Fill {
  readonly a: Rgb;
  readonly b: Rgb;
  /** t is the largest t of these; none = solid colour a. */
  readonly patterns: readonly Pattern[];
}

/** Why a layer may be left out to keep a shared name's planned primary category (scene.ts). */
export type LayerTag = 'window-object' | 'building-door';

export interface Layer {
  readonly shape: Shape;
  readonly fill: Fill;
  /** Global label numbers its pixels carry (0 = none) in each pixel-level map. */
  readonly object: number;
  readonly part1: number;
  readonly part2: number;
  readonly material: number;
  /** Instance id of the object, written to the blue channel of object and part PNGs. */
  readonly instance: number;
  readonly tag?: LayerTag;
}

export function rect(x0: number, y0: number, x1: number, y1: number): Shape {
  return { kind: 'rect', x0, y0, x1, y1 };
}

export function ellipse(cx: number, cy: number, rx: number, ry: number): Shape {
  return { kind: 'ellipse', cx, cy, rx, ry };
}

export function triangle(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): Shape {
  return { kind: 'triangle', ax, ay, bx, by, cx, cy };
}

export function solid(c: Rgb): Fill {
  return { a: c, b: c, patterns: [] };
}

/** Bounding box [u0, v0, u1, v1] of a shape. */
export function bounds(s: Shape): [number, number, number, number] {
  switch (s.kind) {
    case 'rect':
      return [s.x0, s.y0, s.x1, s.y1];
    case 'ellipse':
      return [s.cx - s.rx, s.cy - s.ry, s.cx + s.rx, s.cy + s.ry];
    case 'triangle':
      return [
        Math.min(s.ax, s.bx, s.cx), Math.min(s.ay, s.by, s.cy),
        Math.max(s.ax, s.bx, s.cx), Math.max(s.ay, s.by, s.cy),
      ];
  }
}

/** Whether point (u, v) is inside the shape (rect: half-open; ellipse and triangle: closed). */
export function inside(s: Shape, u: number, v: number): boolean {
  switch (s.kind) {
    case 'rect':
      return u >= s.x0 && u < s.x1 && v >= s.y0 && v < s.y1;
    case 'ellipse': {
      const du = (u - s.cx) / s.rx;
      const dv = (v - s.cy) / s.ry;
      return du * du + dv * dv <= 1;
    }
    case 'triangle': {
      const d1 = (u - s.bx) * (s.ay - s.by) - (s.ax - s.bx) * (v - s.by);
      const d2 = (u - s.cx) * (s.by - s.cy) - (s.bx - s.cx) * (v - s.cy);
      const d3 = (u - s.ax) * (s.cy - s.ay) - (s.cx - s.ax) * (v - s.ay);
      const neg = d1 < 0 || d2 < 0 || d3 < 0;
      const pos = d1 > 0 || d2 > 0 || d3 > 0;
      return !(neg && pos);
    }
  }
}

/** A 32-bit integer hash of (x, y, seed): the basis of every noise, so nothing depends on call order. */
export function hash3(x: number, y: number, seed: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(seed | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function frac(x: number): number {
  return x - Math.floor(x);
}

/** Smooth value noise in [0, 1] on a lattice of `scale` cells per unit. */
function valueNoise(u: number, v: number, scale: number, seed: number): number {
  const x = u * scale;
  const y = v * scale;
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const k = 1 / 4294967296;
  const v00 = hash3(ix, iy, seed) * k;
  const v10 = hash3(ix + 1, iy, seed) * k;
  const v01 = hash3(ix, iy + 1, seed) * k;
  const v11 = hash3(ix + 1, iy + 1, seed) * k;
  const top = v00 + (v10 - v00) * sx;
  const bottom = v01 + (v11 - v01) * sx;
  return top + (bottom - top) * sy;
}

/** The pattern's mix value at (u, v), in [0, 1]. */
export function patternAt(p: Pattern, u: number, v: number): number {
  switch (p.kind) {
    case 'stripes': {
      const w = (u * Math.cos(p.angle) + v * Math.sin(p.angle)) / p.period;
      return frac(w) < p.duty ? 1 : 0;
    }
    case 'waves': {
      const w = (v + p.amp * Math.sin(2 * Math.PI * u * p.freq)) / p.period;
      return 0.5 + 0.5 * Math.sin(2 * Math.PI * w);
    }
    case 'checker':
      return (Math.floor(u / p.period) + Math.floor(v / p.period)) & 1;
    case 'brick': {
      const row = Math.floor(v / p.height);
      const x = frac((u + (row & 1 ? p.width / 2 : 0)) / p.width) * p.width;
      const y = v - row * p.height;
      return x < p.mortar || y < p.mortar ? 1 : 0;
    }
    case 'noise':
      return 0.65 * valueNoise(u, v, p.scale, p.seed) + 0.35 * valueNoise(u, v, p.scale * 3, p.seed + 1);
    case 'dots': {
      const dx = frac(u / p.period) - 0.5;
      const dy = frac(v / p.period) - 0.5;
      return dx * dx + dy * dy < (p.radius / p.period) ** 2 ? 1 : 0;
    }
    case 'grid': {
      const w = p.width / p.period;
      return frac(u / p.period) < w || frac(v / p.period) < w ? 1 : 0;
    }
    case 'zigzag': {
      const tri = Math.abs(frac(u / p.period) * 2 - 1);
      return frac((v + p.amp * tri) / p.period) < p.duty ? 1 : 0;
    }
    case 'crosshatch': {
      const w = p.width / p.period;
      return frac((u + v) / p.period) < w || frac((u - v) / p.period) < w ? 1 : 0;
    }
    case 'bubbles': {
      // One ring per cell, centre and radius from the cell's hash, kept inside its cell.
      const cx = Math.floor(u / p.period);
      const cy = Math.floor(v / p.period);
      const h = hash3(cx, cy, p.seed);
      const r = (0.2 + 0.2 * ((h & 255) / 255)) * p.period;
      const ox = (0.5 + 0.1 * (((h >>> 8) & 255) / 255 - 0.5)) * p.period;
      const oy = (0.5 + 0.1 * (((h >>> 16) & 255) / 255 - 0.5)) * p.period;
      const d = Math.hypot(u - cx * p.period - ox, v - cy * p.period - oy);
      return Math.abs(d - r) < 0.12 * p.period ? 1 : 0;
    }
    case 'gradient':
      return (p.vertical ? v : u) * 0.8 + 0.2 * valueNoise(u, v, 60, 7);
    case 'marble': {
      const n = valueNoise(u, v, p.scale, p.seed) + 0.5 * valueNoise(u, v, p.scale * 2, p.seed + 3);
      return 0.5 + 0.5 * Math.sin(2 * Math.PI * (u * 3 + v * 1.5 + 2.5 * n));
    }
  }
}
