// Keeps the planned primary category of the shared names whatever the seed and image count:
// `window` must cover more as a part than as an object, `door` more as an object than as a
// part. Running pixel totals (integers, so exact) decide whether an image may keep its
// standalone window (tag window-object) or its building doors (tag building-door).
import { L } from './plan.js';
import type { LayerTag } from './layers.js';
import type { Raster } from './raster.js';

/** The weaker side may reach at most this fraction of the stronger (a clear margin in c_*.csv). */
const MAX_RATIO_NUM = 4;
const MAX_RATIO_DEN = 5;

interface Counts {
  windowObject: number;
  windowPart: number;
  doorObject: number;
  doorPart: number;
}

function countOf(r: Raster): Counts {
  const c: Counts = { windowObject: 0, windowPart: 0, doorObject: 0, doorPart: 0 };
  for (let p = 0; p < r.object.length; p++) {
    const o = r.object[p];
    const part = r.part1[p];
    if (o === L.window) c.windowObject++;
    else if (o === L.door) c.doorObject++;
    if (part === L.window) c.windowPart++;
    else if (part === L.door) c.doorPart++;
  }
  return c;
}

export class SharedNameBalance {
  private readonly total: Counts = { windowObject: 0, windowPart: 0, doorObject: 0, doorPart: 0 };

  /** Tags whose layers this image must leave out (then redraw it and call add). */
  excess(r: Raster): LayerTag[] {
    const c = countOf(r);
    const t = this.total;
    const out: LayerTag[] = [];
    if (c.windowObject > 0 && MAX_RATIO_DEN * (t.windowObject + c.windowObject) > MAX_RATIO_NUM * (t.windowPart + c.windowPart)) {
      out.push('window-object');
    }
    if (c.doorPart > 0 && MAX_RATIO_DEN * (t.doorPart + c.doorPart) > MAX_RATIO_NUM * (t.doorObject + c.doorObject)) {
      out.push('building-door');
    }
    return out;
  }

  add(r: Raster): void {
    const c = countOf(r);
    this.total.windowObject += c.windowObject;
    this.total.windowPart += c.windowPart;
    this.total.doorObject += c.doorObject;
    this.total.doorPart += c.doorPart;
  }
}
