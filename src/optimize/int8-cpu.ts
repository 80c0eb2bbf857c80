// INT8 as ONNX Runtime's CPU runs it on integer kernels. ONNX Runtime fuses DequantizeLinear → Conv →
// QuantizeLinear (int8 weights per output channel, an int32 bias, uint8 activations) into one QLinearConv,
// which MLAS computes in 8-bit integer arithmetic (AVX-512 VNNI, AVX2). A Q/DQ model made for TensorRT —
// Q/DQ on each Conv's input and weight, its output left in float for TensorRT to fuse — has no such
// pattern, so ONNX Runtime runs it as float Convs between quantize/dequantize pairs: slower than FP32
// (docs/performance-cpu.md §11). This rewrites an FP32 model (the one the CPU runs, src/optimize/cpu.ts)
// into the fused form, from the calibration's activation ranges (amax per tensor, `emovoice calibrate`):
//   x ─Q─DQ─┐
//   W(int8)─DQ─ Conv ─ y' ─Q─DQ─ y        b(int32)─DQ─┘ (bias scale = x scale · W scale, per channel)
// Activations are uint8 over [lo, amax]: lo = −amax, except after a LeakyRelu of slope α (or a Relu),
// whose output cannot be below −α·amax of its input (0): the range the values can take, so 8 bits
// cover it about twice as finely. A Conv output with no range of its own takes the range of the tensor a
// chain of data-movement nodes makes of it (the polyphase upsamplers' Reshape/Transpose/Slice: the same
// values, reordered). Residual Adds and activations stay in float between the convolutions (8-bit residual
// streams cost audio quality). Left in float: the model's first and last Conv (its input projection and
// its waveform output), and a Conv whose output is only reordered before use — HiFi-GAN's upsamplers in
// their polyphase form: every later layer's residual stream starts from their output, so their rounding
// reaches the waveform undamped (on the Piper voice a third of the INT8 error for an eighth of the
// arithmetic: waveform rel L2 0.103 → 0.086 on the typical case, docs/performance-cpu.md §11).
// Pure: a decoded ModelProto in, the same object rewritten.
import { FLOAT, floatValues, graphEditor } from './graph.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;

export interface Int8CpuRewrite {
  /** Conv nodes now in ONNX Runtime's integer form, by name. */
  quantized: string[];
  /** Conv nodes left in float, with why. */
  kept: { node: string; why: string }[];
}

/** Ops that only move values (a range carries through them unchanged). */
const MOVES = new Set(['Reshape', 'Transpose', 'Slice', 'Squeeze', 'Unsqueeze', 'Identity', 'Flatten']);

/** Round half to even, as QuantizeLinear rounds. */
const roundEven = (x: number) => (Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x));

/** uint8 quantization of [lo, hi] (widened to hold 0): scale, zero point. */
export function uint8Params(lo: number, hi: number): { scale: number; zeroPoint: number } {
  const a = Math.min(lo, 0);
  const b = Math.max(hi, 0);
  const scale = b > a ? (b - a) / 255 : 1;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-a / scale))) };
}

/** Per-output-channel symmetric int8 of a Conv weight [C_out, …]: the int8 values and each channel's scale. */
export function int8Weights(w: Float32Array, channels: number): { q: Int8Array; scales: Float32Array } {
  const inner = w.length / channels;
  const scales = new Float32Array(channels);
  const q = new Int8Array(w.length);
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let i = c * inner; i < (c + 1) * inner; i++) m = Math.max(m, Math.abs(w[i]!));
    const s = m > 0 ? m / 127 : 1;
    scales[c] = s;
    for (let i = c * inner; i < (c + 1) * inner; i++) q[i] = Math.max(-127, Math.min(127, roundEven(w[i]! / s)));
  }
  return { q, scales };
}

export function rewriteConvsInt8(model: any, amax: ReadonlyMap<string, number>, opts: { keepEnds?: boolean; keepUpsamplers?: boolean; keep?: ReadonlySet<string> } = {}): Int8CpuRewrite {
  const g = model.graph;
  const out: Int8CpuRewrite = { quantized: [], kept: [] };
  const opset = (model.opsetImport ?? []).find((o: any) => !o.domain || o.domain === 'ai.onnx');
  const convs = g.node.filter((n: any) => n.opType === 'Conv' && (!n.domain || n.domain === 'ai.onnx'));
  const label = (n: any) => n.name || n.output[0];
  if (!opset || Number(opset.version) < 13) {
    for (const n of convs) out.kept.push({ node: label(n), why: 'opset below 13 (no per-channel DequantizeLinear)' });
    return out;
  }
  const edit = graphEditor(g);
  const producer = new Map<string, any>(g.node.flatMap((n: any) => (n.output ?? []).map((o: string) => [o, n])));
  const readers = new Map<string, any[]>();
  for (const n of g.node) for (const i of n.input ?? []) readers.set(i, [...(readers.get(i) ?? []), n]);
  const graphOutputs = new Set((g.output ?? []).map((o: any) => o.name));
  const ends = opts.keepEnds === false ? new Set() : new Set([convs[0], convs[convs.length - 1]]);

  const rangeOf = (x: string): [number, number] | null => {
    const hi = amax.get(x);
    if (!(hi !== undefined && hi > 0 && Number.isFinite(hi))) return null;
    const p = producer.get(x);
    if (p?.opType === 'Relu') return [0, hi];
    if (p?.opType === 'LeakyRelu') {
      const alpha = Number((p.attribute ?? []).find((a: any) => a.name === 'alpha')?.f ?? 0.01);
      const inner = amax.get(p.input[0]);
      if (alpha >= 0 && inner !== undefined && Number.isFinite(inner)) return [Math.max(-hi, -alpha * inner), hi];
    }
    return [-hi, hi];
  };
  /** The range of a Conv's output, and whether it was found only through data-movement nodes (an upsampler). */
  const outputRange = (y: string): { range: [number, number]; moved: boolean } | null => {
    for (let t = y, hops = 0; hops < 8; hops++) {
      const a = amax.get(t);
      if (a !== undefined && a > 0 && Number.isFinite(a)) return { range: [-a, a], moved: hops > 0 };
      const next = readers.get(t) ?? [];
      if (next.length !== 1 || !MOVES.has(next[0].opType) || graphOutputs.has(t)) return null;
      t = next[0].output[0];
    }
    return null;
  };

  const scalar = (base: string, dataType: number, value: number) => {
    const name = edit.fresh(base);
    g.initializer.push(dataType === FLOAT ? { name, dataType, dims: [], floatData: [value] } : { name, dataType, dims: [], int32Data: [value] });
    return name;
  };
  const quantized = new Map<string, { q: string; scale: string; zp: string; scaleValue: number }>(); // activation → its Q
  const nodes: any[] = [];
  const qOf = (x: string, lo: number, hi: number) => {
    let q = quantized.get(x);
    if (!q) {
      const p = uint8Params(lo, hi);
      q = { q: edit.fresh(`${x}_quantized`), scale: scalar(`${x}_scale`, FLOAT, p.scale), zp: scalar(`${x}_zero_point`, UINT8, p.zeroPoint), scaleValue: p.scale };
      nodes.push({ opType: 'QuantizeLinear', name: edit.fresh(`${x}_QuantizeLinear`), input: [x, q.scale, q.zp], output: [q.q] });
      quantized.set(x, q);
    }
    return q;
  };

  for (const n of g.node) {
    if (!convs.includes(n)) {
      nodes.push(n);
      continue;
    }
    const keep = (why: string) => {
      out.kept.push({ node: label(n), why });
      nodes.push(n);
    };
    if (ends.has(n)) {
      keep('the model\'s first or last convolution (kept in float)');
      continue;
    }
    if (opts.keep?.has(label(n))) {
      keep('kept in float by the calibration');
      continue;
    }
    const weight = edit.initializer(n.input[1]);
    const bias = n.input[2] ? edit.initializer(n.input[2]) : null;
    if (!weight || weight.dataType !== FLOAT) {
      keep('its weight is not a float32 initializer');
      continue;
    }
    if (n.input[2] && (!bias || bias.dataType !== FLOAT)) {
      keep('its bias is not a float32 initializer');
      continue;
    }
    const inRange = rangeOf(n.input[0]);
    const outRange = outputRange(n.output[0]);
    if (!inRange || !outRange) {
      keep(`no calibrated range for its ${inRange ? 'output' : 'input'}`);
      continue;
    }
    if (outRange.moved && opts.keepUpsamplers !== false) {
      keep('an upsampler (its output is only reordered before use; kept in float)');
      continue;
    }
    const base = label(n).replace(/[^A-Za-z0-9_./-]/g, '_');
    const x = qOf(n.input[0], ...inRange);
    const xdq = edit.fresh(`${n.input[0]}_dequantized`);
    nodes.push({ opType: 'DequantizeLinear', name: edit.fresh(`${base}.input_DequantizeLinear`), input: [x.q, x.scale, x.zp], output: [xdq] });

    const dims = (weight.dims ?? []).map(Number);
    const channels = dims[0]!;
    const { q: wq, scales } = int8Weights(floatValues(weight), channels);
    const axis0 = [{ name: 'axis', type: 2, i: 0 }];
    const wName = edit.fresh(`${base}.weight_int8`);
    const wScale = edit.fresh(`${base}.weight_scale`);
    const wZp = edit.fresh(`${base}.weight_zero_point`);
    const wdq = edit.fresh(`${base}.weight_dequantized`);
    g.initializer.push(
      { name: wName, dataType: INT8, dims, rawData: new Uint8Array(wq.buffer) },
      { name: wScale, dataType: FLOAT, dims: [channels], floatData: [...scales] },
      { name: wZp, dataType: INT8, dims: [channels], rawData: new Uint8Array(channels) },
    );
    nodes.push({ opType: 'DequantizeLinear', name: edit.fresh(`${base}.weight_DequantizeLinear`), input: [wName, wScale, wZp], output: [wdq], attribute: axis0 });
    const convInputs = [xdq, wdq];
    if (bias) {
      const b = floatValues(bias);
      const bq = new Int32Array(channels);
      const bs = new Float32Array(channels);
      for (let c = 0; c < channels; c++) {
        bs[c] = x.scaleValue * scales[c]!;
        bq[c] = Math.max(-2147483648, Math.min(2147483647, roundEven(b[c]! / bs[c]!))); // clamped: an Int32Array would wrap
      }
      const bName = edit.fresh(`${base}.bias_int32`);
      const bScale = edit.fresh(`${base}.bias_scale`);
      const bZp = edit.fresh(`${base}.bias_zero_point`);
      const bdq = edit.fresh(`${base}.bias_dequantized`);
      g.initializer.push(
        { name: bName, dataType: INT32, dims: [channels], rawData: new Uint8Array(bq.buffer) },
        { name: bScale, dataType: FLOAT, dims: [channels], floatData: [...bs] },
        { name: bZp, dataType: INT32, dims: [channels], rawData: new Uint8Array(channels * 4) },
      );
      nodes.push({ opType: 'DequantizeLinear', name: edit.fresh(`${base}.bias_DequantizeLinear`), input: [bName, bScale, bZp], output: [bdq], attribute: axis0 });
      convInputs.push(bdq);
    }
    edit.release(n.input[1], n.input[2]);
    const y = n.output[0];
    const yf = edit.fresh(`${y}_float`);
    nodes.push({ ...n, input: convInputs, output: [yf] });
    const yp = uint8Params(...outRange.range);
    const yq = edit.fresh(`${y}_quantized`);
    const ys = scalar(`${y}_scale`, FLOAT, yp.scale);
    const yz = scalar(`${y}_zero_point`, UINT8, yp.zeroPoint);
    nodes.push(
      { opType: 'QuantizeLinear', name: edit.fresh(`${base}.output_QuantizeLinear`), input: [yf, ys, yz], output: [yq] },
      { opType: 'DequantizeLinear', name: edit.fresh(`${base}.output_DequantizeLinear`), input: [yq, ys, yz], output: [y] },
    );
    out.quantized.push(label(n));
  }
  // a QuantizeLinear must follow its input's producer: it was appended where its first Conv stood, which
  // comes after that producer in the (topologically sorted) list
  g.node = nodes;
  edit.prune();
  return out;
}
