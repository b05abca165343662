// The model cut after the dissected layers: only the nodes those tensors depend on, only the
// initializers those nodes read, and the layers as the graph's outputs. A dissection never
// needs the rest (AlexNet's fully connected layers are 234 of its 244 MB of weights and run after
// conv5), so ONNX Runtime neither holds nor runs it. Works on the protobuf wire format: kept
// fields are copied byte for byte, nothing is decoded beyond names.
import { ModelError } from '../util/errors.js';

interface Field {
  readonly field: number;
  /** The whole field (key, length and payload): a view of the input, not a copy. */
  readonly raw: Uint8Array;
  /** The payload of a length-delimited field. */
  readonly body: Uint8Array | null;
}

function varint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= buf.length || shift > 63) throw new Error('truncated or overlong varint');
    const b = buf[pos++] as number;
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [result, pos];
  }
}

/** The fields of one message, in order. */
function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [key, p1] = varint(buf, pos);
    pos = p1;
    const wire = key % 8;
    let body: Uint8Array | null = null;
    if (wire === 0) pos = varint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, p2] = varint(buf, pos);
      if (p2 + len > buf.length) throw new Error('length past the end');
      body = buf.subarray(p2, p2 + len);
      pos = p2 + len;
    } else throw new Error(`unsupported wire type ${wire}`);
    if (pos > buf.length) throw new Error('field past the end');
    out.push({ field: Math.floor(key / 8), raw: buf.subarray(start, pos), body });
  }
  return out;
}

const utf8 = new TextDecoder();

function strings(msg: Uint8Array, field: number): string[] {
  return fields(msg).filter((f) => f.field === field && f.body).map((f) => utf8.decode(f.body!));
}

function encodeVarint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) { out.push((n % 128) | 128); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}

function lengthDelimited(field: number, payload: readonly Uint8Array[]): Uint8Array[] {
  const len = payload.reduce((a, p) => a + p.length, 0);
  return [Uint8Array.from([...encodeVarint(field * 8 + 2), ...encodeVarint(len)]), ...payload];
}

// ModelProto.graph; GraphProto fields; NodeProto fields; AttributeProto subgraph fields.
const MODEL_GRAPH = 7;
const G_NODE = 1, G_INITIALIZER = 5, G_INPUT = 11, G_OUTPUT = 12, G_VALUE_INFO = 13;
const N_INPUT = 1, N_OUTPUT = 2, N_ATTRIBUTE = 5;
const A_GRAPH = 6, A_GRAPHS = 11;
const TENSOR_NAME = 8, VALUE_INFO_NAME = 1;

/**
 * `bytes` (a serialized ModelProto) keeping only what computes `layers`, with `layers` as the
 * graph outputs (so do not add them again with withExtraOutputs). Returns the bytes unchanged
 * when the graph has subgraphs (If, Loop, Scan: their outer-scope reads are not followed here).
 * Throws ModelError when a layer is produced by no node.
 */
export function truncateAfter(bytes: Uint8Array, layers: readonly string[], file: string): Uint8Array {
  let top: Field[];
  const graph: Field[] = [];
  try {
    top = fields(bytes);
    // Appended ModelProto{graph{...}} fragments merge into one graph: read them all, in order.
    for (const f of top) if (f.field === MODEL_GRAPH && f.body) for (const g of fields(f.body)) graph.push(g);
  } catch (err) {
    throw new ModelError(`${file}: not an ONNX model (protobuf parse failed: ${(err as Error).message}).`);
  }
  const nodes = graph.filter((f) => f.field === G_NODE).map((f) => {
    const nf = fields(f.body!);
    const subgraph = nf.some((a) => a.field === N_ATTRIBUTE && fields(a.body!).some((x) => x.field === A_GRAPH || x.field === A_GRAPHS));
    return { f, inputs: strings(f.body!, N_INPUT), outputs: strings(f.body!, N_OUTPUT), subgraph };
  });
  if (nodes.some((n) => n.subgraph)) return bytes;
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => { for (const o of n.outputs) producer.set(o, i); });
  const keep = new Uint8Array(nodes.length);
  const stack: string[] = [];
  for (const l of layers) {
    if (!producer.has(l)) throw new ModelError(`${file}: no node produces '${l}'; cannot cut the model after it.`);
    stack.push(l);
  }
  const needed = new Set<string>();
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (needed.has(t)) continue;
    needed.add(t);
    const i = producer.get(t);
    if (i === undefined || keep[i]) continue;
    keep[i] = 1;
    for (const x of nodes[i]!.inputs) if (x !== '') stack.push(x);
    for (const o of nodes[i]!.outputs) needed.add(o);
  }
  const keptNode = new Set(nodes.filter((_, i) => keep[i]).map((n) => n.f));
  const parts: Uint8Array[] = [];
  for (const g of graph) {
    let kept: boolean;
    if (g.field === G_NODE) kept = keptNode.has(g);
    else if (g.field === G_INITIALIZER) kept = strings(g.body!, TENSOR_NAME).some((n) => needed.has(n));
    else if (g.field === G_INPUT || g.field === G_VALUE_INFO) kept = strings(g.body!, VALUE_INFO_NAME).some((n) => needed.has(n));
    else if (g.field === G_OUTPUT) kept = false;
    else kept = true;
    if (kept) parts.push(g.raw);
  }
  for (const l of layers) parts.push(...lengthDelimited(G_OUTPUT, lengthDelimited(VALUE_INFO_NAME, [new TextEncoder().encode(l)])));
  const out: Uint8Array[] = [];
  let graphWritten = false;
  for (const f of top) {
    if (f.field !== MODEL_GRAPH) out.push(f.raw);
    else if (!graphWritten) { out.push(...lengthDelimited(MODEL_GRAPH, parts)); graphWritten = true; }
  }
  const total = out.reduce((a, p) => a + p.length, 0);
  const result = new Uint8Array(total);
  let o = 0;
  for (const p of out) { result.set(p, o); o += p.length; }
  return result;
}
