// Atomic file writes: write a temporary file beside the target, flush it, rename it over the
// target. A reader (or a crash) sees the old file or the new one, never half of one.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { RunDirError } from '../util/errors.js';
import { describeFsError, writeHint } from '../util/fs-errors.js';

/**
 * A file written piece by piece under a temporary name beside `file`, renamed over it only by
 * commit(): a reader (or a crash) sees the old file or the new one, never half of one. For a
 * file written over a long stretch of a run (unit-maps.seg, filled while counting); abort()
 * removes the temporary file.
 */
export class AtomicFile {
  private readonly tmp: string;
  private fd: number | null = null;

  constructor(readonly file: string) {
    this.tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (err) {
      throw this.failed(err);
    }
  }

  write(buf: Uint8Array): void {
    if (this.fd === null) throw new Error(`internal: ${this.file} was already committed or aborted`);
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    } catch (err) {
      throw this.failed(err);
    }
  }

  /**
   * Flush (unless `sync: false`, which leaves it to the caller: for scratch files that a later,
   * synced checkpoint lists, and whose checksums are verified before any use, so a file lost to
   * a crash is redone, never trusted) and rename into place.
   */
  commit(opts: { readonly sync?: boolean } = {}): void {
    if (this.fd === null) throw new Error(`internal: ${this.file} was already committed or aborted`);
    try {
      try {
        if (opts.sync !== false) fsyncSync(this.fd);
      } finally {
        closeSync(this.fd);
        this.fd = null;
      }
      renameSync(this.tmp, this.file);
    } catch (err) {
      throw this.failed(err);
    }
  }

  /** Close and remove the temporary file (nothing happens to `file`); idempotent. */
  abort(): void {
    if (this.fd !== null) {
      try { closeSync(this.fd); } catch { /* closing is all that is left to try */ }
      this.fd = null;
    }
    rmSync(this.tmp, { force: true });
  }

  /** The error to throw: the temporary file removed (a full disk needs the space), the file named. */
  private failed(err: unknown): Error {
    this.abort();
    if (err instanceof RunDirError) return err;
    return new RunDirError(`cannot write ${this.file}: ${describeFsError(err)}; ${writeHint(err)}.`);
  }
}

/**
 * Remove temporary files of `file` that a killed process left behind (AtomicFile names them
 * `.<name>.<pid>.tmp`). Only for files no other process may be writing (a locked run folder).
 */
export function removeStaleTemporaries(file: string): void {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // no folder, no leftovers
  }
  for (const n of names) if (n.startsWith(prefix) && n.endsWith('.tmp')) rmSync(path.join(dir, n), { force: true });
}

/** Write `data` (or what the function writes, piece by piece) to `file` atomically (AtomicFile). */
export function writeFileAtomic(
  file: string, data: string | Uint8Array | ((write: (bytes: Uint8Array) => void) => void), opts: { readonly sync?: boolean } = {},
): void {
  const out = new AtomicFile(file);
  try {
    // A function writes its content piece by piece (no single buffer of it all).
    if (typeof data === 'function') data((bytes) => out.write(bytes));
    else out.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    out.commit(opts);
  } catch (err) {
    out.abort();
    if (err instanceof RunDirError) throw err; // e.g. a damaged input met while writing: already said
    throw new RunDirError(`cannot write ${file}: ${describeFsError(err)}; ${writeHint(err)}.`);
  }
}

/** Flush a file written with `sync: false` to disk. */
export function syncFile(file: string): void {
  try {
    const fd = openSync(file, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new RunDirError(`cannot write ${file}: ${describeFsError(err)}; ${writeHint(err)}.`);
  }
}
