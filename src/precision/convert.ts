// The strongly typed conversion: an FP32 ONNX model → the same graph in FP16 (or BF16) with FP32 islands,
// so that TensorRT 10/11 (--stronglyTyped, or 11's only mode) builds exactly the precision decided here.
// A node stays FP32 when its inputs or outputs leave FP16's safe range on real speech (measured ranges,
// passed in), when a constant it reads overflows or vanishes in FP16, when the rule list (rules.ts) or the
// profile's keep_fp32 names it, when it computes the phase of a Sin/Cos, or when it holds a subgraph.
// Cast nodes go at the island boundaries; graph inputs and outputs keep the dtypes the manifest declares.
// Pure over the decoded protobuf object (src/model/onnx.ts): no file, no process. It mutates and returns
// the model it is given, and reports every node kept in FP32 with the reason.
import { elementTypes } from '../runtime/expose.ts';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from '../tensor/float16.ts';
import {
  classifyKeepEntry,
  DEFAULT_FP16_MAX_ABS,
  FP16_UNDERFLOW,
  HEAVY_OPS,
  PHASE_MAX_ABS,
  RULE_GROUPS,
  RULES_VERSION,
  ruleGroupOf,
} from './rules.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
const FLOAT = 1;
const FLOAT16 = 10;
const BFLOAT16 = 16;
const DTYPE_CODES: Record<string, number> = { float32: FLOAT, float16: FLOAT16, bfloat16: BFLOAT16 };
/** bfloat16's largest finite value: BF16 has FP32's exponent range, so only non-finite values matter. */
const BF16_MAX = 3.3895313892515355e38;

export type Target = 'fp16' | 'bf16';

/** What was measured of one float tensor on real inputs (StatisticsCollector's absmax and non-finite count). */
export interface TensorRange {
  absmax: number;
  nonFinite: number;
}

export interface ConvertOptions {
  target: Target;
  /**
   * typed: FP16/BF16 tensors, what TensorRT builds. emulated: an FP32 graph that rounds every low-precision
   * tensor through the target type (a Cast there and back) where the engine would store it: the CPU's
   * model of the engine. ONNX Runtime's CPU has no BF16 kernels at all, and runs FP16 nodes that lack an
   * FP16 kernel in FP32 without rounding between them (even an overflow past 65504 vanishes), so the CPU
   * runs the emulated file. Both come from the same decisions.
   */
  emit?: 'typed' | 'emulated';
  /** Measured ranges of the float tensors (graph inputs and intermediates) by name. */
  ranges: ReadonlyMap<string, TensorRange>;
  /** The profile's keep_fp32: op types, rule groups or node names (checked to exist by checks.ts). */
  keepFp32?: readonly string[];
  /** FP16 only: a node whose inputs or outputs reach this |x| stays FP32 (default DEFAULT_FP16_MAX_ABS). */
  maxAbs?: number;
  /** Graph input/output dtypes to keep, by name (the manifest's); the rest keep the model's own. */
  ioDtypes?: Readonly<Record<string, string>>;
}

export type KeepRule = 'range' | 'constant' | 'folded' | 'rule' | 'profile' | 'phase' | 'subgraph' | 'quantization';

export interface KeptNode {
  node: string;
  opType: string;
  /** The first rule that kept it; `reason` lists all of them. */
  rule: KeepRule;
  reason: string;
}

export interface ConversionReport {
  target: Target;
  emit: 'typed' | 'emulated';
  rulesVersion: number;
  maxAbs: number | null;
  /** Nodes that compute on floating point (shape arithmetic on integers is left alone). */
  floatNodes: number;
  lowered: number;
  kept: KeptNode[];
  casts: number;
  constantsConverted: number;
  /** Float activations no measurement covered (their nodes are judged by the rules only). */
  unmeasured: string[];
}

const fmt = (x: number) => (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : String(Number(x.toPrecision(4))));
const num = (v: any): number => (v == null ? 0 : typeof v === 'number' ? v : Number(v.toString()));

/** Float data of a TensorProto (raw little-endian bytes or float_data). */
export function tensorFloats(t: any): Float32Array {
  if (t.rawData && t.rawData.length) {
    const b = Uint8Array.from(t.rawData as Uint8Array); // copy: the decoded buffer may be unaligned
    return new Float32Array(b.buffer, 0, b.length >> 2);
  }
  return Float32Array.from(t.floatData ?? []);
}

/** FP32 → BF16 bit patterns, round to nearest even (as a Cast to bfloat16 does); NaN stays NaN. */
export function float32ArrayToBfloat16(x: Float32Array): Uint16Array {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const out = new Uint16Array(x.length);
  // Stryker: equivalent (i <= length) — the extra write lands past the end of `out`.
  for (let i = 0; i < x.length; i++) {
    const b = u[i]!;
    if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) out[i] = ((b >>> 16) | 0x40) & 0xffff;
    else out[i] = Math.floor((b + 0x7fff + ((b >>> 16) & 1)) / 65536) & 0xffff;
  }
  return out;
}

/** FP32 values rounded through the target type (what a Cast there and back does). */
function roundThrough(target: Target, x: Float32Array): Float32Array {
  if (target === 'fp16') return float16ArrayToFloat32(float32ArrayToFloat16(x));
  const bits = float32ArrayToBfloat16(x);
  const out = new Uint32Array(x.length);
  // Stryker: equivalent (i <= length) — the extra write lands past the end of `out`.
  for (let i = 0; i < x.length; i++) out[i] = bits[i]! << 16;
  return new Float32Array(out.buffer);
}

function rawOf(a: Uint16Array | Float32Array): Uint8Array {
  // Stryker: equivalent (no slice) — a view of the same bytes; only the copy's own buffer differs.
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

const isGraphAttr = (a: any) => a.g != null || (a.graphs?.length ?? 0) > 0;
/** Inputs a node accepts in any float type: nothing to cast (Shape, Size; Cast's own input). */
function typeAgnosticInput(n: any, i: number): boolean {
  return n.opType === 'Shape' || n.opType === 'Size' || (n.opType === 'Cast' && i === 0);
}
/** Inputs that are float32 by the op's definition whatever the data type (Resize scales, Dropout ratio). */
const QDQ = new Set(['QuantizeLinear', 'DequantizeLinear']);
const FIXED_FLOAT_INPUTS: Record<string, readonly number[]> = { Resize: [1, 2], Upsample: [1], Dropout: [1] };

export function convertPrecision(model: any, opts: ConvertOptions): { model: any; report: ConversionReport } {
  const g = model.graph;
  const emit = opts.emit ?? 'typed';
  const typed = emit === 'typed';
  const lowCode = opts.target === 'fp16' ? FLOAT16 : BFLOAT16;
  const lowT = typed ? lowCode : FLOAT;
  const limit = opts.target === 'fp16' ? (opts.maxAbs ?? DEFAULT_FP16_MAX_ABS) : BF16_MAX;
  const suffix = opts.target;
  // Stryker: equivalent (a junk fallback entry) — it has no version either: opset 0 both ways.
  const opset = num((model.opsetImport ?? []).find((o: any) => !o.domain || o.domain === 'ai.onnx')?.version);

  for (const t of g.initializer ?? []) {
    if (t.dataLocation === 1) {
      throw new Error(`initializer ${t.name} keeps its data outside the model file; load it inline before converting`);
    }
  }
  const types = elementTypes(g);
  const isFloat = (t: string | undefined) => !!t && types.get(t) === FLOAT;
  const inits = new Map<string, any>((g.initializer ?? []).map((t: any) => [t.name, t]));
  const nodes: any[] = g.node ?? [];
  const constNode = new Map<string, any>();
  for (const n of nodes) if (n.opType === 'Constant' && isFloat(n.output[0])) constNode.set(n.output[0], n);
  const isConstant = (t: string) => inits.has(t) || constNode.has(t);
  const graphInputs = new Set<string>((g.input ?? []).map((v: any) => v.name).filter((n: string) => !inits.has(n)));
  const producer = new Map<string, any>();
  const consumers = new Map<string, any[]>();
  for (const n of nodes) {
    for (const o of n.output ?? []) if (o) producer.set(o, n);
    for (const i of n.input ?? []) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const nameOf = (n: any): string => n.name || n.output[0];
  const used = new Set<string>([...types.keys(), ...nodes.map(nameOf), ...inits.keys()]);
  const fresh = (base: string) => {
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  };

  const constValues = new Map<string, Float32Array>();
  const constantData = (t: string): Float32Array => {
    let v = constValues.get(t);
    // Stryker: equivalent (always recompute) — the cache only saves time.
    if (!v) {
      const n = constNode.get(t);
      // Stryker: equivalent (this lookup and the next line's fallbacks) — a float Constant (elementTypes) has one attribute, a
      // `value` tensor or a `value_float`; value_floats is typed INT64 there, so it never reaches this code.
      const a = n?.attribute?.find((x: any) => x.name === 'value' || x.name === 'value_float' || x.name === 'value_floats');
      v = inits.has(t) ? tensorFloats(inits.get(t)) : a?.t ? tensorFloats(a.t) : a?.name === 'value_float' ? Float32Array.of(a.f ?? 0) : Float32Array.from(a?.floats ?? []);
      constValues.set(t, v);
    }
    return v;
  };

  // 1. Which nodes compute on floats.
  const floatInputs = (n: any) => (n.input ?? []).filter((t: string, i: number) => isFloat(t) && !typeAgnosticInput(n, i));
  const floatOutputs = (n: any) => (n.output ?? []).filter((t: string) => isFloat(t));
  const floatNodes = nodes.filter((n) => n.opType !== 'Constant' && (floatInputs(n).length > 0 || floatOutputs(n).length > 0));

  // 2. Why each node stays FP32.
  const reasons = new Map<any, { rule: KeepRule; text: string }[]>();
  const keep = (n: any, rule: KeepRule, text: string) => reasons.set(n, [...(reasons.get(n) ?? []), { rule, text }]);
  const keepOps = new Map<string, string>(); // op type → the keep_fp32 entry that names it
  const keepNodes = new Set<string>();
  const keepScopes: string[] = [];
  for (const e of opts.keepFp32 ?? []) {
    const k = classifyKeepEntry(e);
    if (k.kind === 'group') for (const op of RULE_GROUPS[k.name]!) keepOps.set(op, `group ${e}`);
    else if (k.kind === 'op') keepOps.set(k.name, `op type ${e}`);
    else if (k.kind === 'scope') keepScopes.push(k.name);
    else keepNodes.add(k.name);
  }
  const measured = (t: string): TensorRange | undefined => {
    const r = opts.ranges.get(t);
    if (r) return r;
    // A DequantizeLinear output is bounded by its scale: |y| ≤ 128 · max|scale| (int8, zero point 0).
    const p = producer.get(t);
    if (p?.opType === 'DequantizeLinear' && isConstant(p.input[1])) {
      const s = constantData(p.input[1]);
      let m = 0;
      for (const v of s) m = Math.max(m, Math.abs(v));
      return { absmax: 128 * m, nonFinite: 0 };
    }
    return undefined;
  };
  // Nodes computed from constants alone: TensorRT folds them at build time, so FP32 costs nothing at run time.
  const folded = new Set<any>();
  const foldedTensors = new Set<string>([...inits.keys(), ...constNode.keys()]);
  for (const n of nodes) {
    // Q/DQ of a weight are constant too, but they must take the type of the node they feed (step 4)
    if (n.opType === 'Constant' || !(n.input ?? []).length || QDQ.has(n.opType)) continue;
    if ((n.input ?? []).every((t: string) => !t || foldedTensors.has(t))) {
      folded.add(n);
      for (const o of n.output ?? []) if (o) foldedTensors.add(o);
    }
  }
  const unmeasured = new Set<string>();
  for (const n of floatNodes) {
    if (folded.has(n)) keep(n, 'folded', 'computed from constants only: TensorRT folds it at build time, FP32 is free');
    if ((n.attribute ?? []).some(isGraphAttr)) keep(n, 'subgraph', 'holds a subgraph (If/Loop/Scan), which the conversion does not enter');
    if (keepNodes.has(nameOf(n))) keep(n, 'profile', 'named in the profile\'s keep_fp32');
    const scope = keepScopes.find((s) => nameOf(n).startsWith(s));
    if (scope) keep(n, 'profile', `under ${scope} in the profile's keep_fp32`);
    if (keepOps.has(n.opType)) keep(n, 'profile', `${keepOps.get(n.opType)} in the profile's keep_fp32`);
    const group = ruleGroupOf(n.opType);
    if (group) keep(n, 'rule', `${n.opType} is in the built-in rule group "${group}"`);
    if (typed && opset < 19 && (n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear')) {
      keep(n, 'quantization', `${n.opType} takes ${opts.target.toUpperCase()} scales from opset 19 only (this model: opset ${opset})`);
    }
    for (const t of [...floatInputs(n), ...floatOutputs(n)]) {
      if (isConstant(t)) {
        if (opts.target !== 'fp16') continue;
        const v = constantData(t);
        let absmax = 0;
        let tiny = Infinity;
        for (const x of v) {
          const a = Math.abs(x);
          if (a > absmax) absmax = a;
          if (a > 0 && a < tiny) tiny = a;
        }
        if (absmax >= limit) keep(n, 'constant', `constant ${t} reaches |x| = ${fmt(absmax)} (FP16 safe range ±${fmt(limit)})`);
        // a small constant (an epsilon, a scale) that FP16 turns into 0 changes the arithmetic; in a large
        // weight tensor a few such values are noise
        else if (v.length <= 16 && tiny < FP16_UNDERFLOW) keep(n, 'constant', `constant ${t} = ${fmt(tiny)} becomes 0 in FP16`);
        continue;
      }
      const r = measured(t);
      if (!r) {
        unmeasured.add(t);
        continue;
      }
      if (r.nonFinite > 0) keep(n, 'range', `${t} had ${r.nonFinite} NaN/inf value(s) on real speech even in FP32`);
      else if (r.absmax >= limit) {
        keep(n, 'range', `${t} reaches |x| = ${fmt(r.absmax)} on real speech (${opts.target.toUpperCase()} safe range ±${fmt(limit)}${opts.target === 'fp16' ? ', largest FP16 value 65504' : ''})`);
      }
    }
  }

  // 3. The phase of a Sin/Cos: every float producer of a large argument stays FP32 (FP16's relative error
  // 2^-11 times a phase of hundreds of radians is a wrong angle), up to graph inputs, constants and heavy ops.
  const phase = new Map<any, { roots: string[]; absmax: number }>();
  for (const n of floatNodes) {
    if (n.opType !== 'Sin' && n.opType !== 'Cos') continue;
    const r = measured(n.input[0]);
    if (!r || r.absmax < PHASE_MAX_ABS) continue;
    const seen = new Set<any>();
    const stack = [n.input[0]];
    while (stack.length) {
      const p = producer.get(stack.pop()!);
      // Stryker: equivalent (Constant check dropped) — constant tensors are never pushed (below), so no Constant is met.
      if (!p || seen.has(p) || p.opType === 'Constant' || HEAVY_OPS.has(p.opType)) continue;
      seen.add(p);
      // Stryker: equivalent (check dropped) — a producer of a pushed float tensor has a float output: it is a float node.
      if (!floatNodes.includes(p)) continue; // e.g. Shape: the integer side ends the cone
      const c = phase.get(p) ?? { roots: [], absmax: 0 };
      c.roots.push(nameOf(n));
      c.absmax = Math.max(c.absmax, r.absmax);
      phase.set(p, c);
      for (const t of floatInputs(p)) if (!isConstant(t)) stack.push(t); // Stryker: equivalent (push constants) — their producers end the walk
    }
  }
  for (const [p, c] of phase) {
    const spacing = 2 ** (Math.floor(Math.log2(c.absmax)) - (opts.target === 'fp16' ? 10 : 7));
    keep(p, 'phase', `computes the phase of ${c.roots.join(', ')} (|x| up to ${fmt(c.absmax)} on real speech; ${opts.target.toUpperCase()}'s spacing there is ${fmt(spacing)} rad)`);
  }

  // 4. Q/DQ follow the node they feed, so TensorRT can fuse DequantizeLinear into it.
  const isKept = (n: any) => reasons.has(n);
  for (const n of [...floatNodes].reverse()) {
    if ((n.opType !== 'DequantizeLinear' && n.opType !== 'QuantizeLinear') || isKept(n)) continue;
    const next = (consumers.get(n.output[0]) ?? [])[0]; // Stryker: equivalent (junk fallback) — a string is never kept
    if (next && isKept(next)) keep(n, 'quantization', `follows ${nameOf(next)}, which stays FP32, so TensorRT can still fuse the Q/DQ pair into it`);
  }

  // 5. Rewrite. avail: original tensor name → the names holding it in low / high precision.
  type Tag = 'low' | 'high';
  const avail = new Map<string, Partial<Record<Tag, string>>>();
  const out: any[] = [];
  let casts = 0;
  let constantsConverted = 0;
  const finalType = new Map<string, number>();
  const cast = (from: string, to: string, code: number, name: string) => {
    casts++;
    finalType.set(to, code);
    return { opType: 'Cast', name, input: [from], output: [to], attribute: [{ name: 'to', type: 2, i: code }] };
  };
  const ioCode = (t: string, fallback: number): number => {
    const d = opts.ioDtypes?.[t];
    if (d === undefined) return fallback;
    const c = DTYPE_CODES[d];
    if (c === undefined) throw new Error(`graph I/O ${t}: dtype ${d} is not a float type the conversion handles`);
    return c;
  };
  for (const v of g.input ?? []) {
    if (!graphInputs.has(v.name) || !isFloat(v.name)) continue;
    const code = ioCode(v.name, FLOAT);
    if (code === FLOAT) avail.set(v.name, { high: v.name });
    else if (typed && code === lowT) {
      v.type.tensorType.elemType = lowT;
      avail.set(v.name, { low: v.name });
    } else throw new Error(`graph input ${v.name} is declared ${code === FLOAT16 ? 'float16' : 'bfloat16'}, which a ${opts.target} conversion cannot keep`);
  }
  const lowConstant = (t: string): string => {
    const data = constantData(t);
    const name = fresh(`${t}__${suffix}`);
    constantsConverted++;
    const tensor = typed
      ? { name, dataType: lowT, dims: [...(inits.get(t)?.dims ?? constNode.get(t)?.attribute?.find((a: any) => a.t)?.t?.dims ?? (data.length === 1 ? [] : [data.length]))], rawData: rawOf(opts.target === 'fp16' ? float32ArrayToFloat16(data) : float32ArrayToBfloat16(data)) }
      : { name, dataType: FLOAT, dims: [...(inits.get(t)?.dims ?? constNode.get(t)?.attribute?.find((a: any) => a.t)?.t?.dims ?? (data.length === 1 ? [] : [data.length]))], rawData: rawOf(roundThrough(opts.target, data)) };
    if (inits.has(t)) g.initializer.push(tensor);
    else out.push({ opType: 'Constant', name: fresh(`${nameOf(constNode.get(t))}__${suffix}`), input: [], output: [name], attribute: [{ name: 'value', type: 4, t: { ...tensor, name: '' } }] });
    finalType.set(name, lowT);
    return name;
  };
  const get = (t: string, tag: Tag): string => {
    if (isConstant(t)) {
      const a = avail.get(t) ?? {};
      if (!a.high) a.high = t;
      if (tag === 'low' && !a.low) a.low = lowConstant(t);
      avail.set(t, a);
      return a[tag]!;
    }
    const a = avail.get(t);
    if (!a) return t; // not a float the rewrite produced (unknown type): leave the edge alone
    if (a[tag]) return a[tag]!;
    const from = (a.low ?? a.high)!;
    if (!typed) {
      // emulated: a low tensor is already FP32 data; a high one is rounded through the target type
      if (tag === 'high') return (a.high = from); // Stryker: equivalent — every emulated tensor has a high name already
      const mid = fresh(`${t}__${suffix}`);
      const name = fresh(`${t}__${suffix}r`);
      out.push(cast(from, mid, lowCode, fresh(`${t}__to_${suffix}`)), cast(mid, name, FLOAT, fresh(`${t}__from_${suffix}`)));
      casts--; // one rounding, two Cast nodes
      return (a.low = name);
    }
    const name = fresh(`${t}__${tag === 'low' ? suffix : 'fp32'}`);
    out.push(cast(from, name, tag === 'low' ? lowT : FLOAT, fresh(`${t}__cast_${tag === 'low' ? suffix : 'fp32'}`)));
    a[tag] = name;
    return name;
  };
  const graphOutputs = new Map<string, any>((g.output ?? []).map((v: any) => [v.name, v]));
  const floatSet = new Set(floatNodes);
  for (const n of nodes) {
    // Stryker: equivalent (Constant check changed) — floatSet holds no Constant.
    if (n.opType === 'Constant' || !floatSet.has(n)) {
      out.push(n);
      continue;
    }
    const tag: Tag = isKept(n) ? 'high' : 'low';
    const fixed = FIXED_FLOAT_INPUTS[n.opType] ?? []; // Stryker: equivalent (junk fallback) — holds no input index
    n.input = (n.input ?? []).map((t: string, i: number) => {
      if (!isFloat(t)) return t;
      if (typeAgnosticInput(n, i)) {
        const a = isConstant(t) ? undefined : avail.get(t);
        return a ? (a.high ?? a.low)! : t;
      }
      return get(t, fixed.includes(i) ? 'high' : tag);
    });
    if (tag === 'low') {
      for (const a of n.attribute ?? []) {
        if (n.opType === 'Cast' && a.name === 'to' && num(a.i) === FLOAT) a.i = lowT;
        if (n.opType === 'ConstantOfShape' && a.name === 'value' && a.t?.dataType === FLOAT) {
          const d = tensorFloats(a.t);
          a.t = typed
            ? { ...a.t, dataType: lowT, floatData: [], rawData: rawOf(opts.target === 'fp16' ? float32ArrayToFloat16(d) : float32ArrayToBfloat16(d)) }
            : { ...a.t, floatData: [], rawData: rawOf(roundThrough(opts.target, d)) };
        }
      }
      if (n.opType === 'ConstantOfShape' && typed && !(n.attribute ?? []).some((a: any) => a.name === 'value')) {
        n.attribute = [...(n.attribute ?? []), { name: 'value', type: 4, t: { dataType: lowT, dims: [1], rawData: new Uint8Array(2) } }];
      }
    }
    const after: any[] = [];
    n.output = (n.output ?? []).map((t: string) => {
      if (!isFloat(t)) return t;
      if (tag === 'high') {
        const declared = graphOutputs.has(t) ? ioCode(t, FLOAT) : FLOAT;
        if (declared === FLOAT || !typed) {
          avail.set(t, { high: t });
          finalType.set(t, FLOAT);
          return t;
        }
        // a graph output declared in the low type, computed by an FP32 island
        const high = fresh(`${t}__fp32`);
        finalType.set(high, FLOAT);
        after.push(cast(high, t, declared, fresh(`${t}__cast_${suffix}`)));
        avail.set(t, { high, low: t });
        return high;
      }
      if (!typed) {
        // emulated: the node computes in FP32, its result is rounded through the target type
        const raw = fresh(`${t}__unrounded`);
        const mid = fresh(`${t}__${suffix}`);
        after.push(cast(raw, mid, lowCode, fresh(`${t}__to_${suffix}`)), cast(mid, t, FLOAT, fresh(`${t}__from_${suffix}`)));
        casts--;
        avail.set(t, { low: t, high: t });
        return raw;
      }
      const declared = graphOutputs.has(t) ? ioCode(t, FLOAT) : lowT;
      if (declared === lowT) {
        avail.set(t, { low: t });
        finalType.set(t, lowT);
        return t;
      }
      // a graph output keeps its declared dtype: the node writes t__fp16, a Cast writes t
      const low = fresh(`${t}__${suffix}`);
      finalType.set(low, lowT);
      after.push(cast(low, t, declared, fresh(`${t}__cast_fp32`)));
      avail.set(t, { low, high: t });
      return low;
    });
    out.push(n, ...after);
  }
  g.node = out;

  // 6. Tidy: types of intermediates, unused constants.
  for (const v of g.valueInfo ?? []) {
    const t = finalType.get(v.name);
    if (t !== undefined && v.type?.tensorType) v.type.tensorType.elemType = t;
  }
  const referenced = new Set<string>();
  for (const n of g.node) for (const i of n.input ?? []) if (i) referenced.add(i); // Stryker: equivalent (if dropped) — no tensor is named ''
  for (const o of g.output ?? []) referenced.add(o.name);
  g.node = g.node.filter((n: any) => n.opType !== 'Constant' || (n.output ?? []).some((o: string) => referenced.has(o)));
  g.initializer = (g.initializer ?? []).filter((t: any) => referenced.has(t.name));
  g.input = (g.input ?? []).filter((v: any) => !inits.has(v.name) || referenced.has(v.name));

  const kept: KeptNode[] = floatNodes
    .filter((n) => reasons.has(n))
    .map((n) => {
      const rs = reasons.get(n)!;
      return { node: nameOf(n), opType: n.opType, rule: rs[0]!.rule, reason: [...new Set(rs.map((r) => r.text))].join('; ') };
    });
  return {
    model,
    report: {
      target: opts.target,
      emit,
      rulesVersion: RULES_VERSION,
      maxAbs: opts.target === 'fp16' ? limit : null,
      floatNodes: floatNodes.length,
      lowered: floatNodes.length - kept.length,
      kept,
      casts,
      constantsConverted,
      unmeasured: [...unmeasured].sort(),
    },
  };
}
