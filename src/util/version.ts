// The tool's version, read from package.json once (recorded in run.json and results.json).
import { readFileSync } from 'node:fs';

const pkgUrl = new URL('../../../package.json', import.meta.url);
export const TOOL_VERSION: string = (JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string }).version;
