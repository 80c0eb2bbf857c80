// 1-D convolutions as one matrix product each, for ONNX Runtime's CUDA provider. Its Conv kernel
// (onnxruntime/core/providers/cuda/nn/conv.cc, cuDNN frontend) keeps the plan of the last input shape
// only: whenever a call's length differs from the previous call's, every Conv node builds a new cuDNN
// execution plan (graph validation, heuristics, plan building; for a fused Conv+bias+activation all of
// them in one cuDNN graph) before it runs. A TTS request's lengths change on every call, so the plans are rebuilt on every
// call (issue 18's measurements: the convolution modules 30–70× slower than PyTorch, which caches plans
// per shape). cuBLAS's matrix products take any shape without a plan. Pure: a decoded ModelProto in, the
// same object rewritten; never a file.
//
// The rewrite (im2col in the graph). Conv(x, W, b) with W [Cout, Cin, k], pads (l, r), dilation d,
// stride s, one group:
//   xp     = Pad(x, l, r) along time                       (when l or r)
//   x_j    = Slice(xp, j·d, j·d − d·(k−1), step s), j < k  (the j-th tap of every output sample)
//   cols   = Concat(x_0 … x_{k−1}, channels)               [N, k·Cin, T']
//   y      = MatMul(W', cols) + b                          W'[co, j·Cin + ci] = W[co, ci, j]
// Grouped convolutions, 2-D convolutions, auto_pad and weights that are not float16/float32 initializers
// stay as they are, each with the reason.
//
// The `gather` form (EMOVOICE_CUDA_CONV=gather, to measure against the default): ONNX Runtime dispatches
// every node from the host, and k Slices and a Concat are k + 1 of them. Instead one Gather takes all taps:
//   idx    = [j·d]_j + [0, s, 2s, …]   [k, T']   (Shape, Gather, Range, Unsqueeze from the length; Add)
//   cols   = Reshape(Gather(xp, idx, axis 2) [N, Cin, k, T'], [0, Cin·k, −1])
//   y      = MatMul(W reshaped [Cout, Cin·k], cols) + b       (W's own layout: element ci·k + j)
// For a "same" convolution (l + r = d·(k−1), stride 1) the output positions are the unpadded input's, so
// convolutions whose inputs have the same length share the row of starts, and those that also share (k, d)
// the index: lengths are followed through "same" convolutions and elementwise nodes.
import { tensorFloats } from '../precision/convert.ts';
import { attr, FLOAT, FLOAT16, graphEditor, INT64, rawInt64 } from './graph.ts';

const INT64_MAX = 9223372036854775807n;

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface ConvMatMulRewrite {
  /** Conv nodes rewritten, by name. */
  rewritten: string[];
  /** Conv nodes left alone, with why. */
  kept: { node: string; why: string }[];
}

interface Fit {
  k: number;
  s: number;
  d: number;
  pads: [number, number];
}

function fits(n: any, weight: any, opset: number): Fit | { why: string } {
  if (opset < 11) return { why: `opset ${opset} < 11 (Pad and Slice take their pads and bounds as inputs from 11)` };
  if (!weight) return { why: 'its weight is not an initializer' };
  const dims = (weight.dims ?? []).map(Number);
  if (dims.length !== 3) return { why: `${dims.length - 2}-D` };
  if (weight.dataType !== FLOAT && weight.dataType !== FLOAT16) return { why: 'weight neither float32 nor float16' };
  if (weight.dataType === FLOAT16 && !weight.rawData?.length) return { why: 'float16 weight not stored as raw data' };
  if ((attr(n, 'group') ?? 1) !== 1) return { why: 'grouped' };
  const autoPad = attr(n, 'auto_pad');
  if (autoPad && autoPad !== 'NOTSET') return { why: `auto_pad ${autoPad}` };
  const pads = attr(n, 'pads') ?? [0, 0];
  return { k: dims[2], s: attr(n, 'strides')?.[0] ?? 1, d: attr(n, 'dilations')?.[0] ?? 1, pads: [pads[0], pads[1]] };
}

/** W [Cout, Cin, k] → W' [Cout, k·Cin] (element j·Cin + ci of row co is W[co, ci, j]), raw bytes of the same type. */
function tapMajor(weight: any, cout: number, cin: number, k: number): Uint8Array {
  const raw: Uint8Array | undefined = weight.rawData;
  // float16 travels as its bits: reordering moves elements, never converts them
  const w = weight.dataType === FLOAT ? tensorFloats(weight) : new Uint16Array(raw!.buffer.slice(raw!.byteOffset, raw!.byteOffset + raw!.byteLength));
  const out = weight.dataType === FLOAT ? new Float32Array(cout * k * cin) : new Uint16Array(cout * k * cin);
  for (let co = 0; co < cout; co++) for (let ci = 0; ci < cin; ci++) for (let j = 0; j < k; j++) out[co * k * cin + j * cin + ci] = w[(co * cin + ci) * k + j]!;
  return new Uint8Array(out.buffer);
}

/** A convolution whose output has its input's length (stride 1, pads l + r = d·(k−1)). */
const keepsLength = (f: Fit) => f.s === 1 && f.pads[0] + f.pads[1] === f.d * (f.k - 1);

/** Elementwise ops whose output has the length of their inputs (when those agree). */
const ELEMENTWISE = new Set(['Relu', 'LeakyRelu', 'Tanh', 'Sigmoid', 'Add', 'Sub', 'Mul', 'Div', 'Identity', 'Cast', 'Neg', 'Abs', 'Sqrt', 'Exp', 'Erf']);

/** Rewrite every fitting 1-D Conv of the model's main graph in place (see the header). */
export function rewriteConvAsMatMul(model: any, o: { im2col?: 'slices' | 'gather' } = {}): ConvMatMulRewrite {
  const g = model.graph;
  const opset = Number((model.opsetImport ?? []).find((o: any) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  const edit = graphEditor(g);
  const out: ConvMatMulRewrite = { rewritten: [], kept: [] };
  const nodes: any[] = [];
  const fresh = edit.fresh;
  const constant = (name: string, values: (number | bigint)[]) => {
    const t = fresh(name);
    g.initializer.push({ name: t, dataType: INT64, dims: [values.length], rawData: rawInt64(values) });
    return t;
  };
  // gather form: which tensors provably have the same length (the class's first tensor names it)
  const lengthOf = new Map<string, string>();
  const classOf = (t: string) => lengthOf.get(t) ?? t;
  const indices = new Map<string, string>(); // class|k|d of a length-keeping convolution → its [k, T] index tensor
  // constants: initializers, Constant nodes, and Identity/Cast/Reshape of constants (a shared bias)
  const consts = new Set<string>((g.initializer ?? []).map((t: any) => t.name));
  for (const n of o.im2col === 'gather' ? g.node : []) {
    if (n.opType === 'Constant' || (['Identity', 'Cast', 'Reshape', 'Unsqueeze'].includes(n.opType) && (n.input ?? []).every((i: string) => !i || consts.has(i)))) for (const t of n.output) consts.add(t);
  }
  for (const n of o.im2col === 'gather' ? g.node : []) {
    const data = (n.input ?? []).filter((i: string) => i && !consts.has(i));
    if (n.opType === 'Conv' && !consts.has(n.input[0])) {
      const w = edit.initializer(n.input[1]);
      const f = w ? fits(n, w, opset) : null;
      if (f && !('why' in f) && keepsLength(f)) lengthOf.set(n.output[0], classOf(n.input[0]));
    } else if (ELEMENTWISE.has(n.opType) && (!n.domain || n.domain === 'ai.onnx') && data.length && data.every((i: string) => classOf(i) === classOf(data[0]))) {
      // broadcast operands (a [C, 1] bias) are initializers or constants: only the data inputs count
      lengthOf.set(n.output[0], classOf(data[0]));
    }
  }
  const scalar = (name: string, value: number) => {
    const t = fresh(name);
    g.initializer.push({ name: t, dataType: INT64, dims: [], rawData: rawInt64([value]) });
    return t;
  };
  // the index of one convolution shape: for a "same" convolution (stride 1, l + r = d·(k−1)) the output
  // positions are those of its unpadded input, so the row of starts [0 … T−1] is made once per class of
  // equal lengths and each (k, d) adds its tap offsets to it once; any other shape gets its own index
  const rows = new Map<string, string>(); // class → [1, T] starts
  const offsetRow = (base: string, f: Fit) => {
    const offsets = fresh(`${base}.tap_offsets`);
    g.initializer.push({ name: offsets, dataType: INT64, dims: [f.k, 1], rawData: rawInt64(Array.from({ length: f.k }, (_, j) => j * f.d)) });
    return offsets;
  };
  const startsRow = (of: string, base: string, limit: (len: string) => string, step: number, before: any[]) => {
    const shape = fresh(`${base}.len_shape`);
    const len = fresh(`${base}.len`);
    const starts = fresh(`${base}.starts`);
    const row = fresh(`${base}.starts_row`);
    before.push(
      { name: fresh(`${base}.len_shape`), opType: 'Shape', input: [of], output: [shape] },
      { name: fresh(`${base}.len`), opType: 'Gather', input: [shape, scalar(`${base}.time_axis`, 2)], output: [len], attribute: [{ name: 'axis', type: 2, i: 0 }] },
      { name: fresh(`${base}.starts`), opType: 'Range', input: [scalar(`${base}.zero`, 0), limit(len), scalar(`${base}.stride`, step)], output: [starts] },
      { name: fresh(`${base}.starts_row`), opType: 'Unsqueeze', input: [starts, constant(`${base}.row_axis`, [0])], output: [row] },
    );
    return row;
  };
  const indexFor = (xp: string, xIn: string, f: Fit, base: string, before: any[]): string => {
    const same = keepsLength(f);
    const key = same ? `${classOf(xIn)}|${f.k}|${f.d}` : null;
    if (key && indices.has(key)) return indices.get(key)!;
    let row: string;
    if (same) {
      row = rows.get(classOf(xIn)) ?? startsRow(xIn, base, (len) => len, 1, before);
      rows.set(classOf(xIn), row);
    } else {
      // the padded length less the kernel's span, every s-th start
      row = startsRow(xp, base, (len) => {
        const last = fresh(`${base}.last_start`);
        before.push({ name: fresh(`${base}.last_start`), opType: 'Sub', input: [len, scalar(`${base}.span`, f.d * (f.k - 1))], output: [last] });
        return last;
      }, f.s, before);
    }
    const idx = fresh(`${base}.im2col_index`);
    before.push({ name: fresh(`${base}.im2col_index`), opType: 'Add', input: [offsetRow(base, f), row], output: [idx] });
    if (key) indices.set(key, idx);
    return idx;
  };
  for (const n of g.node) {
    if (n.opType !== 'Conv' || (n.domain && n.domain !== 'ai.onnx')) {
      nodes.push(n);
      continue;
    }
    const label = n.name || n.output[0];
    const weight = edit.initializer(n.input[1]);
    const bias = n.input[2] ? edit.initializer(n.input[2]) : null;
    const fit = fits(n, weight, opset);
    if ('why' in fit || (n.input[2] && !bias)) {
      out.kept.push({ node: label, why: 'why' in fit ? fit.why : 'its bias is not an initializer' });
      nodes.push(n);
      continue;
    }
    const { k, s, d, pads } = fit;
    const [cout, cin] = weight.dims.map(Number) as [number, number, number];
    const base = label.replace(/[^A-Za-z0-9_./-]/g, '_');
    // y = W'·cols (+ b), then the Conv is gone
    const matmul = (cols: string, w: string) => {
      if (bias) {
        const product = fresh(`${base}.product`);
        const b = fresh(`${base}.matmul_bias`);
        g.initializer.push({ ...bias, name: b, dims: [cout, 1] });
        nodes.push({ name: fresh(`${base}.matmul`), opType: 'MatMul', input: [w, cols], output: [product] });
        nodes.push({ name: fresh(`${base}.add_bias`), opType: 'Add', input: [product, b], output: [n.output[0]] });
      } else {
        nodes.push({ name: fresh(`${base}.matmul`), opType: 'MatMul', input: [w, cols], output: [n.output[0]] });
      }
      edit.release(n.input[1], n.input[2]);
      out.rewritten.push(label);
    };
    let x = n.input[0];
    if (pads[0] || pads[1]) {
      const padded = fresh(`${base}.padded`);
      nodes.push({ name: fresh(`${base}.pad`), opType: 'Pad', input: [x, constant(`${base}.pads`, [0, 0, pads[0], 0, 0, pads[1]])], output: [padded] });
      x = padded;
    }
    if (o.im2col === 'gather' && !(k === 1 && s === 1)) {
      // one Gather of all taps; the index once per class of equal lengths (see the header)
      const idx = indexFor(x, n.input[0], fit, base, nodes);
      const gathered = fresh(`${base}.gathered`);
      const cols = fresh(`${base}.columns`);
      nodes.push({ name: fresh(`${base}.im2col`), opType: 'Gather', input: [x, idx], output: [gathered], attribute: [{ name: 'axis', type: 2, i: 2 }] });
      nodes.push({ name: fresh(`${base}.columns`), opType: 'Reshape', input: [gathered, constant(`${base}.columns_shape`, [0, cin * k, -1])], output: [cols] });
      const w = fresh(`${base}.matmul_weight`);
      g.initializer.push({ ...weight, name: w, dims: [cout, cin * k] }); // W's own layout: element ci·k + j
      matmul(cols, w);
      continue;
    }
    // one Slice per kernel tap (a pointwise, unstrided convolution reads the input itself)
    const taps: string[] = [];
    if (k === 1 && s === 1) taps.push(x);
    else {
      const axis = constant(`${base}.axis`, [2]);
      const step = constant(`${base}.step`, [s]);
      for (let j = 0; j < k; j++) {
        const tap = fresh(`${base}.tap${j}`);
        const end = j < k - 1 ? BigInt(j * d - d * (k - 1)) : INT64_MAX;
        nodes.push({ name: fresh(`${base}.slice${j}`), opType: 'Slice', input: [x, constant(`${base}.start${j}`, [j * d]), constant(`${base}.end${j}`, [end]), axis, step], output: [tap] });
        taps.push(tap);
      }
    }
    let cols = taps[0]!;
    if (taps.length > 1) {
      cols = fresh(`${base}.columns`);
      nodes.push({ name: fresh(`${base}.im2col`), opType: 'Concat', input: taps, output: [cols], attribute: [{ name: 'axis', type: 2, i: 1 }] });
    }
    const w = fresh(`${base}.matmul_weight`);
    g.initializer.push({ name: w, dataType: weight.dataType, dims: [cout, k * cin], rawData: tapMajor(weight, cout, cin, k) });
    matmul(cols, w);
  }
  g.node = nodes;
  edit.prune();
  return out;
}
