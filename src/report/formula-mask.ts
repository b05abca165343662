// A formula's mask in one image: the formula (left-deep, as `netdissect explain` writes it)
// applied pixel by pixel to its labels' masks at label resolution. Shared by the viewer (which
// outlines it on the unit view's top images) and its tests.
import type { ReportTruth } from './report-data.js';
import { maskFromRuns } from './unpack.js';

export type FormulaOp = 'or' | 'and' | 'andnot';

/**
 * `truths[i]`: label i's truth in the image (undefined: the label is absent there, an empty mask;
 * 'full': an image-level label). Returns the mask at label resolution with its size, 'full' when
 * every pixel is in it, or null when no label has a size to give it (all absent or image-level).
 */
export function formulaMask(truths: readonly (ReportTruth | undefined)[], ops: readonly FormulaOp[]): { readonly h: number; readonly w: number; readonly mask: Uint8Array } | 'full' | null {
  const sized = truths.find((t): t is Exclude<ReportTruth, 'full'> => t !== undefined && t !== 'full');
  if (!sized) {
    // Without a pixel map the formula is all or nothing over the image.
    let all = truths[0] === 'full';
    ops.forEach((op, i) => {
      const b = truths[i + 1] === 'full';
      all = op === 'or' ? all || b : op === 'and' ? all && b : all && !b;
    });
    return all ? 'full' : null;
  }
  const n = sized.h * sized.w;
  const maskOf = (t: ReportTruth | undefined): Uint8Array =>
    t === undefined ? new Uint8Array(n) : t === 'full' ? new Uint8Array(n).fill(1) : maskFromRuns(t.runs, n);
  const out = maskOf(truths[0]);
  ops.forEach((op, i) => {
    const b = maskOf(truths[i + 1]);
    for (let p = 0; p < n; p++) {
      const a = out[p] as number;
      const q = b[p] as number;
      out[p] = op === 'or' ? a | q : op === 'and' ? a & q : a & (1 - q);
    }
  });
  return out.every((v) => v === 1) ? 'full' : { h: sized.h, w: sized.w, mask: out };
}
