// One dissect per run directory: an exclusive lock file holding the owner's pid. A lock left by
// a crashed process (its pid no longer runs on this host) is taken over, never stuck forever.
// The lock appears with its content already in it (written to a temporary file, then hard-linked
// into place, which fails if the lock exists), so no one reads an empty lock and thinks it stale
// while its owner is still writing it.
import { hostname } from 'node:os';
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { RunDirError } from '../util/errors.js';
import { describeFsError } from '../util/fs-errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner recorded in a lock file; {} for garbage (not written by this version: nobody owns it). */
function readOwner(file: string): { pid?: number; host?: string } {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { pid?: number; host?: string };
  } catch {
    return {};
  }
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Make `file` appear with `tmp`'s content, failing with EEXIST if it exists: a hard link does it
 * atomically. File systems without hard links get an exclusive create, then the write; a reader
 * may then see it empty for a moment, which the caller treats as in use while it is young.
 */
function createWithContent(tmp: string, file: string): void {
  try {
    linkSync(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EXDEV') throw err;
    const fd = openSync(file, 'wx');
    try {
      writeSync(fd, readFileSync(tmp));
    } finally {
      closeSync(fd);
    }
  }
}

export class RunLock {
  private constructor(private readonly file: string) {}

  static acquire(runDir: string): RunLock {
    const file = path.join(runDir, '.lock');
    const tmp = path.join(runDir, `.lock.${process.pid}.tmp`);
    try {
      writeFileSync(tmp, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new RunDirError(`cannot create ${file}: ${describeFsError(err)}; choose another --out.`);
    }
    try {
      return RunLock.take(runDir, file, tmp);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  private static take(runDir: string, file: string, tmp: string): RunLock {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        createWithContent(tmp, file);
        return new RunLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new RunDirError(`cannot create ${file}: ${describeFsError(err)}; choose another --out.`);
        }
        // Move the lock aside before judging it: of two processes taking over the same stale lock,
        // only one moves it; the other moves the winner's fresh lock, sees it alive, puts it back.
        const aside = `${file}.${process.pid}.check`;
        try {
          renameSync(file, aside);
        } catch {
          continue; // gone meanwhile: try to take it again
        }
        const owner = readOwner(aside);
        // An unreadable lock younger than a few seconds may still be being written (see createWithContent).
        const fresh = owner.pid === undefined && Date.now() - mtimeOf(aside) < 10_000;
        if (fresh || (owner.pid !== undefined && ((owner.host !== undefined && owner.host !== hostname()) || alive(owner.pid)))) {
          try {
            linkSync(aside, file);
          } catch {
            // Someone took the free slot meanwhile; their lock stands.
          }
          rmSync(aside, { force: true });
          if (fresh) throw new RunDirError(`${runDir} is being locked by another netdissect process right now; wait for it to finish or use another --out.`);
          const elsewhere = owner.host !== undefined && owner.host !== hostname();
          throw new RunDirError(`${runDir} is in use by another netdissect process (pid ${owner.pid} on ${elsewhere ? owner.host : 'this host'}); wait for it to finish or use another --out${elsewhere ? ` (if that process is gone, delete ${file})` : ''}.`);
        }
        rmSync(aside, { force: true }); // stale: its owner is gone
      }
    }
    throw new RunDirError(`cannot lock ${runDir}: ${file} keeps reappearing; another process is competing for it.`);
  }

  release(): void {
    rmSync(this.file, { force: true });
  }
}
