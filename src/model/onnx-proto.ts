// Just enough of the ONNX protobuf format to list a model's inputs, nodes and tensor names,
// and to expose intermediate tensors as graph outputs without re-encoding the model.
import { ModelError } from '../util/errors.js';

export interface TensorInfo {
  readonly name: string;
  readonly elemType: number; // ONNX TensorProto.DataType (1 = float)
  /** Dimensions: a number, a symbolic name, or null when unknown. */
  readonly dims: readonly (number | string | null)[] | null;
}

export interface NodeInfo {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface GraphInfo {
  readonly inputs: readonly TensorInfo[]; // graph inputs that are not initializers
  readonly outputs: readonly TensorInfo[];
  readonly nodes: readonly NodeInfo[];
  readonly valueInfo: ReadonlyMap<string, TensorInfo>;
  /** Names of the initializers (the weights); their data is never decoded. */
  readonly initializers: ReadonlySet<string>;
}

const decoder = new TextDecoder();

class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  }
  /** Calls `onField(fieldNumber, wireType, reader-at-payload)` for each field; skips the payload after. */
  fields(onField: (field: number, wire: number, sub: Reader | null, value: number) => void): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (field === 0) throw new Error('field number 0');
      if (wire === 0) onField(field, wire, null, this.varint());
      else if (wire === 1) { this.skip(8); onField(field, wire, null, 0); }
      else if (wire === 5) { this.skip(4); onField(field, wire, null, 0); }
      else if (wire === 2) {
        const len = this.varint();
        if (this.pos + len > this.end) throw new Error('length past end');
        const sub = new Reader(this.buf, this.pos, this.pos + len);
        this.pos += len;
        onField(field, wire, sub, len);
      } else throw new Error(`unsupported wire type ${wire}`);
    }
  }
  skip(n: number): void {
    if (this.pos + n > this.end) throw new Error('truncated field');
    this.pos += n;
  }
  string(): string {
    return decoder.decode(this.buf.subarray(this.pos, this.end));
  }
}

function readValueInfo(r: Reader): TensorInfo {
  let name = '';
  let elemType = 0;
  let dims: (number | string | null)[] | null = null;
  r.fields((f, _w, sub) => {
    if (f === 1 && sub) name = sub.string();
    else if (f === 2 && sub) {
      sub.fields((tf, _tw, tsub) => {
        if (tf !== 1 || !tsub) return; // tensor_type only
        tsub.fields((ttf, _ttw, ttsub, value) => {
          if (ttf === 1) elemType = value;
          else if (ttf === 2 && ttsub) {
            dims = [];
            ttsub.fields((df, _dw, dsub) => {
              if (df !== 1 || !dsub) return;
              let dim: number | string | null = null;
              dsub.fields((ddf, _ddw, ddsub, dvalue) => {
                if (ddf === 1) dim = dvalue;
                else if (ddf === 2 && ddsub) dim = ddsub.string();
              });
              dims!.push(dim);
            });
          }
        });
      });
    }
  });
  return { name, elemType, dims };
}

/**
 * Parse the graph of a serialized ModelProto. Throws ModelError when it is not ONNX. Weights are
 * skipped where they lie: an initializer's raw_data or float_data is stepped over by its length,
 * never copied or decoded, so a 500 MB model parses in the time its few thousand names take.
 */
export function parseGraph(bytes: Uint8Array, file: string): GraphInfo {
  const nodes: NodeInfo[] = [];
  const inputs: TensorInfo[] = [];
  const outputs: TensorInfo[] = [];
  const valueInfo = new Map<string, TensorInfo>();
  const initializers = new Set<string>();
  let sawGraph = false;
  try {
    new Reader(bytes, 0, bytes.length).fields((f, _w, sub) => {
      if (f !== 7 || !sub) return;
      sawGraph = true;
      sub.fields((gf, _gw, gsub) => {
        if (!gsub) return;
        if (gf === 1) {
          let name = '';
          let opType = '';
          const ins: string[] = [];
          const outs: string[] = [];
          gsub.fields((nf, _nw, nsub) => {
            if (!nsub) return;
            if (nf === 1) ins.push(nsub.string());
            else if (nf === 2) outs.push(nsub.string());
            else if (nf === 3) name = nsub.string();
            else if (nf === 4) opType = nsub.string();
          });
          nodes.push({ name, opType, inputs: ins, outputs: outs });
        } else if (gf === 5) {
          gsub.fields((tf, _tw, tsub) => {
            if (tf === 8 && tsub) initializers.add(tsub.string());
          });
        } else if (gf === 11) inputs.push(readValueInfo(gsub));
        else if (gf === 12) outputs.push(readValueInfo(gsub));
        else if (gf === 13) {
          const vi = readValueInfo(gsub);
          valueInfo.set(vi.name, vi);
        }
      });
    });
  } catch (err) {
    throw new ModelError(`${file}: not an ONNX model (protobuf parse failed: ${(err as Error).message}). Export the network with torch.onnx.export, tf2onnx or jax2onnx.`);
  }
  if (!sawGraph || nodes.length === 0) {
    throw new ModelError(`${file}: not an ONNX model (no graph with nodes found). Export the network with torch.onnx.export, tf2onnx or jax2onnx.`);
  }
  return { inputs: inputs.filter((i) => !initializers.has(i.name)), outputs, nodes, valueInfo, initializers };
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** Protobuf bytes built from parts, without spreading large payloads into argument lists. */
type Bytes = Uint8Array;

function concat(parts: readonly Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function lengthDelimited(field: number, payload: Bytes): Bytes {
  return concat([Uint8Array.from(varintBytes(field * 8 + 2)), Uint8Array.from(varintBytes(payload.length)), payload]);
}

function varintField(field: number, value: number): Bytes {
  return Uint8Array.from([...varintBytes(field * 8), ...varintBytes(value)]);
}

const utf8 = (s: string): Bytes => new TextEncoder().encode(s);

/** A ModelProto{graph{...}} fragment holding `graphFields`, to append to the model bytes. */
function graphFragment(graphFields: readonly Bytes[]): Uint8Array {
  return graphFields.length === 0 ? new Uint8Array(0) : lengthDelimited(7, concat(graphFields));
}

/**
 * The fragment that, appended to a model's bytes, adds `names` as graph outputs: protobuf merges
 * repeated fields of the same message, so nothing of the original is re-encoded. Empty when
 * `names` is.
 */
export function extraOutputsFragment(names: readonly string[]): Uint8Array {
  return graphFragment(names.map((name) => lengthDelimited(12, lengthDelimited(1, utf8(name)))));
}

/** The model bytes with `names` added as graph outputs (a copy; see extraOutputsFragment). */
export function withExtraOutputs(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  return concat([bytes, extraOutputsFragment(names)]);
}

/** A 1×1 convolution to append: `output` = W · `input` across channels at every position. */
export interface ChannelMix {
  readonly input: string;
  readonly output: string;
  /** channels×channels row-major (float32). */
  readonly weights: Float32Array;
  readonly channels: number;
}

/**
 * The model bytes with 1×1 convolutions appended (nodes and initializers are repeated fields of
 * GraphProto, so an appended ModelProto{graph{node, initializer}} fragment merges into the
 * graph). Used to rotate a layer's units inside ONNX Runtime instead of in JavaScript.
 */
export function withChannelMixes(bytes: Uint8Array, mixes: readonly ChannelMix[]): Uint8Array {
  return concat([bytes, channelMixesFragment(mixes)]);
}

/** The fragment of withChannelMixes alone (empty when `mixes` is). */
export function channelMixesFragment(mixes: readonly ChannelMix[]): Uint8Array {
  const fields: Bytes[] = [];
  mixes.forEach((m, i) => {
    const weightName = `${m.output}__weights`;
    fields.push(lengthDelimited(1, concat([
      lengthDelimited(1, utf8(m.input)),
      lengthDelimited(1, utf8(weightName)),
      lengthDelimited(2, utf8(m.output)),
      lengthDelimited(3, utf8(`netdissect_mix_${i}`)),
      lengthDelimited(4, utf8('Conv')),
    ])));
    const raw = new Uint8Array(m.weights.buffer, m.weights.byteOffset, m.weights.byteLength);
    fields.push(lengthDelimited(5, concat([
      ...[m.channels, m.channels, 1, 1].map((d) => varintField(1, d)),
      varintField(2, 1), // FLOAT
      lengthDelimited(8, utf8(weightName)),
      lengthDelimited(9, raw),
    ])));
  });
  return graphFragment(fields);
}
