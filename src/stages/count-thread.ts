// A counting thread of pass 2: runs countChunk on the jobs it is sent (maps and labels, read by
// the thread that owns the dataset), in arrival order; at the end it sends its partial counts.
// It holds no dataset: only the counters and the kernel's scratch.
import { parentPort, workerData } from 'node:worker_threads';
import { errorToWire } from '../util/errors.js';
import { Counters, countChunk, type CountThreadInit, type CountThreadJob, type CountThreadMessage } from './count.js';

const init = workerData as CountThreadInit;
const port = parentPort!;
const counters = new Counters(init.setup);

const send = (msg: CountThreadMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

port.on('message', (msg: { job?: CountThreadJob; finish?: true }) => {
  try {
    if (msg.job) {
      countChunk(counters, msg.job.chunk, msg.job.labels, msg.job.sizes);
      Atomics.sub(init.queued, init.lane, 1);
      send({ kind: 'done', images: msg.job.chunk.images.length });
    } else if (msg.finish) {
      const partial = counters.partial();
      send({ kind: 'partial', partial }, [partial.truth.buffer, ...partial.layers.flatMap((l) => [l.intersection.buffer, l.activation.buffer])] as ArrayBuffer[]);
    }
  } catch (err) {
    send({ kind: 'error', error: errorToWire(err) });
  }
});
