// Raise a model's default-domain opset to 19, the first where QuantizeLinear/DequantizeLinear take FP16 and
// BF16 scales (so an INT8 Q/DQ model can have FP16 around its quantized layers under strong typing).
// From 13 to 19 one change breaks old graphs: opset 18 moved the `axes` of ReduceMean/Max/Min/Prod/L1/L2/
// LogSum/LogSumExp/SumSquare from an attribute to an input (ReduceSum moved at 13). Every other operator
// change in 14–19 only adds types or optional attributes (onnx/defs changelog). Older models are refused.
// Pure over the decoded protobuf object; mutates and returns it.

/* eslint-disable @typescript-eslint/no-explicit-any */
const REDUCE_AXES_MOVED_AT_18 = new Set(['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare']);
const INT64 = 7;

export function defaultOpset(model: any): number {
  const o = (model.opsetImport ?? []).find((x: any) => !x.domain || x.domain === 'ai.onnx');
  return o ? Number(o.version) : 0;
}

export function raiseOpsetTo19(model: any): { model: any; from: number } {
  const from = defaultOpset(model);
  if (from >= 19) return { model, from };
  if (from < 13) throw new Error(`opset ${from}: only models at opset 13 or newer can be raised to 19 here`);
  const g = model.graph;
  const names = new Set<string>((g.initializer ?? []).map((t: any) => t.name));
  for (const n of g.node ?? []) {
    if (!REDUCE_AXES_MOVED_AT_18.has(n.opType)) continue;
    const axes = (n.attribute ?? []).find((a: any) => a.name === 'axes');
    if (!axes) continue; // no axes: reduce over all of them, in either opset
    let name = `${n.name || n.output[0]}__axes`;
    for (let k = 2; names.has(name); k++) name = `${n.name || n.output[0]}__axes_${k}`;
    names.add(name);
    const values: number[] = (axes.ints ?? []).map(Number);
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    g.initializer.push({ name, dataType: INT64, dims: [values.length], rawData: raw });
    n.input = [n.input[0], name];
    n.attribute = n.attribute.filter((a: any) => a !== axes);
  }
  for (const o of model.opsetImport) if (!o.domain || o.domain === 'ai.onnx') o.version = 19;
  // opset 19 needs IR version 9
  if (Number(model.irVersion ?? 0) < 9) model.irVersion = 9;
  return { model, from };
}
