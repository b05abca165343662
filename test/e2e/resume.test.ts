// Crash safety of `dissect`, on the real CLI in child processes: a run SIGKILLed at any point and
// rerun with the same command gives byte-identical outputs to an uninterrupted run; a rerun with
// other settings refuses naming the setting; --restart starts over; a complete run is reused; one
// run per directory (a live lock refuses, a dead one is taken over); a run that fails mid-way
// says so in run.json and leaves no outputs; the same command twice gives the same bytes.
// Kill points are seeded fractions of the uninterrupted run's duration, plus event-driven ones
// (right after a checkpoint is renamed into place, once counting has started). Every kill must
// interrupt a run: the child is frozen by a stop gate (test/helpers/stop-at.ts) at the event, or
// before it can mark run.json complete, so a kill never lands after the run finished, and the
// test asserts it did not (killed by the signal, run.json not 'complete'). Nothing depends on
// timing to pass.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBroden } from '../../src/dataset/broden/reader.js';
import { generateSyntheticBroden } from '../../src/dataset/synthetic/generate.js';
import { layerDirName } from '../../src/run/dissect.js';
import type { RunManifest } from '../../src/run/run-types.js';
import { Random } from '../../src/util/random.js';
import {
  killHard, LAYER_OUTPUTS, readOutputs, runCliToEnd, runJsonComparable, startCli, waitMsOrUntil, waitUntil,
  type CliResult, type RunningCli,
} from '../helpers/child.js';
import type { StopAt } from '../helpers/stop-at.js';
import { twoConvModel } from '../helpers/small-models.js';

// A small two-layer model built here (a run takes about a second), and the embedded MobileNetV2
// for the determinism check on a real network.
const MOBILENET = 'models/mobilenet_v2_imagenet.onnx';
const LAYERS = ['relu1', 'conv2'];
const DIRS = LAYERS.map(layerDirName);

describe('resume, locking and failure of dissect (real CLI, SIGKILL)', () => {
  let tmp = '';
  let dataset = '';
  let model = '';
  let reference = '';
  let referenceSeconds = 0;
  let referenceOutputs = new Map<string, Buffer>();

  /** The dissect command line for run directory `out`; `extra` appends or overrides flags. */
  const args = (out: string, ...extra: string[]): string[] => [
    'dissect', '--model', model, '--dataset', dataset, '--layer', LAYERS.join(','), '--out', out,
    '--preprocess', 'mobilenet', '--batch', '8', '--checkpoint-every', '16', '--memory-budget', '1M',
    '--top-k', '3', '--count-workers', '2', ...extra,
  ];

  const assertComplete = (r: CliResult, what: string): void => {
    assert.equal(r.code, 0, `${what}: exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`);
  };

  /** Outputs of `out` equal the uninterrupted run's, byte for byte; run.json too, but for timings. */
  const assertSameAsReference = (out: string): void => {
    const got = readOutputs(out, DIRS);
    for (const [file, bytes] of referenceOutputs) assert.ok(bytes.equals(got.get(file)!), `${file} differs from the uninterrupted run`);
    assert.deepEqual(runJsonComparable(out), runJsonComparable(reference));
    assert.ok(!existsSync(path.join(out, '.lock')), 'the lock is released');
    assert.ok(!existsSync(path.join(out, '.cache')), 'the checkpoint and cache are removed');
  };

  /** Whatever state a kill left: run.json never says 'complete' unless every output is there and final. */
  const assertNothingHalfWritten = (out: string): void => {
    const runJson = path.join(out, 'run.json');
    if (!existsSync(runJson)) return;
    const run = JSON.parse(readFileSync(runJson, 'utf8')) as RunManifest; // never half-written: parses
    if (run.state === 'complete') assertSameAsReference(out);
  };

  let marks = 0;
  /** A fresh mark file for a stop gate. */
  const mark = (): string => path.join(tmp, `stop-${marks++}.mark`);

  /**
   * SIGKILL a run and check that the kill interrupted it: the process was still there (it died of
   * the signal, not by exiting) and run.json, if written, does not say 'complete'.
   */
  const killAndAssertInterrupted = async (run: RunningCli, out: string, what: string): Promise<void> => {
    const r = await killHard(run);
    assert.equal(r.signal, 'SIGKILL', `${what}: the run was still going when killed (exit ${r.code})\n${r.stderr}`);
    const runJson = path.join(out, 'run.json');
    if (existsSync(runJson)) {
      const state = (JSON.parse(readFileSync(runJson, 'utf8')) as RunManifest).state;
      assert.notEqual(state, 'complete', `${what}: run.json was not complete at the kill`);
    }
    assertNothingHalfWritten(out);
  };

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nd-resume-'));
    dataset = path.join(tmp, 'broden');
    await generateSyntheticBroden({ images: 150, seed: 5, size: 112, format: 'jpeg', out: dataset });
    model = path.join(tmp, 'two-conv.onnx');
    writeFileSync(model, twoConvModel(112));
    reference = path.join(tmp, 'reference');
    const t0 = performance.now();
    assertComplete(await runCliToEnd(args(reference, '--quiet')), 'uninterrupted run');
    referenceSeconds = (performance.now() - t0) / 1000;
    referenceOutputs = readOutputs(reference, DIRS);
  });
  after(() => { if (!process.env['KEEP']) rmSync(tmp, { recursive: true, force: true }); });

  it('the same command twice gives byte-identical outputs', async () => {
    const again = path.join(tmp, 'again');
    assertComplete(await runCliToEnd(args(again, '--quiet')), 'second run');
    assertSameAsReference(again);
  });

  it('another batch size, counting workers, memory budget and checkpoint cadence give the same outputs', async () => {
    const other = path.join(tmp, 'other-batch');
    const r = await runCliToEnd(args(other, '--quiet', '--batch', '5', '--count-workers', '1', '--memory-budget', '64M', '--checkpoint-every', '7'));
    assertComplete(r, 'run with other execution settings');
    const got = readOutputs(other, DIRS);
    for (const [file, bytes] of referenceOutputs) assert.ok(bytes.equals(got.get(file)!), `${file} differs with other execution settings`);
  });

  it('MobileNetV2: the same command twice gives byte-identical outputs', async () => {
    const mnArgs = (out: string): string[] => [
      'dissect', '--model', MOBILENET, '--dataset', dataset, '--layer', 't148_pre', '--out', out,
      '--preprocess', 'mobilenet', '--limit', '32', '--batch', '8', '--quiet',
    ];
    const [a, b] = [path.join(tmp, 'mobilenet-a'), path.join(tmp, 'mobilenet-b')];
    for (const out of [a, b]) assertComplete(await runCliToEnd(mnArgs(out)), `MobileNetV2 run ${out}`);
    const [ra, rb] = [readOutputs(a, ['t148_pre']), readOutputs(b, ['t148_pre'])];
    for (const [file, bytes] of ra) assert.ok(bytes.equals(rb.get(file)!), `${file} differs between two equal runs`);
    assert.deepEqual(runJsonComparable(b), runJsonComparable(a));
  });

  it('killed at seeded random moments, then rerun, gives the uninterrupted outputs', async () => {
    const out = path.join(tmp, 'random-kills');
    const rng = new Random(20261128);
    for (let k = 0; k < 4; k++) {
      // Anywhere from model loading to writing the outputs; a run that gets to the end first
      // waits at its gate, so the kill still interrupts it.
      const delay = referenceSeconds * 1000 * (0.1 + 0.9 * rng.next());
      const stopAt: StopAt = { at: 'before-complete', mark: mark() };
      const run = startCli(args(out, '--quiet'), { stopAt });
      await waitMsOrUntil(run, delay, () => existsSync(stopAt.mark));
      await killAndAssertInterrupted(run, out, `random kill ${k + 1}`);
    }
    const final = await runCliToEnd(args(out, '--quiet'));
    assertComplete(final, 'rerun after kills');
    assertSameAsReference(out);
  });

  it('killed right after each checkpoint is written, resumes from it', async () => {
    const out = path.join(tmp, 'checkpoint-kills');
    // The forward pass of a one-shard run checkpoints into its shard's folder (checkpoint.bin in
    // the middle, pass1.bin once the shard is through).
    const checkpoint = (): string => {
      const scratch = path.join(out, '.cache', 'shards-1');
      const shard = existsSync(scratch) ? readdirSync(scratch).find((d) => d.startsWith('shard-')) : undefined;
      return path.join(scratch, shard ?? 'shard-none');
    };
    const hasCheckpoint = (): boolean => existsSync(path.join(checkpoint(), 'checkpoint.bin')) || existsSync(path.join(checkpoint(), 'pass1.bin'));
    const resumedFrom: number[] = [];
    for (let k = 0; k < 3; k++) {
      // Execution settings may change between attempts: each attempt uses another batch size.
      // The run freezes right after its first new checkpoint is renamed into place.
      const stopAt: StopAt = { at: 'after-checkpoint', mark: mark() };
      const run = startCli(args(out, '--batch', String([8, 5, 3][k])), { stopAt });
      const seen = await waitUntil(run, () => existsSync(stopAt.mark));
      assert.ok(seen, `run ${k + 1} wrote a checkpoint before it ended:\n${run.stderr()}`);
      assert.ok(hasCheckpoint(), 'a checkpoint is there');
      await killAndAssertInterrupted(run, out, `checkpoint kill ${k + 1}`);
      const m = /resuming .* from its checkpoint: (\d+) of (\d+) images/.exec(run.stderr());
      if (k === 0) {
        assert.equal(m, null, 'the first run starts from scratch');
        continue;
      }
      assert.ok(m, `run ${k + 1} resumed:\n${run.stderr()}`);
      resumedFrom.push(Number(m[1]));
    }
    const final = await runCliToEnd(args(out));
    assertComplete(final, 'rerun after checkpoint kills');
    const m = /resuming .* from its checkpoint: (\d+) of (\d+) images/.exec(final.stderr);
    assert.ok(m, `the last run resumed:\n${final.stderr}`);
    resumedFrom.push(Number(m[1]));
    for (let i = 1; i < resumedFrom.length; i++) assert.ok(resumedFrom[i]! > resumedFrom[i - 1]!, `each resume starts later: ${resumedFrom.join(', ')}`);
    assertSameAsReference(out);
  });

  it('killed during counting, resumes from the last checkpoint', async () => {
    const out = path.join(tmp, 'counting-kill');
    // Frozen as it reports counting progress: the forward pass is over, the counts are not.
    const stopAt: StopAt = { at: 'stderr', text: 'counting:', mark: mark() };
    const run = startCli(args(out), { stopAt });
    const seen = await waitUntil(run, () => existsSync(stopAt.mark));
    assert.ok(seen, `counting started:\n${run.stderr()}`);
    await killAndAssertInterrupted(run, out, 'kill in counting');
    const final = await runCliToEnd(args(out));
    assertComplete(final, 'rerun after a kill in counting');
    // The rerun resumes from the forward pass's last checkpoint (144 of the 150 images).
    assert.match(final.stderr, /resuming .* from its checkpoint: 144 of 14\d images/);
    assertSameAsReference(out);
  });

  it('a complete run is reused, other settings refuse naming the setting, --restart starts over', async () => {
    const out = path.join(tmp, 'settings');
    assertComplete(await runCliToEnd(args(out, '--quiet')), 'first run');
    const stamp = (f: string): number => statSync(path.join(out, f)).mtimeMs;
    const before = DIRS.map((d) => stamp(`${d}/tally.csv`));
    const runJson = readFileSync(path.join(out, 'run.json'));

    const reused = await runCliToEnd(args(out, '--quiet'));
    assertComplete(reused, 'rerun of a complete run');
    assert.match(reused.stderr, /already holds a complete run with these settings; nothing to do/);
    assert.deepEqual(DIRS.map((d) => stamp(`${d}/tally.csv`)), before, 'nothing is rewritten');
    assert.ok(readFileSync(path.join(out, 'run.json')).equals(runJson), 'run.json is untouched');

    const refused = await runCliToEnd(args(out, '--quiet', '--quantile', '0.01'));
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.stderr.trimEnd().split('\n').length, 1, `one line:\n${refused.stderr}`);
    assert.match(refused.stderr, /^netdissect: error: .*holds a run with other settings: quantile \(was 0\.005, now 0\.01\).*--restart/);
    assert.ok(readFileSync(path.join(out, 'run.json')).equals(runJson), 'a refused run changes nothing');

    const restarted = await runCliToEnd(args(out, '--quiet', '--quantile', '0.01', '--restart'));
    assertComplete(restarted, '--restart with another quantile');
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as RunManifest;
    assert.equal(run.settings.quantile, 0.01);
    assert.equal(run.state, 'complete');
    assert.ok(!readFileSync(path.join(out, DIRS[0]!, 'thresholds.csv')).equals(referenceOutputs.get(`${DIRS[0]}/thresholds.csv`)!), 'new thresholds');

    assertComplete(await runCliToEnd(args(out, '--quiet', '--restart')), '--restart back to the default quantile');
    assertSameAsReference(out);
  });

  it('a second dissect on the same --out refuses while the first runs', async () => {
    const out = path.join(tmp, 'locked');
    const lock = path.join(out, '.lock');
    const first = startCli(args(out, '--quiet'));
    try {
      assert.ok(await waitUntil(first, () => existsSync(lock)), `the first run takes the lock:\n${first.stderr()}`);
      // Paused, the first run certainly holds the lock while the second one tries.
      first.child.kill('SIGSTOP');
      const second = await runCliToEnd(args(out, '--quiet'));
      assert.equal(second.code, 1, second.stderr);
      assert.equal(second.stderr.trimEnd().split('\n').length, 1, `one line:\n${second.stderr}`);
      assert.match(second.stderr, new RegExp(`^netdissect: error: .*is in use by another netdissect process \\(pid ${first.pid}\\b`));
    } finally {
      first.child.kill('SIGCONT');
    }
    assertComplete(await first.result, 'the first run, continued');
    assertSameAsReference(out);
  });

  it('a lock left by a SIGKILLed run is taken over', async () => {
    const out = path.join(tmp, 'stale');
    const lock = path.join(out, '.lock');
    const first = startCli(args(out, '--quiet'), { stopAt: { at: 'before-complete', mark: mark() } });
    assert.ok(await waitUntil(first, () => existsSync(lock) && readFileSync(lock, 'utf8').includes('"pid"')), 'the first run takes the lock');
    await killAndAssertInterrupted(first, out, 'kill of the lock holder');
    assert.ok(existsSync(lock), 'SIGKILL leaves the lock behind');
    assert.equal((JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid, first.pid);
    assertComplete(await runCliToEnd(args(out, '--quiet')), 'a run after the stale lock');
    assertSameAsReference(out);
  });

  it('a run that fails mid-way says failed in run.json, writes no outputs, and resumes once fixed', async () => {
    const out = path.join(tmp, 'failed');
    const ds = await openBroden(dataset);
    const victim = path.join(dataset, 'images', ds.images[50]!.file);
    const saved = path.join(tmp, 'saved.jpg');
    copyFileSync(victim, saved);
    try {
      writeFileSync(victim, readFileSync(saved).subarray(0, 300)); // truncated JPEG
      const failed = await runCliToEnd(args(out, '--quiet'));
      assert.equal(failed.code, 1, failed.stderr);
      assert.equal(failed.stderr.trimEnd().split('\n').length, 1, `one line:\n${failed.stderr}`);
      assert.match(failed.stderr, /^netdissect: error: .*\.jpg.*truncated/);
      const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as RunManifest;
      assert.equal(run.state, 'failed');
      assert.ok(run.error?.includes(ds.images[50]!.file), `run.json names the image: ${run.error}`);
      for (const d of DIRS) for (const f of LAYER_OUTPUTS) assert.ok(!existsSync(path.join(out, d, f)), `no ${d}/${f}`);
      assert.ok(!existsSync(path.join(out, 'labels.csv')));
      assert.ok(!existsSync(path.join(out, '.lock')), 'a failed run releases its lock');
    } finally {
      copyFileSync(saved, victim);
    }
    const fixed = await runCliToEnd(args(out));
    assertComplete(fixed, 'rerun with the image repaired');
    assert.match(fixed.stderr, /resuming .* from its checkpoint: 48 of 14\d images/, 'checkpoints every 16 images: 48 were done');
    assertSameAsReference(out);
  });
});
