// Problems found while opening or checking a dataset. Opening for a run stops at the first error;
// `dataset validate` passes a list instead, so every problem is reported in one go.
import { DatasetError } from '../util/errors.js';

export interface DatasetProblem {
  /** 'error' makes the dataset unusable; 'warning' is reported and otherwise ignored. */
  readonly severity: 'error' | 'warning';
  /** The file concerned (as the user gave or sees it). */
  readonly file: string;
  /** 1-based line in that file, when the problem is in a text table. */
  readonly line?: number;
  readonly message: string;
}

/** `file:line: message` (the form editors jump to); a message that names the file stands alone. */
export function formatProblem(p: DatasetProblem): string {
  if (p.line === undefined && p.file !== '' && p.message.includes(p.file)) return p.message;
  return `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`;
}

/**
 * Record `problem` in `sink`, or — with no sink — throw it as a DatasetError when it is an error
 * (warnings are then dropped). Callers skip the bad item after reporting.
 */
export function report(sink: DatasetProblem[] | undefined, problem: DatasetProblem): void {
  if (sink) sink.push(problem);
  else if (problem.severity === 'error') throw new DatasetError(formatProblem(problem));
}
