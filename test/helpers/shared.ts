// Where the workplace's shared test data lives (../shared beside the checkout). A user's clone
// has none: tests that need it skip with this message.
import { existsSync } from 'node:fs';
import path from 'node:path';

export const SHARED = path.resolve(process.cwd(), '..', 'shared');
export const PARITY = path.join(SHARED, 'parity');
export const MOBILENET = path.join(SHARED, 'data', 'models', 'mobilenet_v2_imagenet.onnx');

/** Skip reason when a shared path is absent, or null when it is there. */
export function sharedMissing(p: string): string | null {
  return existsSync(p) ? null : `${path.relative(process.cwd(), p)} not found: shared test data is only in the project's CI and workplace`;
}
