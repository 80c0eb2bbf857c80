// Make every intermediate float tensor of an ONNX model a graph output, so ONNX Runtime returns it
// (Polygraphy's "mark all"). Used by verify --debug-layers and by calibration statistics. Pure over
// the decoded protobuf object; the bytes go to OrtRunner({ modelBytes }).
import { decodeOnnxModel, encodeOnnxModel } from '../model/onnx.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function exposeIntermediates(bytes: Uint8Array, file?: string): Promise<{ bytes: Uint8Array; tensors: string[] }> {
  const m = await decodeOnnxModel(bytes, file);
  const g = m.graph;
  const existing = new Set<string>((g.output ?? []).map((o: any) => o.name));
  const floatKnown = new Map<string, number>();
  for (const v of g.valueInfo ?? []) floatKnown.set(v.name, v.type?.tensorType?.elemType ?? 0);
  const tensors: string[] = [];
  for (const n of g.node ?? []) {
    if (n.opType === 'Constant' || n.opType === 'Shape') continue;
    for (const out of n.output ?? []) {
      if (!out || existing.has(out)) continue;
      const et = floatKnown.get(out);
      if (et !== undefined && et !== 1) continue; // only float32 activations (or unknown: kept when float at run time)
      existing.add(out);
      tensors.push(out);
      g.output.push({ name: out, type: { tensorType: { elemType: 1 } } });
    }
  }
  return { bytes: await encodeOnnxModel(m), tensors };
}
