// The real CLI in a child process that a test can watch, pause and kill: for crash, resume and
// locking tests. Waits are on events (a file appears, a line is printed, the process exits),
// never on fixed sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FS_FAULT_ENV, type FsFault } from './fs-fault.js';
import { STOP_AT_ENV, type StopAt } from './stop-at.js';

export interface CliResult {
  /** Exit code, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Settles when the process has exited. */
  readonly result: Promise<CliResult>;
  /** True once the process has exited. */
  exited(): boolean;
  /** Everything printed on stderr so far. */
  stderr(): string;
}

export interface CliOptions {
  /** A file-system fault injected into the child (test/helpers/fs-fault.ts). */
  readonly fsFault?: FsFault;
  /** Freeze the child at a moment, for a kill exactly there (test/helpers/stop-at.ts). */
  readonly stopAt?: StopAt;
}

/** The preloads (file-system faults, stop gates), beside this file in dist/. */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const FS_FAULT_MODULE = path.join(HERE, 'fs-fault.js');
const STOP_AT_MODULE = path.join(HERE, 'stop-at.js');

/** Start `netdissect <args>` (bin/netdissect.js from the repository root, the test's cwd). */
export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const node: string[] = [];
  const env = { ...process.env };
  if (options.fsFault) {
    node.push('--import', pathToFileURL(FS_FAULT_MODULE).href);
    env[FS_FAULT_ENV] = JSON.stringify(options.fsFault);
  }
  if (options.stopAt) {
    node.push('--import', pathToFileURL(STOP_AT_MODULE).href);
    env[STOP_AT_ENV] = JSON.stringify(options.stopAt);
  }
  const child = spawn(process.execPath, [...node, 'bin/netdissect.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      exited = true;
      resolve({ code, signal, stdout, stderr });
    });
  });
  if (child.pid === undefined) throw new Error('could not start bin/netdissect.js');
  return { child, pid: child.pid, result, exited: () => exited, stderr: () => stderr };
}

/** Run `netdissect <args>` to the end. */
export function runCliToEnd(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/**
 * Poll `condition` every `everyMs` until it holds (→ true) or the process exits first (→ false).
 * The condition is checked once more after exit, so a late event is not missed.
 */
export async function waitUntil(run: RunningCli, condition: () => boolean, everyMs = 2): Promise<boolean> {
  for (;;) {
    if (condition()) return true;
    if (run.exited()) return condition();
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Wait `ms` or until the process exits, whichever comes first. */
export async function waitMs(run: RunningCli, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([run.result, new Promise((r) => { timer = setTimeout(r, ms); })]);
  clearTimeout(timer);
}

/**
 * Wait `ms`, or until `condition` holds (a stop gate's mark appears), or the process exits,
 * whichever comes first.
 */
export async function waitMsOrUntil(run: RunningCli, ms: number, condition: () => boolean, everyMs = 2): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end && !run.exited() && !condition()) await new Promise((r) => setTimeout(r, everyMs));
}

/** SIGKILL the process (if it still runs) and wait for it to be gone. */
export async function killHard(run: RunningCli): Promise<CliResult> {
  if (!run.exited()) run.child.kill('SIGKILL');
  return run.result;
}

/** The inode and mtime of a file, or null: a new checkpoint is renamed into place, so the inode changes. */
export function fileStamp(file: string): string | null {
  if (!existsSync(file)) return null;
  try {
    const s = statSync(file);
    return `${s.ino}:${s.mtimeMs}:${s.size}`;
  } catch {
    return null; // renamed away between the two calls
  }
}

/** The run's outputs that must be byte-identical between equal runs, per layer folder. */
export const LAYER_OUTPUTS = ['tally.csv', 'thresholds.csv', 'results.json', 'intersection.csv', 'activation.csv', 'unit-maps.seg'] as const;

/** Read a run's layer outputs and labels.csv as {relative path → bytes}. */
export function readOutputs(runDir: string, layerDirs: readonly string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const d of layerDirs) for (const f of LAYER_OUTPUTS) out.set(`${d}/${f}`, readFileSync(path.join(runDir, d, f)));
  out.set('labels.csv', readFileSync(path.join(runDir, 'labels.csv')));
  return out;
}

/** run.json without what legitimately differs between equal runs: timings, timestamps, command. */
export function runJsonComparable(runDir: string): unknown {
  const run = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as Record<string, unknown>;
  const { timings: _t, startedAt: _s, finishedAt: _f, command: _c, ...rest } = run;
  return rest;
}
