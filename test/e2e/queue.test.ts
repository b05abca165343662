// Scale-out through a real Redis (Debian's redis-server on a free loopback port) and BullMQ:
// workers started with `netdissect worker`, the coordinator `dissect --queue`. The outputs must be
// the single-process bytes whatever happens: two workers sharing the shards, a worker SIGKILLed in
// the middle of a shard (BullMQ's stalled-job check hands it to another), a coordinator killed and
// rerun. Workers of another version refuse jobs; Redis problems give one line, never a password.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { openBroden } from '../../src/dataset/broden/reader.js';
import { generateSyntheticBroden } from '../../src/dataset/synthetic/generate.js';
import { PRESETS } from '../../src/model/preprocess.js';
import { dissect, layerDirName } from '../../src/run/dissect.js';
import { QUEUE_NAME, redact } from '../../src/distributed/redis.js';
import { TOOL_VERSION } from '../../src/util/version.js';
import { killHard, readOutputs, runCliToEnd, startCli, waitUntil, type RunningCli } from '../helpers/child.js';
import { freePort, redisMissing, startRedis, type RedisServer } from '../helpers/redis.js';
import { twoConvModel } from '../helpers/small-models.js';

const LAYERS = ['relu1', 'conv2'];
const DIRS = LAYERS.map(layerDirName);
const missing = redisMissing();

describe('dissect --queue with netdissect worker (real Redis, BullMQ)', { skip: missing ?? false }, () => {
  let tmp = '';
  let dataset = '';
  let model = '';
  let redis: RedisServer;
  let reference = new Map<string, Buffer>();
  const workers: RunningCli[] = [];

  const startWorker = (lockSeconds = 10): RunningCli => {
    const w = startCli(['worker', '--queue', redis.url, '--lock-seconds', String(lockSeconds)]);
    workers.push(w);
    return w;
  };
  const stopWorkers = async (): Promise<void> => {
    await Promise.all(workers.splice(0).map((w) => killHard(w)));
  };
  const dissectArgs = (out: string, shards: number, ...extra: string[]): string[] => [
    'dissect', '--model', model, '--dataset', dataset, '--layer', LAYERS.join(','), '--out', out, '--preprocess', 'mobilenet',
    '--batch', '8', '--top-k', '5', '--queue', redis.url, '--shards', String(shards), '--quiet', ...extra,
  ];
  const assertReference = (out: string, what: string): void => {
    const got = readOutputs(out, DIRS);
    for (const [file, bytes] of reference) assert.ok(bytes.equals(got.get(file)!), `${what}: ${file} differs from the single-process run`);
    assert.ok(!existsSync(path.join(out, '.cache')), 'the scratch folder is removed');
    assert.ok(!existsSync(path.join(out, '.lock')), 'the lock is released');
  };

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nd-queue-'));
    dataset = path.join(tmp, 'synthetic');
    await generateSyntheticBroden({ images: 240, out: dataset, seed: 9, size: 64, format: 'jpeg' });
    model = path.join(tmp, 'two-conv.onnx');
    writeFileSync(model, twoConvModel(64));
    const out = path.join(tmp, 'single');
    await dissect(await openBroden(dataset), {
      model, layers: LAYERS, out, preprocess: { ...PRESETS['mobilenet']!, preset: 'mobilenet' }, batch: 8, topK: 5, log: () => {},
    });
    reference = readOutputs(out, DIRS);
    redis = await startRedis();
  });
  // A failed assertion must not leave its workers taking the next test's jobs.
  afterEach(() => stopWorkers());
  after(async () => {
    await stopWorkers();
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('two workers share the shards; the outputs are the single-process bytes', async () => {
    startWorker();
    startWorker();
    const out = path.join(tmp, 'two-workers');
    const r = await runCliToEnd(dissectArgs(out, 6));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /shards: 6 on workers through redis:\/\/127\.0\.0\.1:\d+ \([12] workers? seen\)/);
    assertReference(out, '2 workers, 6 shards');
    await stopWorkers();
  });

  it('a worker SIGKILLed in the middle of a shard: the shard goes to another worker, same bytes', async () => {
    const doomed = startWorker(3);
    const out = path.join(tmp, 'killed-worker');
    const coordinator = startCli(dissectArgs(out, 2));
    // The worker announces each job it starts; kill it while it runs the first.
    const started = await waitUntil(doomed, () => /pass1 of shard/.test(doomed.stderr()), 5);
    assert.ok(started, `the worker never started a shard:\n${doomed.stderr()}`);
    await killHard(doomed);
    assert.ok(!coordinator.exited(), 'the run was still going when its worker died');
    const rescuer = startWorker(3);
    const r = await coordinator.result;
    assert.equal(r.code, 0, r.stderr);
    assert.match(rescuer.stderr(), /pass1 of shard/, 'the other worker ran the stalled shard');
    assertReference(out, 'after a SIGKILLed worker');
    await stopWorkers();
  });

  it('a coordinator killed and rerun with the same command resumes from the shards already done', async () => {
    startWorker();
    const out = path.join(tmp, 'killed-coordinator');
    const first = startCli([...dissectArgs(out, 6)].filter((a) => a !== '--quiet'));
    const scratch = path.join(out, '.cache', 'shards-6');
    const someDone = (): boolean => existsSync(scratch) && readdirSync(scratch).some((d) => existsSync(path.join(scratch, d, 'pass1.bin')));
    assert.ok(await waitUntil(first, someDone, 5), `no shard finished before the coordinator ended:\n${first.stderr()}`);
    await killHard(first);
    const r = await runCliToEnd(dissectArgs(out, 6).filter((a) => a !== '--quiet'));
    assert.equal(r.code, 0, r.stderr);
    // Shards finished before the kill (at least one) are not queued again.
    const resumed = /resuming: (\d+) of 6 shards already have their forward-pass partial/.exec(r.stderr);
    assert.ok(resumed && Number(resumed[1]) >= 1, r.stderr);
    const queued = /queued (\d+) forward-pass jobs?/.exec(r.stderr);
    assert.equal(queued ? Number(queued[1]) : 0, 6 - Number(resumed[1]), r.stderr);
    assertReference(out, 'after a killed coordinator');
    await stopWorkers();
  });

  it('a job planned by another tool version is refused with a clear message', async () => {
    startWorker();
    const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
    const queue = new Queue(QUEUE_NAME, { connection });
    try {
      const job = await queue.add('pass1', {
        kind: 'pass1', scratch: path.join(tmp, 'nowhere'), identity: 'x'.repeat(64), tool: '0.0.0-other', model: 'm', dataset: 'd',
        shard: { index: 0, start: 0, end: 1 },
      });
      // The job ends failed, with the worker's message as its reason.
      let reason: string | undefined;
      for (let i = 0; i < 600 && reason === undefined; i++) {
        const state = await queue.getJob(job.id!);
        if (state?.finishedOn) reason = state.failedReason;
        else await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(reason ?? '(never finished)', new RegExp(`runs netdissect ${TOOL_VERSION.replace(/\./g, '\\.')} but the run was planned by netdissect 0\\.0\\.0-other; install the same version`));
    } finally {
      await queue.close();
      await stopWorkers();
    }
  });

  it('Redis problems: one clear line each, exit 1 (usage: 2), and never the password', async () => {
    const out = path.join(tmp, 'errors');
    const bad = await runCliToEnd(dissectArgs(out, 2).map((a) => (a === redis.url ? 'http://127.0.0.1:1' : a)));
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /unsupported scheme 'http:'; expected redis:\/\/ or rediss:\/\//);

    const closed = `redis://127.0.0.1:${await freePort()}`;
    const refused = await runCliToEnd(dissectArgs(out, 2).map((a) => (a === redis.url ? closed : a)));
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+: connection refused/);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.ok(!existsSync(path.join(out, '.lock')), 'no lock left behind');
    assert.match(readFileSync(path.join(out, 'run.json'), 'utf8'), /"state": "failed"/);

    const locked = await startRedis(['--requirepass', 'sesame-42']);
    try {
      const wrong = `redis://:not-the-password@127.0.0.1:${locked.port}`;
      const denied = await runCliToEnd(dissectArgs(out, 2).map((a) => (a === redis.url ? wrong : a)));
      assert.equal(denied.code, 1, denied.stderr);
      assert.match(denied.stderr, /refused the authentication/);
      assert.doesNotMatch(denied.stderr + denied.stdout, /not-the-password/);
      const worker = await runCliToEnd(['worker', '--queue', wrong]);
      assert.equal(worker.code, 1, worker.stderr);
      assert.match(worker.stderr, /redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the authentication/);
      assert.doesNotMatch(worker.stderr, /not-the-password/);
    } finally {
      await locked.stop();
    }
    assert.equal(redact('rediss://user:pw@host:6380/2'), 'rediss://user:***@host:6380/2');
    assert.equal(redact('redis://:pw@host'), 'redis://:***@host');
  });
});
