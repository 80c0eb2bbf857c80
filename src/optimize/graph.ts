// What the graph rewrites in src/optimize/ share: reading a node's attributes, raw tensor bytes, and an
// editor over a decoded ONNX graph that names new tensors and nodes without clashes, counts who reads
// each tensor, finds initializers (also behind Identity nodes, and behind Cast nodes between float32 and
// float16, folded) and, at the end, drops the Identity/Cast nodes and weights no node reads any more.
// Pure: works on the decoded ModelProto object in place.
import { tensorFloats } from '../precision/convert.ts';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from '../tensor/float16.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
export const FLOAT = 1;
export const INT64 = 7;
export const FLOAT16 = 10;

/** An attribute's value: a list of ints, an int, or a string; undefined where the node has none. */
export function attr(n: any, name: string): any {
  const a = (n.attribute ?? []).find((x: any) => x.name === name);
  if (!a) return undefined;
  if (a.ints?.length) return a.ints.map(Number);
  if (a.i !== undefined && a.i !== null) return Number(a.i);
  if (a.s?.length) return new TextDecoder().decode(a.s);
  return undefined;
}

export function rawFloats(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function rawInt64(values: (number | bigint)[]): Uint8Array {
  return new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer);
}

export interface GraphEditor {
  /** A name no tensor or node of the graph has yet (base, else base_1, base_2 …), reserved. */
  fresh(base: string): string;
  /**
   * The initializer a tensor is, directly or through Identity nodes (exporters share equal tensors that
   * way) and Casts between float32 and float16 (the FP16 conversion keeps such a shared Identity FP32, as
   * computed from constants only, and casts its output): a Cast is folded, the tensor returned then being
   * a new one of the Cast's type (rounded as the Cast rounds), in no list of the graph.
   */
  initializer(name: string): any;
  /** A node no longer reads these tensors. */
  release(...names: (string | undefined)[]): void;
  /** Drop the Identity and Cast nodes whose outputs nothing reads, then the initializers (and IR < 4 graph inputs of them) no node reads any more. */
  prune(): void;
}

export function graphEditor(g: any): GraphEditor {
  const inits = new Map<string, any>((g.initializer ?? []).map((t: any) => [t.name, t]));
  const uses = new Map<string, number>();
  for (const n of g.node) for (const i of n.input ?? []) uses.set(i, (uses.get(i) ?? 0) + 1);
  const producer = new Map<string, any>(g.node.flatMap((n: any) => (n.output ?? []).map((o: string) => [o, n])));
  const taken = new Set<string>([...inits.keys(), ...g.node.flatMap((n: any) => [...(n.output ?? []), n.name ?? ''])]);
  return {
    fresh(base) {
      let name = base;
      for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
      taken.add(name);
      return name;
    },
    initializer(name) {
      const casts: number[] = []; // target types, outermost first
      for (let x = name, hops = 0; hops < 8; hops++) {
        if (inits.has(x)) return casts.reduceRight((t, to) => (t ? castTensor(t, to) : t), inits.get(x));
        const p = producer.get(x);
        if (p?.opType === 'Cast' && (!p.domain || p.domain === 'ai.onnx')) casts.push(Number(attr(p, 'to')));
        else if (!p || p.opType !== 'Identity') return undefined;
        x = p.input[0];
      }
      return undefined;
    },
    release(...names) {
      // an Identity's output left unread is dropped by ONNX Runtime, and its initializer with it
      for (const i of names) if (i && uses.has(i)) uses.set(i, uses.get(i)! - 1);
    },
    prune() {
      // nodes a rewrite made unread (a shared bias's Identity, its Cast), the last reader first
      // only what a rewrite released: never a graph output, nor a name a subgraph (If/Loop body) reads
      const outputs = new Set<string>((g.output ?? []).map((o: any) => o.name));
      const inner = (sub: any): void => {
        for (const n of sub?.node ?? []) {
          for (const i of n.input ?? []) outputs.add(i);
          for (const a of n.attribute ?? []) [a.g, ...(a.graphs ?? [])].forEach(inner);
        }
      };
      for (const n of g.node) for (const a of n.attribute ?? []) [a.g, ...(a.graphs ?? [])].forEach(inner);
      const unread = (t: string) => !outputs.has(t) && uses.has(t) && uses.get(t)! <= 0;
      for (let again = true; again; ) {
        again = false;
        g.node = g.node.filter((n: any) => {
          if ((n.opType !== 'Identity' && n.opType !== 'Cast') || (n.domain && n.domain !== 'ai.onnx') || !(n.output ?? []).every(unread)) return true;
          for (const i of n.input ?? []) if (uses.has(i)) uses.set(i, uses.get(i)! - 1);
          again = true;
          return false;
        });
      }
      const gone = new Set(g.initializer.filter((t: any) => uses.has(t.name) && uses.get(t.name)! <= 0).map((t: any) => t.name));
      g.initializer = g.initializer.filter((t: any) => !gone.has(t.name));
      g.input = (g.input ?? []).filter((i: any) => !gone.has(i.name)); // IR < 4 lists initializers among the inputs
    },
  };
}

/** A float32 or float16 (raw data) tensor's values as float32: float16 ones widen exactly. */
export function floatValues(t: any): Float32Array {
  if (t.dataType === FLOAT) return tensorFloats(t);
  const raw: Uint8Array = t.rawData;
  return float16ArrayToFloat32(new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
}

/** Float32 values as raw data of `dataType` (float32, or float16 rounded to nearest even, as a Cast rounds). */
export function rawFloatsAs(v: Float32Array, dataType: number): Uint8Array {
  return dataType === FLOAT ? rawFloats(v) : new Uint8Array(float32ArrayToFloat16(v).buffer);
}

/** A float32/float16 tensor as a Cast to `to` (float32 or float16) makes it, raw data; undefined for other types. */
function castTensor(t: any, to: number): any {
  if ((t.dataType !== FLOAT && t.dataType !== FLOAT16) || (to !== FLOAT && to !== FLOAT16)) return undefined;
  if (t.dataType === to) return t;
  if (t.dataType === FLOAT16 && !t.rawData?.length) return undefined; // int32_data holds float16 only in the rare exporter
  return { name: t.name, dataType: to, dims: [...(t.dims ?? [])], rawData: rawFloatsAs(floatValues(t), to) };
}
