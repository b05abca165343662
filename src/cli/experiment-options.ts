// Option parsers shared by the experiment commands (stats, compare).
import { UsageError } from '../util/errors.js';

/** --iou-threshold: a number in [0, 1). */
export function parseIouThreshold(text: string): number {
  const v = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(v) || v < 0 || v >= 1) {
    throw new UsageError(`--iou-threshold '${text}' is not a number in [0, 1); the paper uses 0.04`);
  }
  return v;
}
