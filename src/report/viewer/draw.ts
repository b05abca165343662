// Drawing a unit's tile overlays in the browser from the data alone: the unit's mask is its
// activation map upsampled to the tile and thresholded exactly as the dissection does (the same
// maskAbove kernel, bundled from src/tally), then drawn as a transparent overlay on the photo
// (the photo itself is a CSS background from its sheet: a file:// image would taint a canvas).
import type { ReportData, ReportImage, ReportUnit } from '../report-data';
import { MaskScratch, maskAbove, upsamplePlan, type UpsamplePlan } from '../../tally/upsample';
import { outlineAt } from '../outline';
import { formulaMask } from '../formula-mask';
import { maskFromRuns, unpackFloat32 } from '../unpack';

const OUTLINE = [255, 208, 0] as const; // the unit's mask, as in the strips
const TRUTH = [0, 225, 255] as const; // the ground truth of its concept
const FORMULA = [255, 64, 200] as const; // the mask of its formula (netdissect explain)

const plans = new Map<string, UpsamplePlan>();
const scratch = new MaskScratch();
const maps = new WeakMap<ReportImage, Float32Array>();

function planFor(h: number, w: number, th: number, tw: number): UpsamplePlan {
  const key = `${h}x${w}>${th}x${tw}`;
  let p = plans.get(key);
  if (!p) plans.set(key, (p = upsamplePlan(h, w, th, tw)));
  return p;
}

/** The mask pixels (ascending indices into the th×tw tile) of `unit` in image `img`. */
export function unitMask(unit: ReportUnit, img: ReportImage, h: number, w: number, th: number, tw: number): Int32Array {
  let map = maps.get(img);
  if (!map) maps.set(img, (map = unpackFloat32(img.map)));
  const active = new Int32Array(th * tw);
  const n = maskAbove(planFor(h, w, th, tw), map, 0, unit.threshold, active, scratch);
  return active.subarray(0, n);
}

function paint(px: Uint8ClampedArray, p: number, rgb: readonly [number, number, number]): void {
  const d = p * 4;
  px[d] = rgb[0];
  px[d + 1] = rgb[1];
  px[d + 2] = rgb[2];
  px[d + 3] = 255;
}

/**
 * The grid overlay: black at (1 − dim) opacity outside the mask, clear inside, and a one-pixel
 * ring in the outline colour just outside the mask, so small regions stay visible on dark
 * photos once the tile is scaled down (the mask's own pixels are never covered).
 */
export function dimOverlay(mask: Int32Array, tw: number, th: number, dim: number): ImageData {
  const img = new ImageData(tw, th);
  const px = img.data;
  const alpha = Math.round((1 - dim) * 255);
  for (let i = 3; i < px.length; i += 4) px[i] = alpha;
  for (let i = 0; i < mask.length; i++) px[(mask[i] as number) * 4 + 3] = 0;
  for (let i = 0; i < mask.length; i++) {
    const p = mask[i] as number;
    const x = p % tw;
    if (x > 0 && px[(p - 1) * 4 + 3] !== 0) paint(px, p - 1, OUTLINE);
    if (x + 1 < tw && px[(p + 1) * 4 + 3] !== 0) paint(px, p + 1, OUTLINE);
    if (p >= tw && px[(p - tw) * 4 + 3] !== 0) paint(px, p - tw, OUTLINE);
    if (p + tw < tw * th && px[(p + tw) * 4 + 3] !== 0) paint(px, p + tw, OUTLINE);
  }
  return img;
}

/** The detail overlay: the ground truth's outline, then the mask's outline over it (both pixels
 *  of every adjacent pair straddling the mask edge, as the strips draw it). */
export function outlineOverlay(mask: Int32Array, tw: number, th: number, truth: Int32Array | null, formula: Int32Array | null = null): ImageData {
  const img = new ImageData(tw, th);
  const px = img.data;
  if (formula) for (let i = 0; i < formula.length; i++) paint(px, formula[i] as number, FORMULA);
  if (truth) for (let i = 0; i < truth.length; i++) paint(px, truth[i] as number, TRUTH);
  const inside = new Uint8Array(tw * th);
  for (let i = 0; i < mask.length; i++) inside[mask[i] as number] = 1;
  for (let i = 0; i < mask.length; i++) {
    const p = mask[i] as number;
    const x = p % tw;
    let edge = false;
    for (const [q, ok] of [
      [p - 1, x > 0],
      [p + 1, x + 1 < tw],
      [p - tw, p >= tw],
      [p + tw, p + tw < tw * th],
    ] as const) {
      if (ok && inside[q] === 0) {
        paint(px, q, OUTLINE);
        edge = true;
      }
    }
    if (edge) paint(px, p, OUTLINE);
  }
  return img;
}

/** The outline at tile size of the ground truth of the unit's label in image `img`, if known. */
export function truthOutline(data: ReportData, unit: ReportUnit, img: ReportImage, tw: number, th: number): Int32Array | null {
  const t = data.truths[`${img.image}:${unit.labelNumber}`];
  if (t === undefined || t === 'full') return null;
  return outlineAt(maskFromRuns(t.runs, t.h * t.w), t.h, t.w, { w: tw, h: th });
}

/** The outline at tile size of the unit's formula's mask in image `img` (null: no formula, its
 *  mask is empty or the whole image, or the dataset's labels are not in data.js). */
export function formulaOutline(data: ReportData, unit: ReportUnit, img: ReportImage, tw: number, th: number): Int32Array | null {
  const f = unit.formula;
  if (!f) return null;
  const m = formulaMask(f.labels.map((l) => data.truths[`${img.image}:${l}`]), f.ops);
  if (m === null || m === 'full') return null;
  return outlineAt(m.mask, m.h, m.w, { w: tw, h: th });
}
