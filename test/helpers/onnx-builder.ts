// Builds small ONNX models in tests (protobuf encoded by hand), so ground-truth tests need no
// model files: e.g. a convolution whose units detect known colours.

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) { out.push((n % 128) | 128); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}
const key = (field: number, wire: number): number[] => varint(field * 8 + wire);
const bytesField = (field: number, payload: readonly number[] | Uint8Array): number[] => [...key(field, 2), ...varint(payload.length), ...payload];
const strField = (field: number, s: string): number[] => bytesField(field, new TextEncoder().encode(s));
const intField = (field: number, v: number): number[] => [...key(field, 0), ...varint(v)];

export interface Initializer { readonly name: string; readonly dims: readonly number[]; readonly values: Float32Array }
export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly intsAttrs?: Readonly<Record<string, readonly number[]>>;
  /** Single-integer attributes (e.g. Cast's `to`, ReduceMax's `keepdims`). */
  readonly intAttrs?: Readonly<Record<string, number>>;
}
export interface TensorSpec { readonly name: string; readonly dims: readonly (number | string)[]; readonly elemType?: number }

function valueInfo(t: TensorSpec): number[] {
  const dims = t.dims.flatMap((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : strField(2, d)));
  const tensorType = [...intField(1, t.elemType ?? 1), ...bytesField(2, dims)];
  return [...strField(1, t.name), ...bytesField(2, bytesField(1, tensorType))];
}

export function buildModel(spec: { nodes: readonly NodeSpec[]; inputs: readonly TensorSpec[]; outputs: readonly TensorSpec[]; initializers: readonly Initializer[] }): Uint8Array {
  const graph: number[] = [];
  spec.nodes.forEach((n, i) => {
    const node: number[] = [];
    for (const x of n.inputs) node.push(...strField(1, x));
    for (const x of n.outputs) node.push(...strField(2, x));
    node.push(...strField(3, `node${i}`), ...strField(4, n.op));
    for (const [name, ints] of Object.entries(n.intsAttrs ?? {})) {
      const attr = [...strField(1, name), ...intField(20, 7)];
      for (const v of ints) attr.push(...intField(8, v));
      node.push(...bytesField(5, attr));
    }
    for (const [name, v] of Object.entries(n.intAttrs ?? {})) {
      node.push(...bytesField(5, [...strField(1, name), ...intField(3, v), ...intField(20, 2)]));
    }
    graph.push(...bytesField(1, node));
  });
  graph.push(...strField(2, 'test-graph'));
  for (const init of spec.initializers) {
    const t: number[] = [];
    for (const d of init.dims) t.push(...intField(1, d));
    t.push(...intField(2, 1), ...strField(8, init.name));
    t.push(...bytesField(9, new Uint8Array(init.values.buffer, init.values.byteOffset, init.values.byteLength)));
    graph.push(...bytesField(5, t));
  }
  for (const i of spec.inputs) graph.push(...bytesField(11, valueInfo(i)));
  for (const o of spec.outputs) graph.push(...bytesField(12, valueInfo(o)));
  const model = [...intField(1, 8), ...bytesField(8, [...strField(1, ''), ...intField(2, 13)]), ...strField(2, 'netdissect-tests'), ...bytesField(7, graph)];
  return Uint8Array.from(model);
}
