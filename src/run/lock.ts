// One dissect per run directory: an exclusive lock file holding the owner's pid. A lock left by
// a crashed process (its pid no longer runs on this host) is taken over, never stuck forever.
import { hostname } from 'node:os';
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { RunDirError } from '../util/errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunLock {
  private constructor(private readonly file: string) {}

  static acquire(runDir: string): RunLock {
    const file = path.join(runDir, '.lock');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
        closeSync(fd);
        return new RunLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new RunDirError(`cannot create ${file}: ${(err as NodeJS.ErrnoException).code}; is the output directory writable?`);
        }
        let owner: { pid?: number; host?: string } = {};
        try {
          owner = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number; host?: string };
        } catch {
          // A lock being written right now, or garbage: treat as stale after a retry.
        }
        const sameHost = owner.host === undefined || owner.host === hostname();
        if (owner.pid !== undefined && (!sameHost || alive(owner.pid))) {
          throw new RunDirError(`${runDir} is in use by another netdissect process (pid ${owner.pid} on ${owner.host ?? 'this host'}); wait for it to finish or use another --out.`);
        }
        rmSync(file, { force: true }); // stale: its owner is gone
      }
    }
    throw new RunDirError(`cannot lock ${runDir}: ${file} keeps reappearing; another process is competing for it.`);
  }

  release(): void {
    rmSync(this.file, { force: true });
  }
}
