// Why an image file cannot be decoded, in words, from its bytes alone. Decoders' own messages are
// multi-line, cryptic ("libpng read error") and, for sharp under concurrency, sometimes just
// "Unknown error"; this structural check is deterministic, so a skipped image's reason recorded in
// run.json is the same on every run.

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let crcTable: Uint32Array | null = null;

/** CRC-32 as PNG chunks use it (ISO 3309, polynomial 0xEDB88320). */
function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = (crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)) >>> 0;
  return (c ^ 0xffffffff) >>> 0;
}

const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const hex = (v: number): string => `0x${v.toString(16).padStart(2, '0')}`;

/** Is this a PNG (by signature)? */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((v, i) => bytes[i] === v);
}

/** Is this a JPEG (by its start-of-image marker; what follows may be the damage)? */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8;
}

/** Other formats sharp reads; their damage is left to the decoder's message. */
function isOtherImage(b: Uint8Array): boolean {
  const ascii = String.fromCharCode(...b.subarray(0, 12));
  return ascii.startsWith('GIF8') || (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') || ascii.startsWith('BM')
    || ascii.startsWith('II*\0') || ascii.startsWith('MM\0*');
}

/** The first bytes as text when they are printable, else in hex: what the file really is. */
function preview(b: Uint8Array): string {
  const head = b.subarray(0, 16);
  const text = String.fromCharCode(...head);
  if (/^[\x20-\x7e\t\r\n]*$/.test(text)) return `'${text.replace(/[\r\n\t]+/g, ' ').trim()}${b.length > 16 ? '…' : ''}'`;
  return Array.from(head.subarray(0, 8), hex).join(' ');
}

/** Damage in a PNG's chunk structure, or null when every chunk is whole and checks out. */
export function diagnosePng(b: Uint8Array): string | null {
  if (!isPng(b)) return b.length === 0 ? 'the file is empty (0 bytes)' : `not a PNG file: it starts with ${preview(b)}`;
  let o = 8;
  while (o + 8 <= b.length) {
    const len = u32(b, o);
    const type = String.fromCharCode(...b.subarray(o + 4, o + 8));
    if (o + 12 + len > b.length) return `truncated PNG: chunk ${type} at byte ${o} needs ${len + 12} bytes, the file ends after ${b.length - o}`;
    if (crc32(b, o + 4, o + 8 + len) !== u32(b, o + 8 + len)) return `corrupt PNG: chunk ${type} at byte ${o} fails its CRC check`;
    if (type === 'IEND') return null;
    o += 12 + len;
  }
  return `truncated PNG: the file ends at byte ${b.length} before its IEND chunk`;
}

/** Damage in a JPEG's marker structure, or null when it looks whole (header, scan, end marker). */
export function diagnoseJpeg(b: Uint8Array): string | null {
  if (!isJpeg(b)) return b.length === 0 ? 'the file is empty (0 bytes)' : `not a JPEG file: it starts with ${preview(b)}`;
  let o = 2;
  for (;;) {
    if (o >= b.length) return `truncated JPEG: the file ends at byte ${b.length} inside its header, before any image data`;
    if (b[o] !== 0xff) return `corrupt JPEG header: expected a marker at byte ${o}, found ${hex(b[o]!)}`;
    while (o < b.length && b[o] === 0xff) o++; // fill bytes
    if (o >= b.length) continue;
    const marker = b[o]!;
    o++;
    if (marker === 0xd9) return 'corrupt JPEG: the end-of-image marker comes before any image data';
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (o + 2 > b.length) continue;
    const len = (b[o]! << 8) | b[o + 1]!;
    if (len < 2) return `corrupt JPEG header: segment ${hex(marker)} at byte ${o - 2} has length ${len}`;
    if (o + len > b.length) return `truncated JPEG: segment ${hex(marker)} at byte ${o - 2} runs past the end of the file (${b.length} bytes)`;
    o += len;
    if (marker === 0xda) break; // start of scan: entropy-coded data follows
  }
  // A whole file ends with the end-of-image marker (FF D9), possibly followed by padding.
  for (let i = b.length - 2; i >= o && i >= b.length - 1024; i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return null;
  return `truncated JPEG: the image data stops at byte ${b.length} without the end-of-image marker`;
}

/**
 * Why `bytes` cannot be decoded as an image, or null when the structure looks whole (then the
 * damage is inside compressed data, and only the decoder can say more).
 */
export function diagnoseImage(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return 'the file is empty (0 bytes)';
  if (isJpeg(bytes)) return diagnoseJpeg(bytes);
  if (isPng(bytes)) return diagnosePng(bytes);
  if (isOtherImage(bytes)) return null;
  return `not an image file: it starts with ${preview(bytes)}`;
}

/** A decoder's message on one line without library prefixes; a fixed phrase when it says nothing. */
export function cleanDecoderMessage(message: string): string {
  const first = (message.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '')
    .replace(/^Input (buffer|file) has corrupt header:\s*/i, '')
    .replace(/^(VipsJpeg|vipspng|VipsForeignLoad\w*|jpegload|pngload):\s*/i, '')
    .trim();
  return first === '' || /^unknown error$/i.test(first) ? 'the decoder rejects its data' : first;
}
