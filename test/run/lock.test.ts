// RunLock: one process per run directory; a dead owner's lock (or garbage) is taken over; a live
// owner's, or one from another host, refuses with a message saying what to do.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { RunLock } from '../../src/run/lock.js';
import { RunDirError } from '../../src/util/errors.js';

describe('RunLock', () => {
  let tmp = '';
  let n = 0;
  const fresh = (): string => { const d = path.join(tmp, `run${n++}`); mkdirSync(d); return d; };
  const owner = (dir: string): { pid: number; host: string } => JSON.parse(readFileSync(path.join(dir, '.lock'), 'utf8')) as { pid: number; host: string };
  /** Only the lock itself is left behind: no temporary or moved-aside files. */
  const onlyLock = (dir: string): void => assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.lock')), ['.lock']);
  const onlyNothing = (dir: string): void => assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.lock')), []);

  before(() => { tmp = mkdtempSync(path.join(tmpdir(), 'nd-lock-')); });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('takes a free directory and writes its owner', () => {
    const dir = fresh();
    const t0 = Date.now();
    const lock = RunLock.acquire(dir);
    const t1 = Date.now();
    // Compared with values taken independently of the lock: this process, this host, and a start
    // time (ISO 8601, UTC, milliseconds) between the two clock readings around acquire().
    const written = JSON.parse(readFileSync(path.join(dir, '.lock'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(written).sort(), ['host', 'pid', 'since']);
    assert.equal(written['pid'], process.pid);
    assert.equal(written['host'], hostname());
    const since = String(written['since']);
    assert.match(since, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.ok(Date.parse(since) >= t0 && Date.parse(since) <= t1, `since ${since} is between ${new Date(t0).toISOString()} and ${new Date(t1).toISOString()}`);
    onlyLock(dir);
    lock.release();
    assert.ok(!existsSync(path.join(dir, '.lock')));
    RunLock.acquire(dir).release();
  });

  it('refuses while a live process holds it, and leaves that lock alone', () => {
    const dir = fresh();
    const lock = RunLock.acquire(dir);
    const before = readFileSync(path.join(dir, '.lock'), 'utf8');
    assert.throws(() => RunLock.acquire(dir), (e: Error) => e instanceof RunDirError
      && e.message === `${dir} is in use by another netdissect process (pid ${process.pid} on this host); wait for it to finish or use another --out.`);
    assert.equal(readFileSync(path.join(dir, '.lock'), 'utf8'), before);
    onlyLock(dir);
    lock.release();
  });

  it("takes over a dead process's lock", () => {
    const dir = fresh();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!; // exited and reaped
    writeFileSync(path.join(dir, '.lock'), JSON.stringify({ pid: dead, host: hostname(), since: '2020-01-01T00:00:00Z' }));
    const lock = RunLock.acquire(dir);
    assert.equal(owner(dir).pid, process.pid);
    onlyLock(dir);
    lock.release();
  });

  it('takes over a lock file that is garbage, once it is old', () => {
    const dir = fresh();
    const file = path.join(dir, '.lock');
    writeFileSync(file, '{"pi');
    // Young, it may be a lock being written on a file system without hard links: in use.
    assert.throws(() => RunLock.acquire(dir), { message: `${dir} is being locked by another netdissect process right now; wait for it to finish or use another --out.` });
    assert.equal(readFileSync(file, 'utf8'), '{"pi');
    utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    RunLock.acquire(dir).release();
    onlyNothing(dir);
  });

  it("refuses another host's lock and says how to clear it", () => {
    const dir = fresh();
    writeFileSync(path.join(dir, '.lock'), JSON.stringify({ pid: 1, host: 'elsewhere.example', since: '2020-01-01T00:00:00Z' }));
    assert.throws(() => RunLock.acquire(dir), {
      message: `${dir} is in use by another netdissect process (pid 1 on elsewhere.example); wait for it to finish or use another --out (if that process is gone, delete ${path.join(dir, '.lock')}).`,
    });
    assert.equal(owner(dir).host, 'elsewhere.example');
    onlyLock(dir);
  });

  it('names the errno in words when the directory is not there', () => {
    const dir = path.join(tmp, 'absent');
    assert.throws(() => RunLock.acquire(dir), {
      message: `cannot create ${path.join(dir, '.lock')}: ENOENT (no such file or folder); choose another --out.`,
    });
  });
});
