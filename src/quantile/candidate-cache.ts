// The candidate cache: every activation map that may reach its unit's threshold (max ≥ the
// unit's lower bound when it was seen), with its image index, in image order. Pass 2 counts
// from it alone, so the model runs once. Segments past the memory budget spill to disk in an
// append-only file format; they are read back in order.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { RunDirError } from '../util/errors.js';
import { describeFsError, writeHint } from '../util/fs-errors.js';
import { ArrayReader, readPackedFile, writePackedFile } from '../run/packed-file.js';
import { syncFile } from '../run/atomic.js';

/** Entries of one layer from consecutive images, ordered by image then unit. */
export interface Segment {
  readonly count: number;
  readonly images: Int32Array;
  readonly units: Int32Array;
  readonly maxes: Float32Array;
  readonly maps: Float32Array; // count × mapSize
}

/** Collects the entries of one batch for one layer. */
export class SegmentBuilder {
  private images: Int32Array;
  private units: Int32Array;
  private maxes: Float32Array;
  private maps: Float32Array;
  private n = 0;

  constructor(private readonly mapSize: number, capacity = 256) {
    this.images = new Int32Array(capacity);
    this.units = new Int32Array(capacity);
    this.maxes = new Float32Array(capacity);
    this.maps = new Float32Array(capacity * mapSize);
  }

  add(image: number, unit: number, max: number, src: Float32Array, offset: number): void {
    if (this.n === this.images.length) this.grow();
    const i = this.n++;
    this.images[i] = image;
    this.units[i] = unit;
    this.maxes[i] = max;
    // An element loop, not set(subarray()): maps are small (49 values for 7×7) and a subarray
    // view per map is garbage the collector must chase, tens of thousands of times per batch.
    const maps = this.maps, m = this.mapSize, at = i * m;
    for (let j = 0; j < m; j++) maps[at + j] = src[offset + j] as number;
  }

  private grow(): void {
    const cap = this.images.length * 2;
    const im = new Int32Array(cap); im.set(this.images); this.images = im;
    const un = new Int32Array(cap); un.set(this.units); this.units = un;
    const mx = new Float32Array(cap); mx.set(this.maxes); this.maxes = mx;
    const mp = new Float32Array(cap * this.mapSize); mp.set(this.maps); this.maps = mp;
  }

  /** The collected entries, trimmed to size; the builder is reset. */
  finish(): Segment {
    const n = this.n;
    const seg: Segment = {
      count: n,
      images: this.images.slice(0, n),
      units: this.units.slice(0, n),
      maxes: this.maxes.slice(0, n),
      maps: this.maps.slice(0, n * this.mapSize),
    };
    this.n = 0;
    return seg;
  }
}

export function segmentBytes(s: Segment): number {
  return s.images.byteLength + s.units.byteLength + s.maxes.byteLength + s.maps.byteLength;
}

/**
 * Keep only entries whose map maximum reaches the unit's current lower bound. A segment that
 * would keep more than `keepAbove` of its entries is returned as it is: copying it to free a
 * little would cost more than holding the rest (on a long run most entries of a recent segment
 * stay candidates, and the budget then spills it whole).
 */
export function compactSegment(s: Segment, mapSize: number, lowerBound: Float32Array, keepAbove = 1): Segment {
  let keep = 0;
  for (let i = 0; i < s.count; i++) if ((s.maxes[i] as number) >= (lowerBound[s.units[i] as number] as number)) keep++;
  if (keep === s.count || keep > keepAbove * s.count) return s;
  const out: Segment = {
    count: keep,
    images: new Int32Array(keep),
    units: new Int32Array(keep),
    maxes: new Float32Array(keep),
    maps: new Float32Array(keep * mapSize),
  };
  let w = 0;
  // Maps move in runs of consecutive kept entries: one copy per run, not one view per entry.
  let runFrom = -1;
  const flush = (end: number): void => {
    if (runFrom < 0) return;
    out.maps.set(s.maps.subarray(runFrom * mapSize, end * mapSize), (w - (end - runFrom)) * mapSize);
    runFrom = -1;
  };
  for (let i = 0; i < s.count; i++) {
    const u = s.units[i] as number;
    if ((s.maxes[i] as number) < (lowerBound[u] as number)) {
      flush(i);
      continue;
    }
    if (runFrom < 0) runFrom = i;
    out.images[w] = s.images[i] as number;
    out.units[w] = u;
    out.maxes[w] = s.maxes[i] as number;
    w++;
  }
  flush(s.count);
  return out;
}

const SEGMENT_MAGIC = 'NDSEG01\n';

/**
 * A segment file: the packed-file container (JSON header, images and units as int32, maxes and
 * maps as float32, sha256), written atomically, so a crash leaves it whole or absent.
 */
export function writeSegmentFile(file: string, s: Segment, opts: { readonly sync?: boolean } = {}): void {
  writePackedFile(file, SEGMENT_MAGIC, { count: s.count }, [s.images, s.units, s.maxes, s.maps], opts);
}

/** Read a segment file back; a truncated or damaged file is refused with a message naming it. */
export function readSegmentFile(file: string, mapSize: number): Segment {
  const got = readPackedFile<{ count: number }>(file, SEGMENT_MAGIC);
  const bad = (why: string): RunDirError => new RunDirError(`the candidate-cache segment ${file} ${why}; it cannot be trusted. Rerun the same command with --restart to recompute the run.`);
  if (got === null) throw bad('is missing');
  if (!got.ok) throw bad(`is damaged: ${got.reason}`);
  const r = new ArrayReader(got.arrays);
  const seg = { count: got.header.count, images: r.i32(), units: r.i32(), maxes: r.f32(), maps: r.f32() };
  if (seg.images.length !== seg.count || seg.maps.length !== seg.count * mapSize) throw bad('does not match this layer\'s map size');
  return seg;
}

/** A segment is copied by compaction only when at most this fraction of it stays. */
const WORTH_COMPACTING = 0.75;

/** A layer's cache: segments in image order, in memory, on disk, or both. */
export class CandidateCache {
  private readonly slots: { mem: Segment | null; file: string | null }[] = [];
  private memory = 0;
  /** Segment files written since the last persist(), not yet flushed to disk. */
  private readonly unsynced: string[] = [];
  spilledBytes = 0;

  constructor(readonly mapSize: number, private readonly dir: string, readonly name: string) {}

  get bytesInMemory(): number {
    return this.memory;
  }

  push(s: Segment): void {
    this.slots.push({ mem: s, file: null });
    this.memory += segmentBytes(s);
  }

  /** Drop in-memory entries that fell below their unit's lower bound. */
  compact(lowerBound: Float32Array): void {
    this.memory = 0;
    for (const slot of this.slots) {
      if (!slot.mem) continue;
      slot.mem = compactSegment(slot.mem, this.mapSize, lowerBound, WORTH_COMPACTING);
      this.memory += segmentBytes(slot.mem);
    }
  }

  /**
   * Files of this cache carry a tag of their own, so two attempts at the same shard (a job
   * delivered twice) never write the same file: each attempt's state names only its own files.
   */
  private readonly tag = randomBytes(4).toString('hex');

  private fileFor(i: number): string {
    return `${this.name}-${this.tag}-${String(i).padStart(6, '0')}.seg`;
  }

  private write(i: number): void {
    const slot = this.slots[i]!;
    if (slot.file || !slot.mem) return;
    const file = this.fileFor(i);
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (err) {
      throw new RunDirError(`cannot create the candidate cache folder ${this.dir}: ${describeFsError(err)}; ${writeHint(err)}.`);
    }
    // Atomic: on failure (a full disk) the temporary file is removed and the error names the file.
    // Not flushed here: a spill needs no durability until a checkpoint lists the file (persist).
    writeSegmentFile(path.join(this.dir, file), slot.mem, { sync: false });
    this.unsynced.push(file);
    slot.file = file;
    this.spilledBytes += segmentBytes(slot.mem);
  }

  /** Move in-memory segments (oldest first) to disk until at most `targetBytes` stay in memory. */
  spill(targetBytes: number): void {
    for (let i = 0; i < this.slots.length && this.memory > targetBytes; i++) {
      const slot = this.slots[i]!;
      if (!slot.mem) continue;
      this.write(i);
      this.memory -= segmentBytes(slot.mem);
      slot.mem = null;
    }
  }

  /** Make every segment durable on disk (for a checkpoint); returns the files in order. */
  persist(): string[] {
    for (let i = 0; i < this.slots.length; i++) this.write(i);
    for (const f of this.unsynced) syncFile(path.join(this.dir, f));
    this.unsynced.length = 0;
    return this.slots.map((s) => s.file!);
  }

  /**
   * Why the segment files of a checkpoint cannot be used (missing, truncated, damaged), or null
   * when every one reads back with a valid checksum. Resume checks this before trusting them.
   */
  static verifyFiles(dir: string, files: readonly string[], mapSize: number): string | null {
    for (const f of files) {
      try {
        readSegmentFile(path.join(dir, f), mapSize);
      } catch (err) {
        return (err as Error).message;
      }
    }
    return null;
  }

  /** Continue from a checkpoint's segment files. */
  restore(files: readonly string[]): void {
    this.slots.length = 0;
    this.memory = 0;
    for (const f of files) this.slots.push({ mem: null, file: f });
  }

  /** Segments in order (on-disk ones read back one at a time). */
  *read(): Generator<Segment> {
    for (const s of this.slots) yield s.mem ?? readSegmentFile(path.join(this.dir, s.file!), this.mapSize);
  }
}

/** Walks a cache's entries in image order, one image range at a time. */
export class CacheCursor {
  private readonly it: Generator<Segment>;
  private seg: Segment | null = null;
  private pos = 0;

  constructor(cache: CandidateCache) {
    this.it = cache.read();
  }

  /** Calls `visit(segment, position)` for every remaining entry whose image is < `end`. */
  takeBefore(end: number, visit: (seg: Segment, pos: number) => void): void {
    for (;;) {
      if (!this.seg || this.pos >= this.seg.count) {
        const next = this.it.next();
        if (next.done) return;
        this.seg = next.value;
        this.pos = 0;
        continue;
      }
      if ((this.seg.images[this.pos] as number) >= end) return;
      visit(this.seg, this.pos);
      this.pos++;
    }
  }
}
