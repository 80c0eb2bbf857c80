// The receptive field of an ONNX graph along its time axis, computed from the graph itself: how many
// frames of left and right context an output position needs, and how many output positions one input
// frame becomes (the upsampling). Streaming synthesis (src/pipeline/stream.ts) runs a chunkable stage on
// chunks carrying this much context, so the chunked output equals the whole-utterance output.
// Pure: a graph in (plain data, `graphOf` turns a decoded ModelProto into it), a result out. It is
// conservative: an op it does not understand on a time-dependent tensor makes the answer "not
// chunkable" naming that node, never a guess; an op that mixes every frame (attention's MatMul over
// time, a reduction over time) makes it "unbounded".

export interface GraphNode {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  /** Integer (list) attributes: kernel_shape, dilations, strides, pads, axis, perm … */
  attrs: Record<string, number | number[]>;
}

export interface RfGraph {
  nodes: GraphNode[];
  /** Small integer or float constants (initializers, Constant nodes) by tensor name: Slice axes, Resize scales … */
  constants: Map<string, number[]>;
  /** Names whose values are known without running (initializers, Constant outputs). */
  initializers: Set<string>;
}

/** How an output depends on the time axis of the chunked inputs. */
export interface TimeField {
  /** The output's time axis, counted from the end (-1: the last axis). */
  axis: number;
  /** Output positions per input frame (256 for a HiFi-GAN vocoder, 1 for a flow). */
  scale: number;
  /** Input frames of context an output position needs before and after its own frame (exact, may be fractional). */
  left: number;
  right: number;
}

export type ReceptiveField =
  | ({ kind: 'bounded' } & TimeField)
  /** Every output position depends on every frame (attention, a reduction over time): not chunkable. */
  | { kind: 'unbounded'; node: string; op: string; why: string }
  /** An op this analysis does not follow on a time-dependent tensor: not chunkable until it does. */
  | { kind: 'unsupported'; node: string; op: string; why: string };

/** A chunked input: its name, its time axis counted from the end (-1 for [batch, channels, frames]) and its rank if known. */
export interface TimeInput {
  name: string;
  axis: number;
  rank?: number;
}

interface TState {
  axis: number;
  rank: number | null;
  scale: number;
  left: number;
  right: number;
}
type State = TState | { bad: Exclude<ReceptiveField, { kind: 'bounded' }> };

const ELEMENTWISE = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Where', 'Equal', 'Less', 'Greater', 'And', 'Or', 'Not',
  'Tanh', 'Sigmoid', 'Relu', 'LeakyRelu', 'Elu', 'Selu', 'Gelu', 'Erf', 'Exp', 'Log', 'Neg', 'Abs', 'Sqrt', 'Reciprocal', 'Sin', 'Cos',
  'Softplus', 'Clip', 'Identity', 'Cast', 'Dropout', 'Floor', 'Ceil', 'Round', 'Sign', 'PRelu', 'HardSigmoid', 'Mish',
  'QuantizeLinear', 'DequantizeLinear',
]);
/** Ops whose output values do not depend on the time-dependent tensor's values (only its shape, or nothing). */
const SHAPE_ONLY = new Set(['Shape', 'Size', 'ConstantOfShape', 'Constant', 'EyeLike']);

/**
 * The receptive field of `output` with respect to the chunked `inputs` (other inputs are taken as
 * whole: an embedding, a speaker vector). Frames are the chunked inputs' time positions.
 */
export function receptiveField(g: RfGraph, inputs: TimeInput[], output: string): ReceptiveField {
  const states = propagate(g, inputs);
  const s = states.get(output);
  if (!s) return { kind: 'unsupported', node: output, op: '-', why: `output ${output} does not depend on the chunked inputs (${inputs.map((i) => i.name).join(', ')})` };
  if ('bad' in s) return s.bad;
  return { kind: 'bounded', axis: s.axis, scale: s.scale, left: Math.max(0, s.left), right: Math.max(0, s.right) };
}

/** Whole frames of context on each side that cover `rf` (the ceiling of its fractional bounds). */
export function contextFrames(rf: TimeField): { left: number; right: number } {
  const eps = 1e-9;
  return { left: Math.ceil(rf.left - eps), right: Math.ceil(rf.right - eps) };
}

/**
 * The exact context in whole frames: the positions of `output` that one input frame f makes are walked
 * back through the graph in integer positions (a strided or transposed conv rounds, which the fractional
 * bounds of `receptiveField` cannot), giving the input frames they read; left = f − first, right = last − f.
 * Null where the field is not bounded. Never more than `contextFrames` of the same field.
 */
export function exactContext(g: RfGraph, inputs: TimeInput[], output: string): { left: number; right: number } | null {
  const states = propagate(g, inputs);
  const out = states.get(output);
  if (!out || 'bad' in out) return null;
  const f = 1 << 20; // a frame far from both ends, so no edge clips the walk
  const need = new Map<string, [number, number]>([[output, [Math.floor(f * out.scale), Math.ceil((f + 1) * out.scale) - 1]]]);
  const widen = (t: string, lo: number, hi: number) => {
    const cur = need.get(t);
    need.set(t, cur ? [Math.min(cur[0], lo), Math.max(cur[1], hi)] : [lo, hi]);
  };
  for (const n of [...g.nodes].reverse()) {
    const wanted = n.outputs.map((o) => need.get(o)).filter((x): x is [number, number] => !!x);
    if (!wanted.length) continue;
    const a = Math.min(...wanted.map((w) => w[0]));
    const b = Math.max(...wanted.map((w) => w[1]));
    for (const [idx, t] of n.inputs.entries()) {
      const st = t ? states.get(t) : undefined;
      if (!st || 'bad' in st) continue;
      if ((n.op === 'Conv' || n.op === 'ConvTranspose') && idx === 0) {
        const k = ints(n.attrs.kernel_shape)!;
        const sp = k.length + st.axis;
        const span = (k[sp]! - 1) * (ints(n.attrs.dilations)?.[sp] ?? 1);
        const s = ints(n.attrs.strides)?.[sp] ?? 1;
        const pb = (ints(n.attrs.pads) ?? [])[sp] ?? 0;
        if (n.op === 'Conv') widen(t, a * s - pb, b * s - pb + span);
        else widen(t, Math.ceil((a + pb - span) / s), Math.floor((b + pb) / s));
      } else if ((n.op === 'Resize' || n.op === 'Upsample') && idx === 0) {
        const fct = states.get(n.outputs[0]!) as TState;
        const r = fct.scale / st.scale;
        widen(t, Math.floor(a / r) - 1, Math.ceil(b / r) + 1);
      } else {
        widen(t, a, b);
      }
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const i of inputs) {
    const w = need.get(i.name);
    if (!w) continue;
    lo = Math.min(lo, w[0]);
    hi = Math.max(hi, w[1]);
  }
  if (lo === Infinity) return null;
  return { left: Math.max(0, f - lo), right: Math.max(0, hi - f) };
}

function propagate(g: RfGraph, inputs: TimeInput[]): Map<string, State> {
  const st = new Map<string, State>();
  for (const i of inputs) st.set(i.name, { axis: i.axis, rank: i.rank ?? null, scale: 1, left: 0, right: 0 });
  for (const n of g.nodes) {
    const ins = n.inputs.map((x) => (x ? st.get(x) : undefined));
    if (!ins.some(Boolean)) continue; // constant with respect to the chunked inputs
    const bad = ins.find((x): x is { bad: Exclude<ReceptiveField, { kind: 'bounded' }> } => !!x && 'bad' in x);
    if (bad) {
      for (const o of n.outputs) st.set(o, bad);
      continue;
    }
    const r = step(g, n, ins as (TState | undefined)[]);
    if (r === null) continue; // the output no longer depends on the values (Shape …)
    for (const o of n.outputs) st.set(o, r);
  }
  return st;
}

const unsupported = (n: GraphNode, why: string): State => ({ bad: { kind: 'unsupported', node: n.name || n.outputs[0] || n.op, op: n.op, why } });
const unbounded = (n: GraphNode, why: string): State => ({ bad: { kind: 'unbounded', node: n.name || n.outputs[0] || n.op, op: n.op, why } });

function ints(v: number | number[] | undefined): number[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

/** Axes of a node (attribute, or its input at `inputIndex` given as a constant), made negative with `rank`. */
function axesOf(g: RfGraph, n: GraphNode, attr: string, inputIndex: number): number[] | undefined {
  const a = ints(n.attrs[attr]) ?? (n.inputs[inputIndex] ? g.constants.get(n.inputs[inputIndex]!) : undefined);
  return a;
}

function sameAxis(a: number, axis: number, rank: number | null): boolean {
  if (a < 0) return a === axis;
  return rank !== null ? a - rank === axis : true; // a positive axis with an unknown rank: assume it may be the time axis
}

function step(g: RfGraph, n: GraphNode, ins: (TState | undefined)[]): State | null {
  const timed = ins.filter((x): x is TState => !!x);
  const first = timed[0]!;
  if (SHAPE_ONLY.has(n.op)) return null;
  if (ELEMENTWISE.has(n.op)) {
    if (n.op === 'Where' || n.op.startsWith('Quantize') || n.op.startsWith('Dequantize') || n.op === 'Clip' || n.op === 'PRelu' || n.op === 'Pow') {
      // only the data inputs carry time; a time-dependent scale or bound would too and is merged alike
    }
    for (const x of timed) {
      if (x.axis !== first.axis) return unsupported(n, `inputs meet with their time on different axes (${x.axis} and ${first.axis})`);
      if (Math.abs(x.scale - first.scale) > 1e-9) return unsupported(n, `inputs meet at different time rates (${x.scale} and ${first.scale} positions a frame)`);
    }
    return {
      axis: first.axis,
      rank: timed.every((x) => x.rank === first.rank) ? first.rank : null,
      scale: first.scale,
      left: Math.max(...timed.map((x) => x.left)),
      right: Math.max(...timed.map((x) => x.right)),
    };
  }
  switch (n.op) {
    case 'Conv':
    case 'ConvTranspose': {
      if (ins[0] === undefined) return unsupported(n, 'its weights depend on the chunked input');
      if (timed.length > 1) return unsupported(n, 'its weights depend on the chunked input');
      const x = ins[0];
      const k = ints(n.attrs.kernel_shape);
      if (!k) return unsupported(n, 'no kernel_shape attribute');
      const spatial = k.length + x.axis; // index of the time axis among the spatial dims
      if (spatial < 0) return unsupported(n, 'the time axis is the batch or channel axis');
      const kk = k[spatial]!;
      const d = ints(n.attrs.dilations)?.[spatial] ?? 1;
      const s = ints(n.attrs.strides)?.[spatial] ?? 1;
      const autoPad = n.attrs.auto_pad;
      if (autoPad !== undefined && autoPad !== 0) return unsupported(n, 'auto_pad (give explicit pads)');
      const pads = ints(n.attrs.pads) ?? new Array(2 * k.length).fill(0);
      const pb = pads[spatial]!;
      const span = (kk - 1) * d;
      if (n.op === 'Conv') {
        // out[q] reads in[q·s − pb … q·s − pb + span]
        return { axis: x.axis, rank: x.rank, scale: x.scale / s, left: x.left + pb / x.scale, right: x.right + (span - pb) / x.scale };
      }
      // ConvTranspose: out[o] gets in[i] where o = i·s − pb + j·d, so i ∈ [(o + pb − span)/s, (o + pb)/s]
      return { axis: x.axis, rank: x.rank, scale: x.scale * s, left: x.left + (span - pb) / (x.scale * s), right: x.right + pb / (x.scale * s) };
    }
    case 'Resize':
    case 'Upsample': {
      const x = ins[0];
      if (!x || timed.length > 1) return unsupported(n, 'its scales depend on the chunked input');
      const scales = n.op === 'Upsample' ? g.constants.get(n.inputs[1] ?? '') : g.constants.get(n.inputs[2] ?? '');
      if (!scales?.length) return unsupported(n, 'its scales are not constants (sizes are not followed)');
      const f = scales[scales.length + x.axis]!;
      // nearest or linear interpolation: each output position reads the input frames around it
      return { axis: x.axis, rank: x.rank, scale: x.scale * f, left: x.left + 1 / x.scale, right: x.right + 1 / x.scale };
    }
    case 'Slice': {
      const x = ins[0];
      if (!x || timed.length > 1) return unsupported(n, 'its bounds depend on the chunked input');
      const axes = axesOf(g, n, 'axes', 3);
      const starts = g.constants.get(n.inputs[1] ?? '');
      const list = axes ?? (starts ? starts.map((_, i) => i) : undefined);
      if (!list) return unsupported(n, 'its axes are not constants');
      if (list.some((a) => sameAxis(a, x.axis, x.rank))) return unsupported(n, 'it slices the time axis');
      return x;
    }
    case 'Split': {
      const x = ins[0];
      if (!x || timed.length > 1) return unsupported(n, 'its split sizes depend on the chunked input');
      const a = Number(n.attrs.axis ?? 0);
      if (sameAxis(a, x.axis, x.rank)) return unsupported(n, 'it splits the time axis');
      return x;
    }
    case 'Concat': {
      const a = Number(n.attrs.axis);
      for (const x of timed) {
        if (sameAxis(a, x.axis, x.rank)) return unsupported(n, 'it concatenates along the time axis');
        if (x.axis !== first.axis || Math.abs(x.scale - first.scale) > 1e-9) return unsupported(n, 'inputs meet at different time axes or rates');
      }
      return { ...first, left: Math.max(...timed.map((x) => x.left)), right: Math.max(...timed.map((x) => x.right)) };
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      const x = ins[0];
      if (!x || timed.length > 1) return unsupported(n, 'its axes depend on the chunked input');
      const given = axesOf(g, n, 'axes', 1);
      if (!given) return unsupported(n, 'its axes are not constants');
      // axes count from the front: where they fall against the time axis (counted from the end) needs the rank
      if (x.rank === null) return unsupported(n, 'the rank of its input is not known');
      const rank = n.op === 'Unsqueeze' ? x.rank + given.length : x.rank - given.length;
      const axes = given.map((a) => (a < 0 ? a + (n.op === 'Unsqueeze' ? rank : x.rank!) : a));
      const pos = x.rank + x.axis; // from the front
      if (n.op === 'Squeeze' && axes.includes(pos)) return unsupported(n, 'it squeezes the time axis');
      const newPos = n.op === 'Unsqueeze' ? pos + axes.filter((a) => a <= pos).length : pos - axes.filter((a) => a < pos).length;
      return { ...x, rank, axis: newPos - rank };
    }
    case 'Transpose': {
      const x = ins[0]!;
      const perm = ints(n.attrs.perm);
      if (!perm || x.rank === null) return unsupported(n, 'its permutation or input rank is not known');
      const pos = x.rank + x.axis;
      return { ...x, axis: perm.indexOf(pos) - x.rank };
    }
    case 'MatMul': {
      const [a, b] = ins;
      if (a && a.axis === -1) return unbounded(n, 'it contracts over the time axis (a product across frames, as attention does)');
      if (b && b.axis === -2) return unbounded(n, 'it contracts over the time axis (a product across frames, as attention does)');
      if (a && b) return unbounded(n, 'both factors depend on the time axis (attention scores)');
      return a ?? b!;
    }
    case 'Softmax':
    case 'LogSoftmax':
    case 'LayerNormalization':
    case 'InstanceNormalization':
    case 'ReduceMean':
    case 'ReduceSum':
    case 'ReduceMax':
    case 'ReduceMin':
    case 'CumSum': {
      const x = ins[0]!;
      const axes = n.op === 'InstanceNormalization' ? [x.axis] : axesOf(g, n, n.op.startsWith('Reduce') ? 'axes' : 'axis', 1) ?? (n.op.startsWith('Reduce') ? null : [-1]);
      if (axes === null || axes.some((a) => sameAxis(a, x.axis, x.rank))) return unbounded(n, 'it combines every frame of the time axis');
      return x;
    }
    default:
      return unsupported(n, `op ${n.op} is not followed by the receptive-field analysis`);
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function numbersOf(t: any): number[] | undefined {
  const n = (t.dims ?? []).reduce((a: number, b: any) => a * Number(b), 1);
  if (n > 64) return undefined; // weights, not parameters of an op
  if (t.rawData?.length) {
    const b = Uint8Array.from(t.rawData as Uint8Array);
    const v = new DataView(b.buffer);
    const out: number[] = [];
    if (t.dataType === 7) for (let i = 0; i < b.length / 8; i++) out.push(Number(v.getBigInt64(i * 8, true)));
    else if (t.dataType === 6) for (let i = 0; i < b.length / 4; i++) out.push(v.getInt32(i * 4, true));
    else if (t.dataType === 1) for (let i = 0; i < b.length / 4; i++) out.push(v.getFloat32(i * 4, true));
    else return undefined;
    return out;
  }
  if (t.int64Data?.length) return t.int64Data.map((x: any) => Number(x.toString()));
  if (t.int32Data?.length) return [...t.int32Data];
  if (t.floatData?.length) return [...t.floatData];
  return undefined;
}

/** The plain graph of a decoded ModelProto (src/model/onnx.ts decodeOnnxModel): nodes, small constants. */
export function graphOf(model: any): RfGraph {
  const constants = new Map<string, number[]>();
  const initializers = new Set<string>();
  for (const t of model.graph.initializer ?? []) {
    initializers.add(t.name);
    const v = numbersOf(t);
    if (v) constants.set(t.name, v);
  }
  const nodes: GraphNode[] = [];
  for (const n of model.graph.node ?? []) {
    const attrs: Record<string, number | number[]> = {};
    for (const a of n.attribute ?? []) {
      // AttributeProto.type: 2 INT, 3 STRING, 7 INTS
      if (a.type === 7 || a.ints?.length) attrs[a.name] = (a.ints ?? []).map((x: any) => Number(x.toString()));
      else if (a.type === 2) attrs[a.name] = Number((a.i ?? 0).toString());
      else if (a.type === 3 && a.name === 'auto_pad') attrs[a.name] = autoPadCode(a.s ?? '');
    }
    if (n.opType === 'Constant') {
      const t = (n.attribute ?? []).find((a: any) => a.t)?.t;
      const v = t ? numbersOf(t) : undefined;
      if (v) constants.set(n.output[0], v);
      initializers.add(n.output[0]);
    }
    nodes.push({ op: n.opType, name: n.name ?? '', inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])], attrs });
  }
  return { nodes, constants, initializers };
}

function autoPadCode(s: Uint8Array | string): number {
  const v = typeof s === 'string' ? s : new TextDecoder().decode(s);
  return v === '' || v === 'NOTSET' ? 0 : 1;
}
