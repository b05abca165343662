// Colours of the synthetic dataset: what is drawn, and how a drawn colour is named (one of the
// 11 Broden colour labels). The drawing palette keeps one promise hand-built test units rely
// on: only red reaches R > 240, only green G > 240, only blue B > 240 (see VIVID_MIN, MUTED_MAX).
import { COLOR_NAMES, L, type ColorName } from './plan.js';

export type Rgb = readonly [number, number, number];

/** Colours objects are drawn in, before a small jitter (at most JITTER per channel). */
export const DRAW: Readonly<Record<ColorName, Rgb>> = {
  black: [22, 22, 22],
  blue: [30, 70, 252],
  brown: [128, 78, 40],
  green: [30, 252, 70],
  grey: [128, 128, 128],
  orange: [222, 132, 28],
  pink: [222, 152, 190],
  purple: [128, 52, 172],
  red: [252, 28, 28],
  white: [222, 222, 222],
  yellow: [222, 206, 48],
};

/** Reference colours a pixel is named by (nearest, in RGB). */
const REFERENCE: Readonly<Record<ColorName, Rgb>> = {
  black: [30, 30, 30],
  blue: [45, 85, 215],
  brown: [125, 80, 45],
  green: [50, 170, 55],
  grey: [128, 128, 128],
  orange: [235, 140, 35],
  pink: [235, 160, 195],
  purple: [125, 55, 165],
  red: [215, 40, 40],
  white: [228, 228, 228],
  yellow: [232, 212, 55],
};

/** Largest per-channel jitter added to a drawn colour (per region, not per pixel). */
export const JITTER = 4;
/** Largest per-pixel noise amplitude added to every image pixel. */
export const PIXEL_NOISE = 3;
/** A vivid primary's own channel is at least this after jitter and noise (252 − 4 − 3). */
export const VIVID_MIN = 245;
/**
 * Every other drawn channel is at most this: base colours keep every other channel at most
 * MUTED_BASE_MAX, plus jitter and noise. Patterns mix two such colours, never brighten.
 */
export const MUTED_MAX = 229;
export const MUTED_BASE_MAX = 222;

// A pixel is named when its nearest reference is close enough and clearly nearer than the
// second nearest; otherwise it stays unlabelled, as ambiguous pixels do in Broden.
const MAX_DISTANCE_SQ = 95 * 95;
const MIN_MARGIN = 12;

const REF_FLAT = new Float64Array(COLOR_NAMES.length * 3);
const REF_LABEL = new Uint16Array(COLOR_NAMES.length);
COLOR_NAMES.forEach((name, i) => {
  const c = REFERENCE[name];
  REF_FLAT[i * 3] = c[0];
  REF_FLAT[i * 3 + 1] = c[1];
  REF_FLAT[i * 3 + 2] = c[2];
  REF_LABEL[i] = L[name];
});

/** The colour label number of an RGB value (0 = ambiguous or too far from every name). */
export function colorLabelOf(r: number, g: number, b: number): number {
  let best = Infinity;
  let second = Infinity;
  let bestIndex = 0;
  for (let i = 0; i < REF_LABEL.length; i++) {
    const dr = r - (REF_FLAT[i * 3] as number);
    const dg = g - (REF_FLAT[i * 3 + 1] as number);
    const db = b - (REF_FLAT[i * 3 + 2] as number);
    const d = dr * dr + dg * dg + db * db;
    if (d < best) {
      second = best;
      best = d;
      bestIndex = i;
    } else if (d < second) {
      second = d;
    }
  }
  if (best > MAX_DISTANCE_SQ) return 0;
  if (Math.sqrt(second) - Math.sqrt(best) < MIN_MARGIN) return 0;
  return REF_LABEL[bestIndex] as number;
}

/** Scale a colour towards black (pattern shading never brightens, so the channel caps hold). */
export function shade(c: Rgb, factor: number): Rgb {
  return [Math.round(c[0] * factor), Math.round(c[1] * factor), Math.round(c[2] * factor)];
}
