// PNG files assembled byte by byte from scanlines written out in the test, so decoder tests check
// against expected values that no PNG library produced (PNG spec: signature, chunks with CRC-32,
// IDAT = zlib stream of filter byte + scanline per row).
import { crc32, deflateSync } from 'node:zlib';

export interface PngSpec {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: 1 | 2 | 4 | 8 | 16;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  readonly colorType: 0 | 2 | 3 | 4 | 6;
  /** Per row: the filter type byte (0 none, 1 Sub, 2 Up, ...) and the row's bytes after filtering. */
  readonly rows: readonly (readonly [number, readonly number[]])[];
  /** PLTE entries, [r, g, b] each. */
  readonly palette?: readonly (readonly [number, number, number])[];
  /** Extra ancillary chunks placed before IDAT (e.g. iCCP), as [type, data]. */
  readonly chunks?: readonly (readonly [string, Uint8Array])[];
}

/** One PNG chunk: length, type, data, CRC. */
export function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** The PNG file for `spec`. */
export function pngBytes(spec: PngSpec): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(spec.width, 0);
  ihdr.writeUInt32BE(spec.height, 4);
  ihdr[8] = spec.bitDepth;
  ihdr[9] = spec.colorType; // compression 0, filter method 0, no interlace follow as zeros
  const raw = Buffer.from(spec.rows.flatMap(([filter, bytes]) => [filter, ...bytes]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(spec.palette ? [chunk('PLTE', Buffer.from(spec.palette.flat()))] : []),
    ...(spec.chunks ?? []).map(([type, data]) => chunk(type, data)),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** The chunks of a PNG file as [type, data], in file order (to lift e.g. an iCCP chunk). */
export function pngChunks(file: Uint8Array): [string, Buffer][] {
  const b = Buffer.from(file);
  const out: [string, Buffer][] = [];
  for (let at = 8; at + 12 <= b.length;) {
    const len = b.readUInt32BE(at);
    out.push([b.toString('latin1', at + 4, at + 8), b.subarray(at + 8, at + 8 + len)]);
    at += 12 + len;
  }
  return out;
}
