// What the graph rewrites in src/optimize/ share: reading a node's attributes, raw tensor bytes, and an
// editor over a decoded ONNX graph that names new tensors and nodes without clashes, counts who reads
// each tensor, finds initializers (also behind Identity nodes) and, at the end, drops the weights
// no node reads any more. Pure: works on the decoded ModelProto object in place.

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
  /** The initializer a tensor is, directly or through Identity nodes (exporters share equal tensors that way). */
  initializer(name: string): any;
  /** A node no longer reads these tensors. */
  release(...names: (string | undefined)[]): void;
  /** Drop the initializers (and IR < 4 graph inputs of them) that no node reads any more. */
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
      for (let x = name, hops = 0; hops < 8; hops++) {
        if (inits.has(x)) return inits.get(x);
        const p = producer.get(x);
        if (!p || p.opType !== 'Identity') return undefined;
        x = p.input[0];
      }
      return undefined;
    },
    release(...names) {
      // an Identity's output left unread is dropped by ONNX Runtime, and its initializer with it
      for (const i of names) if (i && uses.has(i)) uses.set(i, uses.get(i)! - 1);
    },
    prune() {
      const gone = new Set(g.initializer.filter((t: any) => uses.has(t.name) && uses.get(t.name)! <= 0).map((t: any) => t.name));
      g.initializer = g.initializer.filter((t: any) => !gone.has(t.name));
      g.input = (g.input ?? []).filter((i: any) => !gone.has(i.name)); // IR < 4 lists initializers among the inputs
    },
  };
}
