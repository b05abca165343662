// The messages between InferenceWorker (main thread) and inference-worker.ts (its thread).

export interface InferenceInit {
  /** The model bytes: a view on a SharedArrayBuffer, so the worker sees them without a copy. */
  readonly model: Uint8Array;
  readonly inputName: string;
  readonly outputNames: readonly string[];
  readonly threads: number;
}

export type InferenceRequest =
  | { readonly kind: 'run'; readonly id: number; readonly input: Float32Array; readonly dims: readonly number[] }
  | { readonly kind: 'close' };

/** An error crossing the thread boundary: its class name and message survive. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
}

export interface WireTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
  readonly type: string;
}

export type InferenceReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed'; readonly error: SerializedError }
  | { readonly kind: 'result'; readonly id: number; readonly outputs: Record<string, WireTensor> }
  | { readonly kind: 'error'; readonly id: number; readonly error: SerializedError }
  | { readonly kind: 'closed' };
