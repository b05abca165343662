#!/usr/bin/env node
// Entry point: the CLI is compiled from TypeScript into dist/ by `npm run build` (run by `prepare`).
import { main } from '../dist/src/cli/main.js';
main(process.argv).then((code) => { process.exitCode = code; });
