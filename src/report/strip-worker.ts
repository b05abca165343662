// Worker thread of the report: composites unit strips (CompositeJob in, filled shared buffers
// out) so the per-pixel work of many units runs on several cores.
import { parentPort } from 'node:worker_threads';
import { Compositor, type CompositeJob } from './composite.js';

const compositor = new Compositor();
const port = parentPort;
if (port) {
  port.on('message', (message: { id: number; job: CompositeJob }) => {
    try {
      compositor.composite(message.job);
      port.postMessage({ id: message.id });
    } catch (err) {
      port.postMessage({ id: message.id, error: (err as Error).message });
    }
  });
}
