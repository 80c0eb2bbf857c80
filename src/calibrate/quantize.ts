// Explicit quantization: an fp32 ONNX model + per-tensor activation ranges → a QDQ ONNX model
// (QuantizeLinear/DequantizeLinear, int8, symmetric, zero point 0) as TensorRT's explicit-quantization
// path expects, which ONNX Runtime also runs on the CPU (fake-quant). Activations get per-tensor
// scales (amax / 127); weights of Conv/ConvTranspose get per-output-channel scales. Nodes listed in
// `exclude` stay in floating point (TensorRT then picks fp16/fp32 for them). Pure over the model object.

/* eslint-disable @typescript-eslint/no-explicit-any */
export const QUANTIZABLE = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm']);

function floatsOf(t: any): Float32Array {
  if (t.rawData && t.rawData.length) {
    const b = Uint8Array.from(t.rawData as Uint8Array);
    return new Float32Array(b.buffer);
  }
  return Float32Array.from(t.floatData ?? []);
}

const num = (v: any) => (typeof v === 'number' ? v : Number(v));
const intOf = (v: any): number => (v === undefined || v === null ? 0 : typeof v === 'number' ? v : typeof v.toNumber === 'function' ? v.toNumber() : Number(v.low ?? v));

function scalar(name: string, dataType: number, value: number): any {
  return dataType === 1 ? { name, dataType, dims: [], floatData: [value] } : { name, dataType, dims: [], int32Data: [value] };
}

export interface QdqResult {
  model: any;
  quantizedNodes: string[];
  activations: number;
}

export function quantizableNodes(model: any): { name: string; opType: string; weightBytes: number }[] {
  const inits = new Map<string, any>((model.graph.initializer ?? []).map((t: any) => [t.name, t]));
  return (model.graph.node ?? [])
    .filter((n: any) => QUANTIZABLE.has(n.opType))
    .map((n: any) => {
      const w = inits.get(n.input[1]);
      const count = w ? (w.dims ?? []).reduce((a: number, d: any) => a * num(d), 1) : 0;
      return { name: n.name || n.output[0], opType: n.opType, weightBytes: count * 4 };
    });
}

export function insertQdq(model: any, amax: ReadonlyMap<string, number>, exclude: ReadonlySet<string> = new Set()): QdqResult {
  const g = model.graph;
  const inits = new Map<string, any>((g.initializer ?? []).map((t: any) => [t.name, t]));
  const out: any[] = [];
  const dq = new Map<string, string>(); // activation → its dequantized name
  const quantizedNodes: string[] = [];
  const opset = (model.opsetImport ?? []).find((o: any) => !o.domain || o.domain === 'ai.onnx');
  if (opset && num(opset.version) < 13) opset.version = 13; // per-channel QDQ needs opset 13
  for (const n of g.node ?? []) {
    const name = n.name || n.output[0];
    if (QUANTIZABLE.has(n.opType) && !exclude.has(name)) {
      // every float activation input: the data input, and for MatMul an activation second operand (attention)
      const acts = n.opType === 'MatMul' ? [0, 1] : [0];
      for (const i of acts) {
        const x = n.input[i];
        const a = x === undefined ? undefined : amax.get(x);
        if (a === undefined || !(a > 0) || inits.has(x)) continue;
        if (!dq.has(x)) {
          const s = `${x}_scale`;
          const z = `${x}_zero_point`;
          g.initializer.push(scalar(s, 1, a / 127), scalar(z, 3, 0));
          out.push({ opType: 'QuantizeLinear', name: `${x}_QuantizeLinear`, input: [x, s, z], output: [`${x}_quantized`] });
          out.push({ opType: 'DequantizeLinear', name: `${x}_DequantizeLinear`, input: [`${x}_quantized`, s, z], output: [`${x}_dequantized`] });
          dq.set(x, `${x}_dequantized`);
        }
        n.input[i] = dq.get(x);
      }
      const w = inits.get(n.input[1]);
      if (w && w.dataType === 1) {
        const dims = (w.dims ?? []).map(num);
        const data = floatsOf(w);
        // output channels: axis 0 for Conv and Gemm(transB=1) weights [N, K]; axis 1 for ConvTranspose, MatMul and Gemm(transB=0) [K, N]
        const transB = (n.attribute ?? []).find((t: any) => t.name === 'transB')?.i;
        const axis = n.opType === 'ConvTranspose' || n.opType === 'MatMul' || (n.opType === 'Gemm' && !intOf(transB)) ? 1 : 0;
        const channels = dims[axis]!;
        const inner = dims.slice(axis + 1).reduce((p: number, d: number) => p * d, 1);
        const scales = new Float32Array(channels);
        for (let i = 0; i < data.length; i++) {
          const c = Math.floor(i / inner) % channels;
          scales[c] = Math.max(scales[c]!, Math.abs(data[i]!));
        }
        for (let c = 0; c < channels; c++) scales[c] = scales[c]! > 0 ? scales[c]! / 127 : 1;
        const base = n.input[1];
        g.initializer.push(
          { name: `${base}_scale`, dataType: 1, dims: [channels], floatData: [...scales] },
          { name: `${base}_zero_point`, dataType: 3, dims: [channels], int32Data: new Array(channels).fill(0) },
        );
        const attr = [{ name: 'axis', type: 2, i: axis }];
        out.push({ opType: 'QuantizeLinear', name: `${base}_QuantizeLinear`, input: [base, `${base}_scale`, `${base}_zero_point`], output: [`${base}_quantized`], attribute: attr });
        out.push({ opType: 'DequantizeLinear', name: `${base}_DequantizeLinear`, input: [`${base}_quantized`, `${base}_scale`, `${base}_zero_point`], output: [`${base}_dequantized`], attribute: attr });
        n.input[1] = `${base}_dequantized`;
      }
      quantizedNodes.push(name);
    }
    out.push(n);
  }
  g.node = out;
  return { model, quantizedNodes, activations: dq.size };
}
