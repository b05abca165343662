// Checkpoints of the forward pass, so a crashed or killed run resumes where it stopped. A
// checkpoint is the pass-1 state after a number of images: per layer the quantile pools, the top
// images and the list of candidate-cache segment files (already on disk), plus skipped images.
// It is written atomically (temporary file, rename): a crash leaves the previous checkpoint.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';

export interface LayerCheckpoint {
  readonly lowerBound: Float32Array;
  readonly maxValue: Float32Array;
  readonly pools: Float32Array[];
  readonly top: { image: number; max: number; map: Float32Array }[][];
  readonly segmentFiles: string[]; // relative to the cache directory
}

export interface Checkpoint {
  readonly identity: string; // digest of the run's settings; a mismatch means "not this run"
  readonly imagesDone: number;
  readonly skipped: { index: number; file: string; reason: string }[];
  readonly layers: LayerCheckpoint[];
}

const FILE = 'checkpoint.bin';
const MAGIC = 'NDCKPT1\n';

/**
 * Layout: MAGIC, uint32 header length, JSON header, then the float32 arrays in header order
 * (each 4-byte aligned by construction since the header is padded).
 */
export function writeCheckpoint(cacheDir: string, c: Checkpoint): void {
  const arrays: Float32Array[] = [];
  const layers = c.layers.map((l) => {
    const ref = (a: Float32Array): number => { arrays.push(a); return a.length; };
    return {
      lowerBound: ref(l.lowerBound),
      maxValue: ref(l.maxValue),
      pools: l.pools.map(ref),
      top: l.top.map((list) => list.map((t) => ({ image: t.image, max: t.max, map: ref(t.map) }))),
      segmentFiles: l.segmentFiles,
    };
  });
  let header = JSON.stringify({ identity: c.identity, imagesDone: c.imagesDone, skipped: c.skipped, layers });
  const magic = Buffer.from(MAGIC, 'latin1');
  while ((magic.length + 4 + Buffer.byteLength(header)) % 4 !== 0) header += ' ';
  const headerBuf = Buffer.from(header, 'utf8');
  const total = magic.length + 4 + headerBuf.length + arrays.reduce((a, x) => a + x.byteLength, 0);
  const out = Buffer.allocUnsafe(total);
  let o = magic.copy(out, 0);
  out.writeUInt32LE(headerBuf.length, o); o += 4;
  o += headerBuf.copy(out, o);
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o);
    o += a.byteLength;
  }
  writeFileAtomic(path.join(cacheDir, FILE), out);
}

/** The checkpoint in `cacheDir` for this identity, or null (none, unreadable, or another run's). */
export function readCheckpoint(cacheDir: string, identity: string): Checkpoint | null {
  const file = path.join(cacheDir, FILE);
  if (!existsSync(file)) return null;
  try {
    const buf = readFileSync(file);
    if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return null;
    let o = MAGIC.length;
    const hlen = buf.readUInt32LE(o); o += 4;
    const h = JSON.parse(buf.toString('utf8', o, o + hlen)) as {
      identity: string; imagesDone: number; skipped: Checkpoint['skipped'];
      layers: { lowerBound: number; maxValue: number; pools: number[]; top: { image: number; max: number; map: number }[][]; segmentFiles: string[] }[];
    };
    o += hlen;
    if (h.identity !== identity) return null;
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const take = (n: number): Float32Array => { const a = new Float32Array(ab, o, n); o += n * 4; return a; };
    const layers = h.layers.map((l) => ({
      lowerBound: take(l.lowerBound),
      maxValue: take(l.maxValue),
      pools: l.pools.map(take),
      top: l.top.map((list) => list.map((t) => ({ image: t.image, max: t.max, map: take(t.map) }))),
      segmentFiles: l.segmentFiles,
    }));
    if (o !== buf.length) return null;
    return { identity: h.identity, imagesDone: h.imagesDone, skipped: h.skipped, layers };
  } catch {
    return null; // a damaged checkpoint is not trusted: the run starts over
  }
}
