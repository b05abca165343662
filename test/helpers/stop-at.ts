// Preloaded into a CLI child (`node --import`) to freeze it at a chosen moment, so a test can
// SIGKILL it exactly there instead of hoping a timer lands in the right phase. At the moment the
// child writes the file `mark` (synchronously) and sends itself SIGSTOP; the test waits for the
// mark and kills it. The moments are seen at the file-system and stderr boundary, so the code
// under test runs unchanged:
//   'after-checkpoint'  a shard's new checkpoint.bin or pass1.bin (under .cache/) has just been renamed into place;
//   'before-complete'   run.json is about to be renamed into place saying "complete" (a run
//                       gated here can be killed at any time before and never finishes first);
//   'stderr'            a line containing `text` has just been written to stderr.
// Configured by the environment variable ND_STOP_AT, a JSON StopAt.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

export type StopAt =
  | { readonly at: 'after-checkpoint' | 'before-complete'; readonly mark: string }
  | { readonly at: 'stderr'; readonly text: string; readonly mark: string };

export const STOP_AT_ENV = 'ND_STOP_AT';

// The real rename, taken before the gate patches it: the mark must appear whole (a reader polling
// for it must never see an empty file), so it is written beside and renamed into place.
const realRename = fs.renameSync;

function stopHere(mark: string): void {
  fs.writeFileSync(`${mark}.tmp`, `${process.pid}\n`);
  realRename(`${mark}.tmp`, mark);
  process.kill(process.pid, 'SIGSTOP');
}

/** Install the gate (in the main thread only: worker threads share the process, not the gate). */
export function installStopAt(stop: StopAt): void {
  if (stop.at === 'stderr') {
    const write = process.stderr.write.bind(process.stderr) as (chunk: unknown, ...rest: unknown[]) => boolean;
    let stopped = false;
    process.stderr.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
      const ok = write(chunk, ...rest);
      if (!stopped && String(chunk).includes(stop.text)) {
        stopped = true;
        stopHere(stop.mark);
      }
      return ok;
    }) as typeof process.stderr.write;
    return;
  }
  const rename = fs.renameSync;
  fs.renameSync = (from: fs.PathLike, to: fs.PathLike): void => {
    const dest = String(to);
    if (stop.at === 'before-complete' && path.basename(dest) === 'run.json' && /"state":\s*"complete"/.test(fs.readFileSync(from, 'utf8'))) {
      stopHere(stop.mark);
    }
    rename(from, to);
    // A shard's forward-pass state: checkpoint.bin in the middle, pass1.bin once through.
    if (stop.at === 'after-checkpoint' && dest.includes(`${path.sep}.cache${path.sep}`) && /^(checkpoint|pass1)\.bin$/.test(path.basename(dest))) stopHere(stop.mark);
  };
  syncBuiltinESMExports();
}

const configured = process.env[STOP_AT_ENV];
if (configured && isMainThread) installStopAt(JSON.parse(configured) as StopAt);
