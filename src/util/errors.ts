// Error classes by kind. Every message says what went wrong, where (file:line, layer, image),
// what was expected, and what to do; the CLI prints the message alone and exits with the code.

/** Base class: `exitCode` is what the CLI exits with (1 run failed, 2 usage error). */
export class NetDissectError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad command line: unknown option value, out-of-range number, missing argument. Exit 2. */
export class UsageError extends NetDissectError {
  override readonly exitCode = 2;
}

/** The dataset is missing a file, has a malformed row, an unknown label, a corrupt image. */
export class DatasetError extends NetDissectError {}

/** The model cannot be used: not ONNX, wrong inputs, unknown or non-4-D layer, NaN output. */
export class ModelError extends NetDissectError {}

/** The run directory cannot be used: locked, settings differ, not writable. */
export class RunDirError extends NetDissectError {}

/** Raise `ErrorClass(message())` unless `condition`; the message is built only on failure. */
export function check(
  condition: boolean,
  ErrorClass: new (message: string) => NetDissectError,
  message: () => string,
): asserts condition {
  if (!condition) throw new ErrorClass(message());
}

/** The run was stopped (SIGINT, SIGTERM, an aborted signal) after checkpointing. Exit 130. */
export class InterruptedError extends NetDissectError {
  override readonly exitCode = 130;
  /** Images through the forward pass when it stopped (global count, for the message). */
  constructor(readonly imagesDone: number, message = `interrupted after ${imagesDone} images`) {
    super(message);
  }
}

/** An error as it crosses a thread or process boundary: its class name and message. */
export interface WireError {
  readonly name: string;
  readonly message: string;
}

export function errorToWire(err: unknown): WireError {
  if (err instanceof Error) return { name: err instanceof NetDissectError ? err.name : 'Error', message: err.message };
  return { name: 'Error', message: String(err) };
}

/** The error on this side of the boundary, with its class restored (NetDissect classes) and its message kept. */
export function errorFromWire(w: WireError): Error {
  switch (w.name) {
    case 'UsageError': return new UsageError(w.message);
    case 'DatasetError': return new DatasetError(w.message);
    case 'ModelError': return new ModelError(w.message);
    case 'RunDirError': return new RunDirError(w.message);
    case 'NetDissectError': return new NetDissectError(w.message);
    default: return new Error(w.message);
  }
}
