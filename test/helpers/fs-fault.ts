// Preloaded into a CLI child (`node --import`) to make the file system fail under one folder as a
// read-only or full disk would, for the cases a test cannot stage without root (mounting a small
// or read-only tmpfs). The fault is injected at the boundary, in node:fs itself, so the code under
// test runs unchanged and meets a real-looking errno error (code, syscall, path).
//
// Configured by the environment variable ND_FS_FAULT, a JSON FsFault. Start a child with it
// through startCli(args, { fsFault }) (test/helpers/child.ts).
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

export interface FsFault {
  /** The errno to raise. */
  readonly code: 'EROFS' | 'ENOSPC' | 'EACCES';
  /** 'mkdir': creating a folder fails; 'write': opening a file for writing fails. */
  readonly on: 'mkdir' | 'write';
  /** Only paths inside this folder (or the folder itself) fail. */
  readonly under: string;
}

export const FS_FAULT_ENV = 'ND_FS_FAULT';

const ERRNO: Readonly<Record<FsFault['code'], [number, string]>> = {
  EROFS: [-30, 'read-only file system'],
  ENOSPC: [-28, 'no space left on device'],
  EACCES: [-13, 'permission denied'],
};

/** An error shaped as node:fs raises it. */
function errnoError(code: FsFault['code'], syscall: string, file: string): NodeJS.ErrnoException {
  const [errno, words] = ERRNO[code];
  return Object.assign(new Error(`${code}: ${words}, ${syscall} '${file}'`), { errno, code, syscall, path: file });
}

function inside(file: unknown, under: string): file is string {
  if (typeof file !== 'string' && !(file instanceof URL)) return false;
  const p = path.resolve(file instanceof URL ? file.pathname : file);
  return p === under || p.startsWith(under + path.sep);
}

/** True when open() flags write to the file. */
function writes(flags: unknown): boolean {
  if (flags === undefined || flags === null) return false;
  if (typeof flags === 'number') return (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0;
  return /[wa+]/.test(String(flags));
}

/** Install the fault described by `fault` into node:fs (sync, callback and promise APIs). */
export function installFsFault(fault: FsFault): void {
  const under = path.resolve(fault.under);
  const fail = (syscall: string, file: string): NodeJS.ErrnoException => errnoError(fault.code, syscall, path.resolve(file));
  type Fn = (...a: unknown[]) => unknown;
  const wrapSync = (obj: Record<string, unknown>, name: string, hit: (a: unknown[]) => boolean, syscall: string): void => {
    const orig = obj[name] as Fn;
    obj[name] = (...a: unknown[]) => {
      if (hit(a)) throw fail(syscall, String(a[0]));
      return orig(...a);
    };
  };
  const wrapAsync = (obj: Record<string, unknown>, name: string, hit: (a: unknown[]) => boolean, syscall: string): void => {
    const orig = obj[name] as Fn;
    obj[name] = (...a: unknown[]) => (hit(a) ? Promise.reject(fail(syscall, String(a[0]))) : orig(...a));
  };
  const wrapCallback = (obj: Record<string, unknown>, name: string, hit: (a: unknown[]) => boolean, syscall: string): void => {
    const orig = obj[name] as Fn;
    obj[name] = (...a: unknown[]) => {
      if (!hit(a)) return orig(...a);
      const cb = a[a.length - 1];
      if (typeof cb === 'function') process.nextTick(() => (cb as Fn)(fail(syscall, String(a[0]))));
      return undefined;
    };
  };
  const sync = fs as unknown as Record<string, unknown>;
  const promises = fs.promises as unknown as Record<string, unknown>;
  if (fault.on === 'mkdir') {
    const hit = (a: unknown[]): boolean => inside(a[0], under);
    wrapSync(sync, 'mkdirSync', hit, 'mkdir');
    wrapCallback(sync, 'mkdir', hit, 'mkdir');
    wrapAsync(promises, 'mkdir', hit, 'mkdir');
  } else {
    const openHit = (a: unknown[]): boolean => inside(a[0], under) && writes(a[1]);
    const writeHit = (a: unknown[]): boolean => inside(a[0], under);
    wrapSync(sync, 'openSync', openHit, 'open');
    wrapCallback(sync, 'open', openHit, 'open');
    wrapAsync(promises, 'open', openHit, 'open');
    for (const name of ['writeFileSync', 'appendFileSync']) wrapSync(sync, name, writeHit, 'open');
    for (const name of ['writeFile', 'appendFile']) {
      wrapCallback(sync, name, writeHit, 'open');
      wrapAsync(promises, name, writeHit, 'open');
    }
    wrapSync(sync, 'createWriteStream', writeHit, 'open');
  }
  // ES modules imported `{ mkdirSync } from 'node:fs'` see the patched functions only after this.
  syncBuiltinESMExports();
}

const configured = process.env[FS_FAULT_ENV];
if (configured) installFsFault(JSON.parse(configured) as FsFault);
