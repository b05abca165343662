// A counting thread of pass 2: reopens the dataset from its spec and runs countImages on the
// chunks it is sent, in arrival order; at the end it sends its partial counts.
import { parentPort, workerData } from 'node:worker_threads';
import { openDataset } from '../dataset/open.js';
import { errorToWire } from '../util/errors.js';
import { Counters, countImages, type Chunk, type CountThreadInit, type CountThreadMessage } from './count.js';

const init = workerData as CountThreadInit;
const port = parentPort!;
const counters = new Counters(init.setup);
const ready = openDataset(init.spec);
ready.catch(() => undefined); // reported with the first chunk

const send = (msg: CountThreadMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: { chunk?: Chunk; finish?: true }) => {
  queue = queue.then(async () => {
    try {
      if (msg.chunk) {
        await countImages(await ready, counters, msg.chunk);
        send({ kind: 'done', images: msg.chunk.images.length });
      } else if (msg.finish) {
        const partial = counters.partial();
        send({ kind: 'partial', partial }, [partial.truth.buffer, ...partial.layers.flatMap((l) => [l.intersection.buffer, l.activation.buffer])] as ArrayBuffer[]);
      }
    } catch (err) {
      send({ kind: 'error', error: errorToWire(err) });
    }
  });
});
