// Worker thread that owns one ONNX Runtime session: run() blocks its thread, so the main thread
// stays free for decoding, counting and progress.
//
// Shutdown is cooperative, never `worker.terminate()`: terminating a thread while ONNX Runtime's
// native run() is on its stack, or while the session is being released, makes the binding throw a
// C++ Napi::Error out of a dying JavaScript environment, and the whole process aborts
// ("terminate called after throwing an instance of 'Napi::Error'", exit 134). So requests run one
// at a time from a queue, a close request waits for the run in progress, releases the session,
// and lets the thread end by closing its port.
//
// Messages in:  {kind: 'init', init} (first; a thread may be started early and wait for it)
//               {kind: 'run', id, input, dims} | {kind: 'recycle', buffers} | {kind: 'close'}
// Messages out: {kind: 'ready'} | {kind: 'failed', error} (session creation failed; the thread ends)
//               {kind: 'result', id, outputs, input} | {kind: 'error', id, error} | {kind: 'closed'}
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { InferenceInit, InferenceReply, InferenceRequest, SerializedError } from './inference-protocol.js';

const port = parentPort!;
let init: InferenceInit;

function serialize(err: unknown): SerializedError {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message };
}

function post(reply: InferenceReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(reply, transfer);
}

let session: ort.InferenceSession | null = null;

/**
 * Output buffers the main thread has finished with, by byte length. Outputs are copied into
 * these rather than into fresh buffers: a batch's features are megabytes, and allocating them
 * anew for every batch keeps both threads' garbage collectors busy (external memory pressure).
 */
const spare = new Map<number, ArrayBuffer[]>();
/** Spare buffers kept per size (the caller has at most a few batches in flight). */
const SPARE_PER_SIZE = 4;

function outputBuffer(bytes: number): ArrayBuffer {
  return spare.get(bytes)?.pop() ?? new ArrayBuffer(bytes);
}

function keepSpare(buffers: readonly ArrayBuffer[]): void {
  for (const b of buffers) {
    const list = spare.get(b.byteLength) ?? [];
    if (list.length < SPARE_PER_SIZE) list.push(b);
    spare.set(b.byteLength, list);
  }
}
const queue: InferenceRequest[] = [];
let busy = false;
let closing = false;

async function create(): Promise<void> {
  // A lent buffer goes back to the main thread as soon as ONNX Runtime has parsed it.
  const lent = init.model instanceof Uint8Array ? null : init.model.buffer;
  const bytes = init.model instanceof Uint8Array ? init.model : new Uint8Array(init.model.buffer, 0, init.model.length);
  const t0 = performance.now();
  try {
    session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: init.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      // Failures reach the user as one message through us; ONNX Runtime's own log lines on
      // stderr would say the same thing a second time, in another format.
      logSeverityLevel: 4,
    });
  } catch (err) {
    post({ kind: 'failed', error: serialize(err), lent }, lent ? [lent] : []);
    port.close();
    return;
  }
  post({ kind: 'ready', lent, createSeconds: (performance.now() - t0) / 1000 }, lent ? [lent] : []);
  void drain();
}

async function runOne(req: Extract<InferenceRequest, { kind: 'run' }>, s: ort.InferenceSession): Promise<void> {
  try {
    const feeds = { [init.inputName]: new ort.Tensor('float32', req.input, [...req.dims]) };
    const result = await s.run(feeds, [...init.outputNames]);
    const outputs: Record<string, { data: Float32Array; dims: number[]; type: string }> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name of init.outputNames) {
      const t = result[name];
      if (!t) throw new Error(`ONNX Runtime returned no tensor '${name}'`);
      // Copy into a plain ArrayBuffer we own (a recycled one when there is one), so it can be
      // transferred without a second copy.
      const src = t.type === 'float32' ? t.data as Float32Array : new Float32Array(0);
      const data = new Float32Array(outputBuffer(src.byteLength));
      data.set(src);
      outputs[name] = { data, dims: [...t.dims], type: t.type };
      transfer.push(data.buffer as ArrayBuffer);
    }
    // The input goes back too: the caller fills it with a later batch instead of allocating one.
    const input = req.input.byteOffset === 0 && req.input.byteLength === req.input.buffer.byteLength ? req.input.buffer as ArrayBuffer : null;
    if (input) transfer.push(input);
    post({ kind: 'result', id: req.id, outputs, input }, transfer);
  } catch (err) {
    post({ kind: 'error', id: req.id, error: serialize(err) });
  }
}

/** Run queued requests one at a time; after a close request, release the session and end. */
async function drain(): Promise<void> {
  if (busy || session === null) return;
  busy = true;
  try {
    for (let req = queue.shift(); req !== undefined; req = queue.shift()) {
      if (req.kind === 'run') {
        if (closing) post({ kind: 'error', id: req.id, error: { name: 'Error', message: 'the session was closed before this batch ran' } });
        else await runOne(req, session);
      }
    }
  } finally {
    busy = false;
  }
  if (closing) {
    const s = session;
    session = null;
    try {
      if (s) await s.release();
    } catch {
      // Nothing is left to run; the thread ends either way.
    }
    post({ kind: 'closed' });
    port.close();
  }
}

port.on('message', (req: InferenceRequest) => {
  if (req.kind === 'init') {
    init = req.init;
    void create();
    return;
  }
  if (req.kind === 'recycle') {
    keepSpare(req.buffers);
    return;
  }
  if (req.kind === 'close') closing = true;
  queue.push(req);
  void drain();
});
