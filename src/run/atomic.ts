// Atomic file writes: write a temporary file beside the target, flush it, rename it over the
// target. A reader (or a crash) sees the old file or the new one, never half of one.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { RunDirError } from '../util/errors.js';
import { describeFsError, writeHint } from '../util/fs-errors.js';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true }); // a half-written temporary file is garbage; a full disk needs the space
    throw new RunDirError(`cannot write ${file}: ${describeFsError(err)}; ${writeHint(err)}.`);
  }
}
