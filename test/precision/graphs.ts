// Small ONNX graphs built in the tests, as the protobuf objects src/model/onnx.ts encodes: each test
// states the graph it means instead of depending on an exporter. Plain data helpers.
/* eslint-disable @typescript-eslint/no-explicit-any */
export const FLOAT = 1;
export const FLOAT16 = 10;
export const BFLOAT16 = 16;
export const INT64 = 7;

export function tensor(name: string, dims: number[], values: ArrayLike<number>): any {
  const f = Float32Array.from(values);
  return { name, dataType: FLOAT, dims, rawData: new Uint8Array(f.buffer) };
}

export function int64s(name: string, values: number[]): any {
  const b = new BigInt64Array(values.map(BigInt));
  return { name, dataType: INT64, dims: [values.length], rawData: new Uint8Array(b.buffer) };
}

export function io(name: string, dims: (number | string)[], elemType = FLOAT): any {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

export function node(opType: string, name: string, input: string[], output: string[], attribute: any[] = []): any {
  return { opType, name, input, output, attribute };
}

export const attrF = (name: string, f: number) => ({ name, type: 1, f });
export const attrI = (name: string, i: number) => ({ name, type: 2, i });
export const attrInts = (name: string, ints: number[]) => ({ name, type: 7, ints });

export function model(g: { nodes: any[]; inputs: any[]; outputs: any[]; inits?: any[] }, opset = 17): any {
  return {
    irVersion: opset >= 19 ? 9 : 8,
    producerName: 'emovoice-test',
    opsetImport: [{ domain: '', version: opset }],
    graph: { name: 'g', node: g.nodes, input: g.inputs, output: g.outputs, initializer: g.inits ?? [], valueInfo: [] },
  };
}

/** A deterministic pseudo-random sequence in [-1, 1) (weights for the test graphs). */
export function lcg(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export const castsTo = (m: any, to: number) => m.graph.node.filter((n: any) => n.opType === 'Cast' && Number(n.attribute[0].i) === to).length;
export const byName = (m: any, name: string) => m.graph.node.find((n: any) => n.name === name);
