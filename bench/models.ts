// Heavy benchmark models built here, with seeded random weights (no downloads): ResNet-18,
// AlexNet and VGG-16 in torchvision's shapes, as ONNX files. Same seed, same bytes.
//
// Tensor names: AlexNet and VGG-16 call a convolution's output `<conv>_pre` and its ReLU's output
// `<conv>` (conv1..conv5; conv1_1..conv5_3), as NetDissect names its layers; ResNet-18's stages end
// in `layer1`..`layer4`. Batch normalisation is folded away (a trained network's would be too).
// Weights are He-normal (std = sqrt(2 / fan-in)), so activations stay finite through the depth.
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Random } from '../src/util/random.js';

/** A protobuf message as a list of byte parts: large payloads are referenced, never copied. */
class Message {
  readonly parts: Uint8Array[] = [];
  length = 0;

  private push(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }

  private static varint(n: number): number[] {
    const out: number[] = [];
    while (n > 127) { out.push((n % 128) | 128); n = Math.floor(n / 128); }
    out.push(n);
    return out;
  }

  int(field: number, v: number): this {
    return this.push(Uint8Array.from([...Message.varint(field * 8), ...Message.varint(v)]));
  }

  bytes(field: number, payload: Uint8Array | Message): this {
    this.push(Uint8Array.from([...Message.varint(field * 8 + 2), ...Message.varint(payload.length)]));
    if (payload instanceof Message) for (const p of payload.parts) this.push(p);
    else this.push(payload);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
}

interface Node { op: string; inputs: string[]; output: string; ints?: Record<string, number[]>; int?: Record<string, number> }
interface Weight { name: string; dims: number[]; fanIn: number; zero?: boolean }

/** A network under construction: nodes in order, weights generated when written. */
class Net {
  readonly nodes: Node[] = [];
  readonly weights: Weight[] = [];
  constructor(readonly name: string) {}

  conv(input: string, output: string, cin: number, cout: number, k: number, stride: number, pad: number): string {
    const w = `${output}.weight`;
    const b = `${output}.bias`;
    this.weights.push({ name: w, dims: [cout, cin, k, k], fanIn: cin * k * k }, { name: b, dims: [cout], fanIn: 1, zero: true });
    this.nodes.push({ op: 'Conv', inputs: [input, w, b], output, ints: { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] } });
    return output;
  }

  relu(input: string, output: string): string {
    this.nodes.push({ op: 'Relu', inputs: [input], output });
    return output;
  }

  maxPool(input: string, output: string, k: number, stride: number, pad = 0): string {
    this.nodes.push({ op: 'MaxPool', inputs: [input], output, ints: { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] } });
    return output;
  }

  add(a: string, b: string, output: string): string {
    this.nodes.push({ op: 'Add', inputs: [a, b], output });
    return output;
  }

  flatten(input: string, output: string): string {
    this.nodes.push({ op: 'Flatten', inputs: [input], output });
    return output;
  }

  globalAvgPool(input: string, output: string): string {
    this.nodes.push({ op: 'GlobalAveragePool', inputs: [input], output });
    return output;
  }

  /** Fully connected: y = x · W + b with W [in, out]. */
  fc(input: string, output: string, fin: number, fout: number): string {
    const w = `${output}.weight`;
    const b = `${output}.bias`;
    this.weights.push({ name: w, dims: [fin, fout], fanIn: fin }, { name: b, dims: [fout], fanIn: 1, zero: true });
    this.nodes.push({ op: 'Gemm', inputs: [input, w, b], output });
    return output;
  }

  /** Parameters (float32 values) of the network. */
  parameters(): number {
    return this.weights.reduce((a, w) => a + w.dims.reduce((x, y) => x * y, 1), 0);
  }

  /** Serialize as an ONNX ModelProto (opset 13) with input 'image' [N,3,size,size] and `output`. */
  write(file: string, output: string, outputDims: (number | string)[], size: number, seed: number): void {
    const graph = new Message();
    this.nodes.forEach((n, i) => {
      const node = new Message();
      for (const x of n.inputs) node.string(1, x);
      node.string(2, n.output).string(3, `node${i}`).string(4, n.op);
      for (const [name, ints] of Object.entries(n.ints ?? {})) {
        const attr = new Message().string(1, name).int(20, 7);
        for (const v of ints) attr.int(8, v);
        node.bytes(5, attr);
      }
      for (const [name, v] of Object.entries(n.int ?? {})) node.bytes(5, new Message().string(1, name).int(3, v).int(20, 2));
      graph.bytes(1, node);
    });
    graph.string(2, this.name);
    this.weights.forEach((w, i) => {
      const n = w.dims.reduce((a, b) => a * b, 1);
      const values = new Float32Array(n);
      if (!w.zero) {
        const rng = new Random((seed * 7919 + i) >>> 0);
        const std = Math.sqrt(2 / w.fanIn);
        for (let j = 0; j < n; j++) values[j] = rng.gaussian() * std;
      }
      const t = new Message();
      for (const d of w.dims) t.int(1, d);
      t.int(2, 1).string(8, w.name).bytes(9, new Uint8Array(values.buffer));
      graph.bytes(5, t);
    });
    const valueInfo = (name: string, dims: (number | string)[]): Message => {
      const shape = new Message();
      for (const d of dims) shape.bytes(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
      return new Message().string(1, name).bytes(2, new Message().bytes(1, new Message().int(1, 1).bytes(2, shape)));
    };
    graph.bytes(11, valueInfo('image', ['N', 3, size, size]));
    graph.bytes(12, valueInfo(output, outputDims));
    const model = new Message().int(1, 8).bytes(8, new Message().string(1, '').int(2, 13)).string(2, 'netdissect-bench').bytes(7, graph);
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    try {
      for (const p of model.parts) writeSync(fd, p);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  }
}

export type BenchModelName = 'alexnet' | 'vgg16' | 'resnet18';

export interface BenchModel {
  readonly file: string;
  /** The network's float32 parameters. */
  readonly parameters: number;
  /** Tensor names worth dissecting, deepest last. */
  readonly layers: readonly string[];
}

function alexnet(): { net: Net; output: string } {
  const n = new Net('alexnet');
  let x = n.relu(n.conv('image', 'conv1_pre', 3, 64, 11, 4, 2), 'conv1');
  x = n.maxPool(x, 'pool1', 3, 2);
  x = n.relu(n.conv(x, 'conv2_pre', 64, 192, 5, 1, 2), 'conv2');
  x = n.maxPool(x, 'pool2', 3, 2);
  x = n.relu(n.conv(x, 'conv3_pre', 192, 384, 3, 1, 1), 'conv3');
  x = n.relu(n.conv(x, 'conv4_pre', 384, 256, 3, 1, 1), 'conv4');
  x = n.relu(n.conv(x, 'conv5_pre', 256, 256, 3, 1, 1), 'conv5');
  x = n.flatten(n.maxPool(x, 'pool5', 3, 2), 'flat');
  x = n.relu(n.fc(x, 'fc6_pre', 256 * 6 * 6, 4096), 'fc6');
  x = n.relu(n.fc(x, 'fc7_pre', 4096, 4096), 'fc7');
  return { net: n, output: n.fc(x, 'fc8', 4096, 1000) };
}

function vgg16(): { net: Net; output: string } {
  const n = new Net('vgg16');
  const stages = [[64, 2], [128, 2], [256, 3], [512, 3], [512, 3]] as const;
  let x = 'image';
  let cin = 3;
  stages.forEach(([c, convs], s) => {
    for (let i = 1; i <= convs; i++) {
      x = n.relu(n.conv(x, `conv${s + 1}_${i}_pre`, cin, c, 3, 1, 1), `conv${s + 1}_${i}`);
      cin = c;
    }
    x = n.maxPool(x, `pool${s + 1}`, 2, 2);
  });
  x = n.flatten(x, 'flat');
  x = n.relu(n.fc(x, 'fc6_pre', 512 * 7 * 7, 4096), 'fc6');
  x = n.relu(n.fc(x, 'fc7_pre', 4096, 4096), 'fc7');
  return { net: n, output: n.fc(x, 'fc8', 4096, 1000) };
}

function resnet18(): { net: Net; output: string } {
  const n = new Net('resnet18');
  let x = n.relu(n.conv('image', 'conv1', 3, 64, 7, 2, 3), 'relu');
  x = n.maxPool(x, 'maxpool', 3, 2, 1);
  let cin = 64;
  [64, 128, 256, 512].forEach((c, s) => {
    const stage = `layer${s + 1}`;
    for (let b = 0; b < 2; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const p = `${stage}.${b}`;
      const y = n.relu(n.conv(x, `${p}.conv1`, cin, c, 3, stride, 1), `${p}.relu1`);
      const z = n.conv(y, `${p}.conv2`, c, c, 3, 1, 1);
      const shortcut = stride !== 1 || cin !== c ? n.conv(x, `${p}.downsample`, cin, c, 1, stride, 0) : x;
      x = n.relu(n.add(z, shortcut, `${p}.add`), b === 1 ? stage : `${p}.out`);
      cin = c;
    }
  });
  x = n.flatten(n.globalAvgPool(x, 'avgpool'), 'flat');
  return { net: n, output: n.fc(x, 'fc', 512, 1000) };
}

const BUILDERS: Readonly<Record<BenchModelName, { build: () => { net: Net; output: string }; layers: readonly string[] }>> = {
  alexnet: { build: alexnet, layers: ['conv3', 'conv4', 'conv5'] },
  vgg16: { build: vgg16, layers: ['conv4_3', 'conv5_3'] },
  resnet18: { build: resnet18, layers: ['layer3', 'layer4'] },
};

/**
 * The model `name` with weights from `seed`, at 224×224, written to `dir` (reused when it is
 * already there: the same name and seed give the same bytes).
 */
export function benchModel(name: BenchModelName, dir: string, seed = 1): BenchModel {
  const { build, layers } = BUILDERS[name];
  const { net, output } = build();
  const file = path.join(dir, `${name}-seed${seed}.onnx`);
  if (!existsSync(file)) net.write(file, output, ['N', 1000], 224, seed);
  return { file, parameters: net.parameters(), layers };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // node dist/bench/models.js NAME DIR [SEED]: write one model and print its path.
  const [name, dir, seed] = process.argv.slice(2);
  if (!name || !(name in BUILDERS) || !dir) {
    process.stderr.write(`usage: node dist/bench/models.js ${Object.keys(BUILDERS).join('|')} DIR [SEED]\n`);
    process.exitCode = 2;
  } else {
    const m = benchModel(name as BenchModelName, dir, seed === undefined ? 1 : Number(seed));
    process.stdout.write(`${m.file}\t${(m.parameters * 4 / 1e6).toFixed(1)} MB of weights\tlayers: ${m.layers.join(', ')}\n`);
  }
}
