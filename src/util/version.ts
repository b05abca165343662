// The tool's version, read from package.json once (recorded in run.json and results.json), and
// the one-line `netdissect --version` with the onnxruntime and Node.js versions a bug report needs.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

// dist/src/util/version.js → the package root, in the repository and in an installed package alike.
const pkgUrl = new URL('../../../package.json', import.meta.url);
export const TOOL_VERSION: string = (JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string }).version;

/** The onnxruntime-node binding actually loaded (the same value run.json records). */
export function onnxruntimeVersion(): string {
  const versions = (ort.env as { versions?: { node?: string; common?: string } }).versions;
  return versions?.node ?? versions?.common ?? 'unknown';
}

/** `netdissect 0.2.0 (onnxruntime-node 1.30.0, node v20.20.2)`. */
export function versionLine(): string {
  return `netdissect ${TOOL_VERSION} (onnxruntime-node ${onnxruntimeVersion()}, node ${process.version})`;
}
