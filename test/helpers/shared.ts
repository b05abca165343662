// Where the workplace's shared test data lives (../shared beside the checkout). A user's clone
// has none: tests that need it skip with a message. In CI (env CI set) the data must be there:
// a missing path fails the test instead, so a golden check can never be skipped unnoticed.
import { existsSync } from 'node:fs';
import path from 'node:path';

export const SHARED = path.resolve(process.cwd(), '..', 'shared');
export const PARITY = path.join(SHARED, 'parity');
export const MOBILENET = path.join(SHARED, 'data', 'models', 'mobilenet_v2_imagenet.onnx');
export const CAMVID = path.join(SHARED, 'data', 'camvid');

/** True in CI: env CI set to anything but '', '0' or 'false' (CI services set CI=true; .ci/run sets CI=1). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env['CI'] ?? '').trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false';
}

/**
 * A test's requirement that is absent: returns the skip reason locally, and throws in CI so the
 * test (or the whole file, when called at load) fails with that reason and what to do.
 */
export function requirementMissing(reason: string, fix: string, env: NodeJS.ProcessEnv = process.env): string {
  if (inCi(env)) throw new Error(`${reason}; CI is set, so this fails instead of skipping: ${fix}`);
  return reason;
}

/** Skip reason when a shared path is absent, or null when it is there (throws in CI, see above). */
export function sharedMissing(p: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (existsSync(p)) return null;
  return requirementMissing(
    `${path.relative(process.cwd(), p)} not found: shared test data is only in the project's CI and workplace`,
    `put the shared data (parity/, data/) at ${SHARED}, or unset CI to let the test skip`,
    env,
  );
}
