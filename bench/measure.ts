// Run a bench program in its own process and measure it from outside: wall time, and the peak
// memory of its whole process tree sampled from /proc every 100 ms (PSS from smaps_rollup, which
// shares pages fairly between processes, and RSS).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Process ids of `root` and its descendants. */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** PSS and RSS of one process in KiB (0 when it is gone). */
function memoryOf(pid: number): { pss: number; rss: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { pss: kb('Pss'), rss: kb('Rss') };
  } catch {
    return { pss: 0, rss: 0 };
  }
}

export interface Measured<T> { result: T; wall: number; peakPssMiB: number; peakRssMiB: number; peakScratchMiB: number }

/**
 * Run a bench program in its own process; wall time and peak memory of its process tree, and
 * the peak size of `scratchDir` when given (sampled here, so the measured program does no work
 * of ours: walking a folder of spilled segments costs its main thread a second per run).
 */
export function measure<T>(script: string, args: readonly string[], scratchDir?: string): Promise<Measured<T>> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'bench', script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    let peakPss = 0, peakRss = 0;
    const sample = (): void => {
      let pss = 0, rss = 0;
      for (const p of tree(child.pid!)) { const m = memoryOf(p); pss += m.pss; rss += m.rss; }
      peakPss = Math.max(peakPss, pss);
      peakRss = Math.max(peakRss, rss);
    };
    const timer = setInterval(sample, 100);
    let peakScratch = 0;
    const scratch = scratchDir === undefined ? null : setInterval(() => {
      try { peakScratch = Math.max(peakScratch, dirBytes(scratchDir)); } catch { /* not there (yet, or any more) */ }
    }, 500);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (scratch) clearInterval(scratch);
      const wall = (performance.now() - t0) / 1000;
      if (code !== 0) { reject(new Error(`${script} ${args.join(' ')} exited with ${code}`)); return; }
      resolve({ result: JSON.parse(out.trim().split('\n').pop()!) as T, wall, peakPssMiB: peakPss / 1024, peakRssMiB: peakRss / 1024, peakScratchMiB: peakScratch / 2 ** 20 });
    });
  });
}


/** Bytes of every file under `dir` (scratch disk figures). */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}
