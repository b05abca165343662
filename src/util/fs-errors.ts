// File-system errors in words: an errno code alone ("EROFS") tells a user little. One table, used
// wherever the run directory is written, so every such failure reads the same.

const WORDS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'it already exists',
  ENOENT: 'no such file or folder',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** `ENOSPC (no space left on the device)`, or the error's message when it has no known code. */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code !== undefined) return WORDS[e.code] ? `${e.code} (${WORDS[e.code]})` : e.code;
  return e?.message ?? String(err);
}

/** What to do about a failed write into the run directory. */
export function writeHint(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'free some space and rerun the same command (it resumes from its last checkpoint, if any)';
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return 'the output folder is not writable; choose another --out';
  return 'check the output folder and rerun the same command';
}
