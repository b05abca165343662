// Every command of the CLI, in the order `--help` lists them. Each module adds one command.
import type { Command } from 'commander';
import { register as registerDissect } from './dissect.js';
import { register as registerLayers } from './layers.js';
import { register as registerDemo } from './demo.js';
import { register as registerMakeDataset } from './make-dataset.js';
import { register as registerDataset } from './dataset.js';
import { register as registerDownload } from './download.js';
import { register as registerStats } from './stats.js';
import { register as registerCompare } from './compare.js';
import { register as registerReport } from './report.js';
import { register as registerServe } from './serve.js';
import { register as registerWorker } from './worker.js';
import { register as registerExplain } from './explain.js';
import { register as registerBaseline } from './baseline.js';

type Register = (program: Command) => void;

const registrations: Register[] = [
  registerDissect,
  registerLayers,
  registerMakeDataset,
  registerDemo,
  registerDataset,
  registerDownload,
  registerStats,
  registerCompare,
  registerReport,
  registerServe,
  registerWorker,
  registerExplain,
  registerBaseline,
];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
