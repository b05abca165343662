// The unit maps a finished run keeps for `explain` and `baseline`: every activation map whose
// maximum is above its unit's float32 threshold (only those have a non-empty mask, DESIGN.md
// 5.2), so formulas and shuffled-label baselines are counted without a second forward pass.
//
// File RUN_DIR/<layer>/unit-maps.seg, little-endian:
//   header  'NDKM' (4 bytes), uint32 version (1), uint32 mapSize (h·w)
//   blocks  int32 count, then count × int32 image, count × int32 unit (0-based),
//           count × float32 max, count × mapSize × float32 map (row-major h×w)
//   end     int32 0 (an empty block: the file is complete)
// Entries are in image order (then unit order within an image), as the candidate cache holds
// them. A block holds the entries of one aligned range of KEPT_BLOCK_IMAGES images
// ([32·j, 32·j + 32)), so the file's bytes depend only on its entries, not on how the run was
// batched, sharded or counted. Disk: (12 + 4·h·w) bytes per kept map; per image that is the number of units whose map
// passes the threshold on it times that (ResNet-18 layer4, 7×7: 208 bytes per kept map).
import { closeSync, openSync, readSync } from 'node:fs';
import { AtomicFile, removeStaleTemporaries } from '../run/atomic.js';
import type { Segment } from '../quantile/candidate-cache.js';
import { RunDirError } from '../util/errors.js';
import { describeFsError } from '../util/fs-errors.js';

/** The file's name in a layer's folder. */
export const KEPT_MAPS_FILE = 'unit-maps.seg';

const MAGIC = 0x4d4b444e; // 'NDKM' read as a little-endian uint32
const VERSION = 1;

export interface KeptMapsSummary {
  readonly entries: number;
  readonly bytes: number;
}

/** Images per block: block j holds the entries of images [j·32, j·32 + 32). */
export const KEPT_BLOCK_IMAGES = 32;

function view(a: Int32Array | Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Writes a unit-maps.seg file from entries given in image order, a block per aligned range of
 * images. Atomic: the file appears complete at finish(), never before; abort() leaves nothing.
 */
export class KeptMapsWriter {
  private readonly out: AtomicFile;
  private block = -1;
  private count = 0;
  private images = new Int32Array(256);
  private units = new Int32Array(256);
  private maxes = new Float32Array(256);
  private maps: Float32Array;
  private entries = 0;
  private bytes = 0;

  constructor(file: string, readonly mapSize: number) {
    this.maps = new Float32Array(256 * mapSize);
    // The run folder is locked: a temporary file of this name is what a killed run left.
    removeStaleTemporaries(file);
    this.out = new AtomicFile(file);
    this.put(new Int32Array(new Uint32Array([MAGIC, VERSION, mapSize]).buffer));
  }

  /** One entry: `image`'s map of `unit` at maps[offset .. offset + mapSize). Images never decrease. */
  add(image: number, unit: number, max: number, maps: Float32Array, offset: number): void {
    const block = Math.floor(image / KEPT_BLOCK_IMAGES);
    if (block !== this.block) {
      this.flush();
      this.block = block;
    }
    if (this.count === this.images.length) this.grow();
    const i = this.count++;
    this.images[i] = image;
    this.units[i] = unit;
    this.maxes[i] = max;
    const m = this.mapSize, dst = this.maps, at = i * m;
    for (let j = 0; j < m; j++) dst[at + j] = maps[offset + j] as number;
  }

  /** Every entry of a run of entries (a counting chunk's layer: already above the thresholds). */
  addAll(e: { readonly images: Int32Array; readonly units: Int32Array; readonly maxes: Float32Array; readonly maps: Float32Array }): void {
    for (let i = 0; i < e.images.length; i++) this.add(e.images[i] as number, e.units[i] as number, e.maxes[i] as number, e.maps, i * this.mapSize);
  }

  /** Write the end marker and put the file in place. */
  finish(): KeptMapsSummary {
    this.flush();
    this.put(new Int32Array([0]));
    this.out.commit();
    return { entries: this.entries, bytes: this.bytes };
  }

  /** Drop the unfinished file. */
  abort(): void {
    this.out.abort();
  }

  private flush(): void {
    const n = this.count;
    if (n === 0) return;
    this.put(new Int32Array([n]));
    this.put(this.images.subarray(0, n));
    this.put(this.units.subarray(0, n));
    this.put(this.maxes.subarray(0, n));
    this.put(this.maps.subarray(0, n * this.mapSize));
    this.entries += n;
    this.count = 0;
  }

  private grow(): void {
    const cap = this.images.length * 2;
    const im = new Int32Array(cap); im.set(this.images); this.images = im;
    const un = new Int32Array(cap); un.set(this.units); this.units = un;
    const mx = new Float32Array(cap); mx.set(this.maxes); this.maxes = mx;
    const mp = new Float32Array(cap * this.mapSize); mp.set(this.maps); this.maps = mp;
  }

  private put(part: Int32Array | Float32Array): void {
    this.out.write(view(part));
    this.bytes += part.byteLength;
  }
}

/**
 * Write the entries of `segments` whose max is strictly above float32(threshold of its unit)
 * (the strict `>` compared in float32, as counting does) to `file`, atomically.
 */
export function writeKeptMaps(file: string, segments: Iterable<Segment>, thresholds: Float64Array, mapSize: number): KeptMapsSummary {
  const t32 = Float32Array.from(thresholds);
  const out = new KeptMapsWriter(file, mapSize);
  try {
    for (const s of segments) {
      for (let i = 0; i < s.count; i++) {
        const unit = s.units[i] as number;
        if ((s.maxes[i] as number) > (t32[unit] as number)) out.add(s.images[i] as number, unit, s.maxes[i] as number, s.maps, i * mapSize);
      }
    }
    return out.finish();
  } catch (err) {
    out.abort();
    throw err;
  }
}

/** Where one image's entries lie: its block's file position and count, and its entry range. */
interface ImageEntries {
  readonly block: number;
  readonly count: number;
  readonly from: number;
  readonly to: number;
}

/**
 * Random access to one image's kept maps (an image's entries are contiguous within one block).
 * The index holds a few numbers per image; maps are read from the file when asked for.
 */
export class KeptMapsIndex {
  private readonly byImage = new Map<number, ImageEntries>();
  private readonly fd: number;

  constructor(file: string, readonly mapSize: number) {
    KeptMapsReader.open(file, mapSize);
    this.fd = openSync(file, 'r');
    let pos = 12;
    for (;;) {
      const c = new Int32Array(1);
      if (readSync(this.fd, view(c), 0, 4, pos) !== 4) throw new RunDirError(`${file}: truncated at byte ${pos} (no end marker); rerun \`netdissect dissect\`.`);
      const count = c[0] as number;
      if (count === 0) break;
      if (count < 0) throw new RunDirError(`${file}: corrupt block at byte ${pos} (count ${count}); rerun \`netdissect dissect\`.`);
      const images = new Int32Array(count);
      if (readSync(this.fd, view(images), 0, 4 * count, pos + 4) !== 4 * count) throw new RunDirError(`${file}: truncated block at byte ${pos}; rerun \`netdissect dissect\`.`);
      let from = 0;
      for (let i = 1; i <= count; i++) {
        if (i === count || images[i] !== images[from]) {
          const image = images[from] as number;
          if (this.byImage.has(image)) throw new RunDirError(`${file}: the maps of image ${image} are split over two blocks; rerun \`netdissect dissect\`.`);
          this.byImage.set(image, { block: pos, count, from, to: i });
          from = i;
        }
      }
      pos += 4 + count * (12 + 4 * mapSize);
    }
  }

  /** The units and maps kept for `image` (empty when none). */
  read(image: number): { units: Int32Array; maps: Float32Array } {
    const e = this.byImage.get(image);
    if (!e) return { units: new Int32Array(0), maps: new Float32Array(0) };
    const n = e.to - e.from;
    const units = new Int32Array(n);
    const maps = new Float32Array(n * this.mapSize);
    const base = e.block + 4;
    readSync(this.fd, view(units), 0, 4 * n, base + 4 * e.count + 4 * e.from);
    readSync(this.fd, view(maps), 0, 4 * n * this.mapSize, base + 12 * e.count + 4 * this.mapSize * e.from);
    return { units, maps };
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Reads a unit-maps.seg file block by block (one block in memory at a time). */
export class KeptMapsReader {
  readonly mapSize: number;
  private constructor(private readonly file: string, mapSize: number) {
    this.mapSize = mapSize;
  }

  /** Open `file` and check its header; `expectedMapSize` is the layer's h·w. */
  static open(file: string, expectedMapSize: number): KeptMapsReader {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (err) {
      throw new RunDirError(`${file}: ${describeFsError(err)}; this run kept no unit maps. Rerun \`netdissect dissect\` with a version that writes unit-maps.seg (explain and baseline need them).`);
    }
    try {
      const h = new Uint32Array(3);
      const n = readSync(fd, view(new Int32Array(h.buffer)), 0, 12, 0);
      if (n !== 12 || h[0] !== MAGIC) throw new RunDirError(`${file}: not a unit-maps file (bad header); rerun \`netdissect dissect\`.`);
      if (h[1] !== VERSION) throw new RunDirError(`${file}: unit-maps version ${h[1]}, this netdissect reads version ${VERSION}; rerun \`netdissect dissect\`.`);
      if (h[2] !== expectedMapSize) throw new RunDirError(`${file}: maps of ${h[2]} values, the layer's maps have ${expectedMapSize} (h·w); the file belongs to another layer or run.`);
      return new KeptMapsReader(file, expectedMapSize);
    } finally {
      closeSync(fd);
    }
  }

  /** The blocks in file order (image order). */
  *blocks(): Generator<Segment> {
    const fd = openSync(this.file, 'r');
    try {
      let pos = 12;
      const mapSize = this.mapSize;
      for (;;) {
        const c = new Int32Array(1);
        if (readSync(fd, view(c), 0, 4, pos) !== 4) throw new RunDirError(`${this.file}: truncated at byte ${pos} (no end marker); rerun \`netdissect dissect\`.`);
        pos += 4;
        const count = c[0] as number;
        if (count === 0) return;
        if (count < 0) throw new RunDirError(`${this.file}: corrupt block at byte ${pos - 4} (count ${count}); rerun \`netdissect dissect\`.`);
        const size = count * (12 + 4 * mapSize);
        const buf = new ArrayBuffer(size);
        if (readSync(fd, new Uint8Array(buf), 0, size, pos) !== size) throw new RunDirError(`${this.file}: truncated block at byte ${pos}; rerun \`netdissect dissect\`.`);
        pos += size;
        yield {
          count,
          images: new Int32Array(buf, 0, count),
          units: new Int32Array(buf, 4 * count, count),
          maxes: new Float32Array(buf, 8 * count, count),
          maps: new Float32Array(buf, 12 * count, count * mapSize),
        };
      }
    } finally {
      closeSync(fd);
    }
  }
}
