// Make every intermediate float tensor of an ONNX model a graph output, so ONNX Runtime returns it
// (Polygraphy's "mark all"). Used by verify --debug-layers and by calibration statistics. Element
// types are propagated through the graph (inputs, initializers, Constant/Cast/Shape rules, else the
// first input's type) so that integer shape arithmetic is never mislabelled as float. Pure over the
// decoded protobuf object; the bytes go to OrtRunner({ modelBytes }).
import { decodeOnnxModel, encodeOnnxModel } from '../model/onnx.ts';

const FLOAT = 1;
const UINT8 = 2;
const INT64 = 7;
const BOOL = 9;
const BOOL_OPS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const INT64_OPS = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);

/* eslint-disable @typescript-eslint/no-explicit-any */
export function elementTypes(g: any): Map<string, number> {
  const t = new Map<string, number>();
  for (const v of [...(g.input ?? []), ...(g.valueInfo ?? []), ...(g.output ?? [])]) {
    const et = v.type?.tensorType?.elemType;
    if (et) t.set(v.name, et);
  }
  for (const i of g.initializer ?? []) t.set(i.name, i.dataType);
  const attr = (n: any, name: string) => (n.attribute ?? []).find((a: any) => a.name === name);
  for (const n of g.node ?? []) {
    let et: number | undefined;
    if (n.opType === 'Constant') et = attr(n, 'value')?.t?.dataType ?? (attr(n, 'value_float') ? FLOAT : INT64);
    else if (n.opType === 'Cast') et = Number(attr(n, 'to')?.i ?? 0);
    else if (n.opType === 'ConstantOfShape') et = attr(n, 'value')?.t?.dataType ?? FLOAT;
    else if (INT64_OPS.has(n.opType)) et = INT64;
    else if (BOOL_OPS.has(n.opType)) et = BOOL;
    else if (n.opType === 'Where') et = t.get(n.input[1]);
    // QuantizeLinear gives its zero point's type (output_dtype where given, else uint8); DequantizeLinear its scale's
    else if (n.opType === 'QuantizeLinear') et = n.input?.[2] ? t.get(n.input[2]) : Number(attr(n, 'output_dtype')?.i ?? 0) || UINT8;
    else if (n.opType === 'DequantizeLinear') et = t.get(n.input?.[1]);
    else et = t.get(n.input?.[0]);
    for (const o of n.output ?? []) if (o && et !== undefined && !t.has(o)) t.set(o, et);
  }
  return t;
}

export async function exposeIntermediates(bytes: Uint8Array, file?: string): Promise<{ bytes: Uint8Array; tensors: string[] }> {
  const m = await decodeOnnxModel(bytes, file);
  const g = m.graph;
  const types = elementTypes(g);
  const existing = new Set<string>((g.output ?? []).map((o: any) => o.name));
  const tensors: string[] = [];
  for (const n of g.node ?? []) {
    if (n.opType === 'Constant') continue;
    for (const out of n.output ?? []) {
      if (!out || existing.has(out) || types.get(out) !== FLOAT) continue;
      existing.add(out);
      tensors.push(out);
      g.output.push({ name: out, type: { tensorType: { elemType: FLOAT } } });
    }
  }
  return { bytes: await encodeOnnxModel(m), tensors };
}
