// HiFi-GAN's upsampling ConvTranspose as an ordinary Conv: the same numbers (summation order aside), in a
// form ONNX Runtime's CPU runs faster. ONNX Runtime computes a 1-D ConvTranspose as one GEMM into a
// column buffer and a single-threaded col2im pass over it; on the Piper voice the three upsampling
// layers took a quarter of the vocoder's kernel time for a tenth of its arithmetic
// (docs/performance-cpu.md). Pure: a decoded ModelProto in, the same object rewritten; never a file.
//
// The rewrite (polyphase decomposition). For stride s, kernel 2s and pads s/2 on each side (what HiFi-GAN's
// upsamplers use), output sample n·s + r of ConvTranspose(x, W) reads input positions n−1, n, n+1 only:
//   y[c, n·s + r] = Σ_ci  x[ci, n]·W[ci, c, r + s/2]
//                 + (r <  s/2) x[ci, n−1]·W[ci, c, r + 3s/2]
//                 + (r >= s/2) x[ci, n+1]·W[ci, c, r − s/2]      (+ bias[c])
// Counted from s/2 samples earlier, j + s/2 = m·s + q, every output sample reads exactly two inputs,
// x[m−1] and x[m], with the weights W[q + s] and W[q] (q < s/2 is r = q + s/2 at n = m − 1; q ≥ s/2 is
// r = q − s/2 at n = m). So it is a Conv with kernel 2, pads 1 (L + 1 positions m) and s·C_out output
// channels (channel c·s + q), then Reshape [B, C_out, s, L+1] → Transpose → [B, C_out, L+1, s] → Reshape
// [B, C_out, (L+1)·s] → Slice [s/2, −s/2) on the last axis. Two taps, not the three of the form without the
// offset (whose third weight is zero): 2/3 of the upsamplers' arithmetic, for one more copy of their
// output (docs/performance-cpu.md §9). Any other ConvTranspose (groups, dilation, output_padding,
// another kernel/pad) is left as it is. Float16 weights (the typed FP16 files the GPU runs) are moved as
// they are: the decomposition only copies weights.
import { attr, FLOAT, FLOAT16, floatValues, graphEditor, INT64, rawFloatsAs, rawInt64 } from './graph.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface ConvTransposeRewrite {
  /** ConvTranspose nodes rewritten, by name. */
  rewritten: string[];
  /** ConvTranspose nodes left alone, with why. */
  kept: { node: string; why: string }[];
}

/** Which HiFi-GAN-shaped ConvTranspose nodes can be rewritten, and the reason for any that cannot. */
function fits(n: any, weight: any): { s: number } | { why: string } {
  if (!weight) return { why: 'its weight is not an initializer' };
  const dims = (weight.dims ?? []).map(Number);
  if (dims.length !== 3) return { why: 'not 1-D' };
  if (weight.dataType !== FLOAT && weight.dataType !== FLOAT16) return { why: 'weight neither float32 nor float16' };
  if (weight.dataType === FLOAT16 && !weight.rawData?.length) return { why: 'float16 weight not stored as raw data' };
  const s = attr(n, 'strides')?.[0] ?? 1;
  const k = dims[2];
  const pads = attr(n, 'pads') ?? [0, 0];
  if ((attr(n, 'group') ?? 1) !== 1) return { why: 'grouped' };
  if ((attr(n, 'dilations')?.[0] ?? 1) !== 1) return { why: 'dilated' };
  if (attr(n, 'output_padding')?.some((x: number) => x !== 0) || attr(n, 'output_shape')) return { why: 'output_padding/output_shape set' };
  const autoPad = (n.attribute ?? []).find((x: any) => x.name === 'auto_pad');
  if (autoPad && new TextDecoder().decode(autoPad.s) !== 'NOTSET') return { why: 'auto_pad set' };
  if (s < 2 || s % 2 !== 0 || k !== 2 * s || pads[0] !== s / 2 || pads[1] !== s / 2) return { why: `stride ${s}, kernel ${k}, pads ${pads.join('/')}: not stride s, kernel 2s, pads s/2` };
  return { s };
}

/** Rewrite every fitting ConvTranspose of the model's main graph in place (see the header). */
export function rewriteConvTranspose(model: any): ConvTransposeRewrite {
  const g = model.graph;
  const edit = graphEditor(g);
  const out: ConvTransposeRewrite = { rewritten: [], kept: [] };
  const nodes: any[] = [];
  const fresh = edit.fresh;
  for (const n of g.node) {
    if (n.opType !== 'ConvTranspose' || (n.domain && n.domain !== 'ai.onnx')) {
      nodes.push(n);
      continue;
    }
    const label = n.name || n.output[0];
    const weight = edit.initializer(n.input[1]);
    const bias = n.input[2] ? edit.initializer(n.input[2]) : null;
    const fit = fits(n, weight);
    const badBias = n.input[2] && (!bias ? 'its bias is not an initializer' : bias.dataType !== weight?.dataType ? 'bias and weight of different types' : bias.dataType === FLOAT16 && !bias.rawData?.length ? 'float16 bias not stored as raw data' : null);
    if ('why' in fit || badBias) {
      out.kept.push({ node: label, why: 'why' in fit ? fit.why : badBias! });
      nodes.push(n);
      continue;
    }
    const { s } = fit;
    const [cin, cout] = weight.dims.map(Number) as [number, number, number];
    const w = floatValues(weight); // [cin, cout, 2s]
    const k = 2 * s;
    const wp = new Float32Array(cout * s * cin * 2); // [cout·s, cin, 2], channel c·s + q: taps W[q + s], W[q]
    for (let c = 0; c < cout; c++) {
      for (let q = 0; q < s; q++) {
        const o = (c * s + q) * cin * 2;
        for (let ci = 0; ci < cin; ci++) {
          const src = (ci * cout + c) * k;
          wp[o + ci * 2] = w[src + q + s]!;
          wp[o + ci * 2 + 1] = w[src + q]!;
        }
      }
    }
    const base = (n.name || n.output[0]).replace(/[^A-Za-z0-9_./-]/g, '_');
    const names = { w: fresh(`${base}.polyphase_weight`), b: fresh(`${base}.polyphase_bias`), z: fresh(`${base}.polyphase`), s1: fresh(`${base}.phases_shape`), r: fresh(`${base}.phases`), t: fresh(`${base}.interleaved`), s2: fresh(`${base}.out_shape`), flat: fresh(`${base}.offset_output`), from: fresh(`${base}.offset_start`), to: fresh(`${base}.offset_end`), axis: fresh(`${base}.offset_axis`) };
    g.initializer.push({ name: names.w, dataType: weight.dataType, dims: [cout * s, cin, 2], rawData: rawFloatsAs(wp, weight.dataType) });
    const convInputs = [n.input[0], names.w];
    if (bias) {
      const b = floatValues(bias);
      const bp = new Float32Array(cout * s);
      for (let c = 0; c < cout; c++) bp.fill(b[c]!, c * s, (c + 1) * s);
      g.initializer.push({ name: names.b, dataType: bias.dataType, dims: [cout * s], rawData: rawFloatsAs(bp, bias.dataType) });
      convInputs.push(names.b);
    }
    g.initializer.push({ name: names.s1, dataType: INT64, dims: [4], rawData: rawInt64([0, cout, s, -1]) });
    g.initializer.push({ name: names.s2, dataType: INT64, dims: [3], rawData: rawInt64([0, cout, -1]) });
    g.initializer.push({ name: names.from, dataType: INT64, dims: [1], rawData: rawInt64([s / 2]) });
    g.initializer.push({ name: names.to, dataType: INT64, dims: [1], rawData: rawInt64([-s / 2]) });
    g.initializer.push({ name: names.axis, dataType: INT64, dims: [1], rawData: rawInt64([2]) });
    const ints = (name: string, v: number[]) => ({ name, type: 7, ints: v });
    nodes.push(
      { name: fresh(`${base}.polyphase_conv`), opType: 'Conv', input: convInputs, output: [names.z], attribute: [ints('kernel_shape', [2]), ints('pads', [1, 1]), ints('strides', [1]), ints('dilations', [1])] },
      { name: fresh(`${base}.split_phases`), opType: 'Reshape', input: [names.z, names.s1], output: [names.r] },
      { name: fresh(`${base}.interleave`), opType: 'Transpose', input: [names.r], output: [names.t], attribute: [ints('perm', [0, 1, 3, 2])] },
      { name: fresh(`${base}.join_phases`), opType: 'Reshape', input: [names.t, names.s2], output: [names.flat] },
      { name: fresh(`${base}.offset`), opType: 'Slice', input: [names.flat, names.from, names.to, names.axis], output: [n.output[0]] },
    );
    edit.release(n.input[1], n.input[2]);
    out.rewritten.push(label);
  }
  g.node = nodes;
  edit.prune();
  return out;
}
