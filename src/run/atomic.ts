// Atomic file writes: write a temporary file beside the target, flush it, rename it over the
// target. A reader (or a crash) sees the old file or the new one, never half of one.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { RunDirError } from '../util/errors.js';

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
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'ENOSPC' ? 'the disk is full; free space and rerun (the run resumes)'
      : e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS' ? 'the directory is not writable; choose another --out'
      : 'check the output directory';
    throw new RunDirError(`cannot write ${file}: ${e.code ?? e.message}; ${hint}.`);
  }
}
