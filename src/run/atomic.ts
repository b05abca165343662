// Atomic file writes: write a temporary file beside the target, flush it, rename it over the
// target. A reader (or a crash) sees the old file or the new one, never half of one.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { RunDirError } from '../util/errors.js';
import { describeFsError, writeHint } from '../util/fs-errors.js';

/**
 * `sync: false` leaves the flush to the caller (syncFile): for scratch files that a later,
 * synced checkpoint lists, and whose checksums are verified before any use, so a file lost to a
 * crash is redone, never trusted.
 */
export function writeFileAtomic(
  file: string, data: string | Uint8Array | ((write: (bytes: Uint8Array) => void) => void), opts: { readonly sync?: boolean } = {},
): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const write = (buf: Uint8Array): void => {
        let off = 0;
        while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      };
      // A function writes its content piece by piece (no single buffer of it all).
      if (typeof data === 'function') data(write);
      else write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      if (opts.sync !== false) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true }); // a half-written temporary file is garbage; a full disk needs the space
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
