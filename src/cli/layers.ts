// `netdissect layers`: every 4-D intermediate tensor of a model, with its producing op and shape.
import type { Command } from 'commander';
import { listLayers, loadModel, resolveInputSize } from '../model/model.js';
import { sizeOption } from './options.js';

export function register(program: Command): void {
  program
    .command('layers')
    .description('list the 4-D tensors of a model that can be dissected: name, producing op, shape for one image')
    .requiredOption('--model <file>', 'ONNX model')
    .option('--input-size <h,w>', "input size when the model's is dynamic", sizeOption('--input-size'))
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: { model: string; inputSize?: [number, number]; json?: boolean }) => {
      const model = await loadModel(flags.model);
      const size = resolveInputSize(model, flags.inputSize);
      const layers = await listLayers(model, size);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ model: flags.model, input: { name: model.inputName, layout: model.layout, size }, layers }, null, 1)}\n`);
        return;
      }
      const w = Math.max(4, ...layers.map((l) => l.name.length));
      const o = Math.max(2, ...layers.map((l) => l.op.length));
      process.stdout.write(`${'name'.padEnd(w)}  ${'op'.padEnd(o)}  units×h×w\n`);
      for (const l of layers) process.stdout.write(`${l.name.padEnd(w)}  ${l.op.padEnd(o)}  ${l.shape.join('×')}\n`);
      process.stderr.write(`${layers.length} tensors; input '${model.inputName}' ${model.layout} ${size.join('×')}\n`);
    });
}
