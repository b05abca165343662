// The messages between InferenceWorker (main thread) and inference-worker.ts (its thread).

export interface InferenceInit {
  /**
   * The model bytes: a copy (a Uint8Array, cloned into the thread), or a lent buffer (transferred
   * in, and transferred back in the first reply once the session holds the model).
   */
  readonly model: Uint8Array | { readonly buffer: ArrayBuffer; readonly length: number };
  readonly inputName: string;
  readonly outputNames: readonly string[];
  readonly threads: number;
}

export type InferenceRequest =
  | { readonly kind: 'init'; readonly init: InferenceInit }
  | { readonly kind: 'run'; readonly id: number; readonly input: Float32Array; readonly dims: readonly number[] }
  /** Output buffers the caller is done with: the thread copies later outputs into them. */
  | { readonly kind: 'recycle'; readonly buffers: readonly ArrayBuffer[] }
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
  | { readonly kind: 'ready'; readonly lent: ArrayBuffer | null; readonly createSeconds: number }
  | { readonly kind: 'failed'; readonly error: SerializedError; readonly lent: ArrayBuffer | null }
  /** `input`: the request's input buffer, handed back for the caller's next batch. */
  | { readonly kind: 'result'; readonly id: number; readonly outputs: Record<string, WireTensor>; readonly input: ArrayBuffer | null }
  | { readonly kind: 'error'; readonly id: number; readonly error: SerializedError }
  | { readonly kind: 'closed' };
