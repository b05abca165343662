// The bytes of a model file, held once: read in one pass and hashed while they are read, into
// one ArrayBuffer with room at its end for the small fragments (extra outputs) a session appends.
// A session is created from the buffer by lending it to the inference worker (transferred, not
// copied) and getting it back once ONNX Runtime has parsed it, so a 500 MB model never exists
// twice in JavaScript memory.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Spare room after the file's bytes for appended fragments (outputs of a few thousand tensors). */
const SPARE = 1 << 20;
/** Bytes read per call; the next read runs while the previous chunk is hashed. */
const CHUNK = 8 << 20;

/** The buffer while it is lent to a worker: give it back (or report it lost) when done. */
export interface ModelLoan {
  readonly buffer: ArrayBuffer;
  /** File bytes plus the appended fragment. */
  readonly length: number;
  giveBack(buffer: ArrayBuffer | null): void;
}

export class ModelBytes {
  private buffer: ArrayBuffer | null;
  private lent = false;
  private released = false;
  private readonly waiting: (() => void)[] = [];

  constructor(buffer: ArrayBuffer, readonly length: number) {
    this.buffer = buffer;
  }

  /** The file's bytes (a view, valid until the next loan). Throws while they are lent out. */
  view(file: string): Uint8Array {
    if (this.lent || this.buffer === null) throw new Error(`${file}: the model's bytes are ${this.why()}`);
    return new Uint8Array(this.buffer, 0, this.length);
  }

  /**
   * Let go of the bytes once every session that needs them exists (a run's forward session holds
   * the model inside ONNX Runtime): the JavaScript copy is then garbage. Waits for a loan out.
   */
  async release(): Promise<void> {
    while (this.lent) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.buffer = null;
    this.released = true;
    this.waiting.shift()?.();
  }

  private why(): string {
    if (this.lent) return 'in use by a session being created';
    return this.released ? 'released (ModelBytes.release) after the sessions were created' : 'lost (a worker died holding them)';
  }

  /**
   * Lend the buffer with `fragment` written after the file's bytes. Waits while another loan is
   * out. A fragment larger than the spare room grows the buffer once (one copy, then the old
   * buffer is gone).
   */
  async lend(fragment: Uint8Array, file: string): Promise<ModelLoan> {
    while (this.lent) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.buffer === null) throw new Error(`${file}: the model's bytes are ${this.why()}; load the model again.`);
    const total = this.length + fragment.length;
    if (total > this.buffer.byteLength) {
      const grown = new ArrayBuffer(total + SPARE);
      new Uint8Array(grown).set(new Uint8Array(this.buffer, 0, this.length));
      this.buffer = grown;
    }
    new Uint8Array(this.buffer, this.length, fragment.length).set(fragment);
    this.lent = true;
    const buffer = this.buffer;
    this.buffer = null;
    let returned = false;
    return {
      buffer,
      length: total,
      giveBack: (b) => {
        if (returned) return;
        returned = true;
        this.buffer = this.released ? null : b;
        this.lent = false;
        this.waiting.shift()?.();
      },
    };
  }
}

/** What identifies the file that was read: a second read must find the same. */
export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly dev: number;
}

export interface ReadModel {
  readonly bytes: ModelBytes;
  readonly identity: FileIdentity;
}

const identityOf = (st: FileIdentity): FileIdentity => ({ size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev });
const sameFile = (a: FileIdentity, b: FileIdentity): boolean => a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.dev === b.dev;

/**
 * Read `file` once into one buffer (8 MiB per call). Throws the file system's error (the caller
 * names the file and says what to do).
 */
export async function readModelFile(file: string): Promise<ReadModel> {
  const handle = await open(file, 'r');
  try {
    const st = identityOf(await handle.stat());
    const size = st.size;
    const buffer = new ArrayBuffer(size + SPARE);
    const all = new Uint8Array(buffer);
    let pos = 0;
    while (pos < size) {
      const { bytesRead } = await handle.read(all, pos, Math.min(CHUNK, size - pos), pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
    }
    if (pos !== size) throw new Error(`the file changed while it was read (${pos} of ${size} bytes)`);
    return { bytes: new ModelBytes(buffer, size), identity: st };
  } finally {
    await handle.close();
  }
}

/** The model file changed between the read that loaded it and the read that hashed it. */
export class ModelFileChanged extends Error {}

/**
 * SHA-256 of the model file by a second, streaming read (8 MiB at a time, from the page cache
 * after the first read), meant to run while ONNX Runtime creates its session from the first
 * read's bytes: those are lent to its thread then (transferred, so not readable here), and its
 * binding takes no SharedArrayBuffer. The hash therefore costs no wall time next to a session
 * creation of any size, and needs no second copy of the weights. Rejects with ModelFileChanged
 * when the file is no longer the one that was read (size, modification time, inode).
 */
export async function hashModelFile(file: string, read: FileIdentity): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const changed = (): ModelFileChanged => new ModelFileChanged('the file changed after it was read');
    if (!sameFile(identityOf(await handle.stat()), read)) throw changed();
    const hash = createHash('sha256');
    const chunk = new Uint8Array(Math.min(CHUNK, Math.max(read.size, 1)));
    let pos = 0;
    while (pos < read.size) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, read.size - pos), pos);
      if (bytesRead === 0) break;
      hash.update(chunk.subarray(0, bytesRead));
      pos += bytesRead;
    }
    if (pos !== read.size || !sameFile(identityOf(await handle.stat()), read)) throw changed();
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}
