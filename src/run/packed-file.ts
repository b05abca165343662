// One binary container for everything a run keeps between stages and across crashes (forward-pass
// checkpoints, shard partials, merged thresholds, count partials): a JSON header and typed arrays,
// closed by a sha256 of all that precedes it. A file that is truncated, overwritten or bit-flipped
// fails its checksum and is never trusted; written atomically, it is either whole or absent.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';

export type PackedArray = Float32Array | Float64Array | Int32Array;

const KINDS = { f32: Float32Array, f64: Float64Array, i32: Int32Array } as const;
type Kind = keyof typeof KINDS;

function kindOf(a: PackedArray): Kind {
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  return 'f32';
}

/** Layout: magic (8 bytes), uint32 header length, JSON header (padded to 8), arrays (8-aligned), sha256 (32). */
export function packFile(magic: string, header: unknown, arrays: readonly PackedArray[]): Buffer {
  const { head } = packedHead(magic, header, arrays);
  let body = head.length;
  for (const a of arrays) body += align8(a.byteLength);
  const out = Buffer.alloc(body + 32);
  head.copy(out, 0);
  let o = head.length;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o);
    o += align8(a.byteLength);
  }
  createHash('sha256').update(out.subarray(0, body)).digest().copy(out, body);
  return out;
}

/** Magic, header length and the JSON header padded to 8 bytes: what precedes the arrays. */
function packedHead(magic: string, header: unknown, arrays: readonly PackedArray[]): { head: Buffer } {
  if (Buffer.byteLength(magic, 'latin1') !== 8) throw new Error(`internal: magic '${magic}' must be 8 bytes`);
  const descr = arrays.map((a) => [kindOf(a), a.length] as const);
  let json = JSON.stringify({ header, arrays: descr });
  while ((12 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const jsonBuf = Buffer.from(json, 'utf8');
  const head = Buffer.alloc(12 + jsonBuf.length);
  head.write(magic, 0, 'latin1');
  head.writeUInt32LE(jsonBuf.length, 8);
  jsonBuf.copy(head, 12);
  return { head };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

export function writePackedFile(file: string, magic: string, header: unknown, arrays: readonly PackedArray[], opts: { readonly sync?: boolean } = {}): void {
  // Streamed: the arrays go to the file (and the hash) one by one, never gathered into one
  // buffer, so a checkpoint of large pools costs no second copy of them in memory.
  writeFileAtomic(file, (write) => {
    const hash = createHash('sha256');
    const put = (bytes: Uint8Array): void => {
      hash.update(bytes);
      write(bytes);
    };
    const zeros = new Uint8Array(8);
    const { head } = packedHead(magic, header, arrays);
    put(head);
    for (const a of arrays) {
      put(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      const pad = align8(a.byteLength) - a.byteLength;
      if (pad > 0) put(zeros.subarray(0, pad));
    }
    write(hash.digest());
  }, opts);
}

/** Why a packed file could not be used. */
export type Unpacked<H> = { ok: true; header: H; arrays: PackedArray[] } | { ok: false; reason: string };

/** Parse and verify a packed buffer; `reason` says what is wrong (never throws). */
export function unpack<H>(buf: Uint8Array, magic: string): Unpacked<H> {
  if (buf.length < 12 + 32) return { ok: false, reason: `truncated (${buf.length} bytes)` };
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.toString('latin1', 0, 8) !== magic) return { ok: false, reason: 'not a file of this kind (wrong magic)' };
  const body = b.length - 32;
  const sum = createHash('sha256').update(b.subarray(0, body)).digest();
  if (!sum.equals(b.subarray(body))) return { ok: false, reason: 'checksum mismatch (truncated or damaged)' };
  const hlen = b.readUInt32LE(8);
  let parsed: { header: H; arrays: [Kind, number][] };
  try {
    parsed = JSON.parse(b.toString('utf8', 12, 12 + hlen)) as { header: H; arrays: [Kind, number][] };
  } catch {
    return { ok: false, reason: 'unreadable header' };
  }
  // Copy the payload once into an 8-aligned buffer so typed views need no per-array copies.
  const ab = new ArrayBuffer(body);
  new Uint8Array(ab).set(b.subarray(0, body));
  let o = 12 + hlen;
  const arrays: PackedArray[] = [];
  for (const [kind, length] of parsed.arrays) {
    const Ctor = KINDS[kind];
    const bytes = length * Ctor.BYTES_PER_ELEMENT;
    if (o + bytes > body) return { ok: false, reason: 'arrays run past the end' };
    arrays.push(new Ctor(ab, o, length));
    o += align8(bytes);
  }
  return { ok: true, header: parsed.header, arrays };
}

/** Read and verify a packed file; null when absent. */
export function readPackedFile<H>(file: string, magic: string): Unpacked<H> | null {
  if (!existsSync(file)) return null;
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  return unpack<H>(buf, magic);
}

/** Hands out arrays of an unpacked file in order, with their type checked. */
export class ArrayReader {
  private i = 0;
  constructor(private readonly arrays: readonly PackedArray[]) {}
  f32(): Float32Array { return this.take(Float32Array); }
  f64(): Float64Array { return this.take(Float64Array); }
  i32(): Int32Array { return this.take(Int32Array); }
  get done(): boolean { return this.i === this.arrays.length; }
  private take<T extends PackedArray>(Ctor: new (...a: never[]) => T): T {
    const a = this.arrays[this.i++];
    if (!(a instanceof Ctor)) throw new Error('packed file: arrays do not match the header');
    return a;
  }
}
