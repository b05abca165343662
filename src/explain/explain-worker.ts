// Worker thread for `explain`: holds the dataset's atoms (and its cache of conjunction rows) and
// searches the units it is sent, one at a time. Units are independent, so the results do not
// depend on how units are spread over workers.
import { parentPort, workerData } from 'node:worker_threads';
import { CountSpace, type AtomSet } from './count-space.js';
import { explainUnit, type SearchKind } from './explain-unit.js';
import type { SearchSettings } from './search.js';

export interface ExplainWorkerInit {
  readonly global: AtomSet;
  readonly settings: SearchSettings;
  readonly search: SearchKind;
}

const init = workerData as ExplainWorkerInit;
const global = new CountSpace(init.global);
const port = parentPort!;

port.on('message', (msg: { unit: number; atoms: AtomSet }) => {
  try {
    port.postMessage({ result: explainUnit(global, msg.unit, msg.atoms, init.settings, init.search) });
  } catch (err) {
    port.postMessage({ error: (err as Error).message, unit: msg.unit });
  }
});
