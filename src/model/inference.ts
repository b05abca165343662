// Batched inference in a worker thread (see inference-worker.ts), with one request in flight
// while the main thread prepares the next batch.
//
// Ordering rules that keep ONNX Runtime's native code from aborting the process:
//  - the worker is never terminated: close() asks it to finish the batch in progress, release
//    its session and end, and waits for the thread to exit;
//  - while a batch runs, the worker keeps the process alive (ref); an idle worker does not
//    (unref), so a caller that forgets close() cannot hang the process, and a process that ends
//    never ends under a running batch;
//  - a batch whose result nobody awaits any more (the run failed elsewhere) settles quietly.
import { Worker } from 'node:worker_threads';
import { ModelError } from '../util/errors.js';
import type { InferenceInit, InferenceReply, SerializedError, WireTensor } from './inference-protocol.js';
import type { ModelLoan } from './model-bytes.js';

export type OutputTensor = WireTensor;

interface Pending {
  readonly resolve: (o: Record<string, OutputTensor>) => void;
  readonly reject: (e: Error) => void;
  readonly promise: Promise<Record<string, OutputTensor>>;
  readonly dims: readonly number[];
}

/**
 * The message of an error from the worker thread, with its class when it is not a plain Error,
 * on one line (ONNX Runtime's messages can span several, and the CLI prints exactly one).
 */
function describe(e: SerializedError): string {
  const message = e.message.trim().replace(/\s*\n\s*/g, '; ');
  return e.name && e.name !== 'Error' ? `${e.name}: ${message}` : message;
}

/** Input buffers kept for reuse (batches in flight at once, plus one being filled). */
const SPARE_INPUTS = 3;

function spawn(): Worker {
  return new Worker(new URL('./inference-worker.js', import.meta.url));
}

/** A thread started ahead of need (see prewarmInference), idle and not keeping the process alive. */
let spare: Worker | null = null;

function takeSpare(): Worker | null {
  const w = spare;
  spare = null;
  // A thread that already ended would swallow the model's buffer and never answer.
  return w !== null && w.threadId >= 0 ? w : null;
}

/**
 * Start an inference thread now, so that starting it and loading ONNX Runtime's binding in it
 * overlap with reading the model; the next InferenceWorker.start takes it. Idle, it keeps
 * nothing alive, and a process that ends without using it loses nothing.
 */
export function prewarmInference(): void {
  if (spare !== null) return;
  const w = spawn();
  w.unref();
  w.once('exit', () => { if (spare === w) spare = null; });
  w.on('error', () => { if (spare === w) spare = null; });
  spare = w;
}

export class InferenceWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited = false;
  private closing: Promise<void> | null = null;
  private readonly exit: Promise<number>;
  /** Input buffers handed back with results, for takeInput. */
  private readonly spareInputs: ArrayBuffer[] = [];

  /**
   * @param createSeconds how long ONNX Runtime took to create the session (the floor of a model
   *   load, measured inside the worker)
   */
  private constructor(private readonly worker: Worker, readonly file: string, readonly createSeconds: number) {
    this.exit = new Promise((resolve) => worker.once('exit', resolve));
    worker.on('message', (msg: InferenceReply) => {
      if (msg.kind !== 'result' && msg.kind !== 'error') return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      this.updateRef();
      if (msg.kind === 'result' && msg.input && this.spareInputs.length < SPARE_INPUTS) this.spareInputs.push(msg.input);
      if (msg.kind === 'error') p.reject(new ModelError(`${file}: ONNX Runtime failed on a batch of shape [${p.dims.join(',')}]: ${describe(msg.error)}`));
      else p.resolve(msg.outputs);
    });
    // An exception escaping the worker's code, or the thread ending with batches unanswered.
    worker.on('error', (err) => this.failPending(`the inference worker crashed: ${err.message}`));
    void this.exit.then((code) => {
      this.exited = true;
      this.failPending(`the inference worker stopped unexpectedly (exit code ${code})`);
    });
  }

  /**
   * Start a worker with a session on `model` fetching `outputNames`; resolves once the session is
   * ready. `model` is either bytes (copied into the thread) or a loan of a ModelBytes buffer
   * (moved into the thread and given back once ONNX Runtime has parsed it: no copy).
   */
  static async start(
    model: Uint8Array | ModelLoan, file: string, inputName: string, outputNames: readonly string[], threads: number,
  ): Promise<InferenceWorker> {
    const loan = model instanceof Uint8Array ? null : model;
    const init: InferenceInit = { model: loan ? { buffer: loan.buffer, length: loan.length } : model, inputName, outputNames, threads };
    let worker: Worker;
    try {
      worker = takeSpare() ?? spawn();
      worker.ref();
      worker.postMessage({ kind: 'init', init }, loan ? [loan.buffer] : []);
    } catch (err) {
      loan?.giveBack(loan.buffer);
      throw err;
    }
    type First = Extract<InferenceReply, { kind: 'ready' | 'failed' }> | Error;
    const first = await new Promise<First>((resolve) => {
      const onMessage = (m: InferenceReply): void => { if (m.kind === 'ready' || m.kind === 'failed') done(m); };
      const onError = (e: Error): void => done(e);
      const onExit = (code: number): void => done(new Error(`the inference worker exited with code ${code} before its session was ready`));
      const done = (r: First): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(r);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    // The buffer is back once the worker has answered; a worker that died took it with it.
    loan?.giveBack(first instanceof Error ? null : first.lent);
    if (first instanceof Error || first.kind === 'failed') {
      // A worker whose session failed ends by itself; wait for it rather than terminate it.
      await new Promise<void>((resolve) => {
        if (worker.threadId === -1) resolve();
        else worker.once('exit', () => resolve());
      });
      const why = first instanceof Error ? first.message : describe(first.error);
      throw new ModelError(`${file}: ONNX Runtime cannot load the model: ${why}`);
    }
    const w = new InferenceWorker(worker, file, first.createSeconds);
    w.updateRef();
    return w;
  }

  /** Run one batch; `input` is transferred to the worker (it is unusable here afterwards). */
  run(input: Float32Array, dims: readonly number[]): Promise<Record<string, OutputTensor>> {
    if (this.closing || this.exited) {
      return Promise.reject(new ModelError(`${this.file}: the inference session is closed; no batch can run.`));
    }
    const id = this.nextId++;
    let resolve!: Pending['resolve'];
    let reject!: Pending['reject'];
    const promise = new Promise<Record<string, OutputTensor>>((res, rej) => { resolve = res; reject = rej; });
    this.pending.set(id, { resolve, reject, promise, dims: [...dims] });
    this.updateRef();
    this.worker.postMessage({ kind: 'run', id, input, dims: [...dims] }, [input.buffer as ArrayBuffer]);
    return promise;
  }

  /**
   * A buffer for the next batch's input, `length` floats: one handed back with an earlier result
   * when its size fits, else a new one. Its contents are left over from that batch: the caller
   * writes every element. Reusing them spares both threads' collectors a batch-sized allocation.
   */
  takeInput(length: number): Float32Array {
    const i = this.spareInputs.findIndex((b) => b.byteLength === length * 4);
    if (i < 0) return new Float32Array(length);
    const [buffer] = this.spareInputs.splice(i, 1);
    return new Float32Array(buffer!);
  }

  /**
   * Give a result's tensors back: the thread copies later outputs into their buffers. They are
   * transferred (unusable here afterwards); nothing may still read them.
   */
  recycle(outputs: Record<string, OutputTensor>): void {
    if (this.closing || this.exited) return;
    const buffers = [...new Set(Object.values(outputs).map((t) => t.data.buffer as ArrayBuffer))].filter((b) => b.byteLength > 0);
    if (buffers.length > 0) this.worker.postMessage({ kind: 'recycle', buffers }, buffers);
  }

  /**
   * Finish the batch in progress, release the session and end the thread (idempotent). Batches
   * still queued are answered with an error that nobody needs to handle.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    for (const p of this.pending.values()) p.promise.catch(() => undefined);
    this.closing = (async () => {
      if (!this.exited) {
        this.worker.ref(); // stay alive until the session is released and the thread has ended
        this.worker.postMessage({ kind: 'close' });
        await this.exit;
      }
    })();
    return this.closing;
  }

  private updateRef(): void {
    if (this.exited) return;
    if (this.pending.size > 0 || this.closing) this.worker.ref();
    else this.worker.unref();
  }

  private failPending(why: string): void {
    for (const p of this.pending.values()) p.reject(new ModelError(`${this.file}: ${why}; the batch of shape [${p.dims.join(',')}] did not run.`));
    this.pending.clear();
  }
}
