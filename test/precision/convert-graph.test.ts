// The strongly typed conversion's graph rewriting on small graphs, checked structurally (no ONNX Runtime,
// so that it runs in milliseconds under mutation testing): the report's fields, constants in their three
// ONNX spellings, Q/DQ before opset 19, subgraphs, declared I/O dtypes, the emulated form, inputs that stay
// FP32 by definition, and fresh names. Expected names and bit patterns are worked out by hand.
import { describe, expect, it } from 'vitest';
import { convertPrecision, float32ArrayToBfloat16, tensorFloats, type TensorRange } from '../../src/precision/convert.ts';
import { attrI, BFLOAT16, byName, castsTo, FLOAT, FLOAT16, int64s, io, model, node, tensor } from './graphs.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
const ranges = (r: Record<string, number>) => new Map<string, TensorRange>(Object.entries(r).map(([k, absmax]) => [k, { absmax, nonFinite: 0 }]));
const kept = (report: { kept: { node: string; rule: string }[] }) => Object.fromEntries(report.kept.map((k) => [k.node, k.rule]));
const wiring = (m: any) => m.graph.node.map((n: any) => `${n.opType} ${n.name}: ${n.input.join(',')} -> ${n.output.join(',')}`);
const u16 = (raw: Uint8Array) => [...new Uint16Array(Uint8Array.from(raw).buffer)];

/** x → Relu → Add(bias) → y, with r declared in valueInfo. */
function reluAdd(bias: any = tensor('bias', [2], [1, 2])) {
  const m = model({ nodes: [node('Relu', 'relu', ['x'], ['r']), node('Add', 'add', ['r', 'bias'], ['y'])], inputs: [io('x', [2])], outputs: [io('y', [2])], inits: [bias] });
  m.graph.valueInfo = [io('r', [2])];
  return m;
}

describe('convertPrecision: report and bookkeeping', () => {
  it('the report counts nodes, casts and constants, and lists what no measurement covered', () => {
    const { model: m, report } = convertPrecision(reluAdd(), { target: 'fp16', ranges: ranges({ x: 1 }) });
    expect(report).toEqual({ target: 'fp16', emit: 'typed', rulesVersion: 1, maxAbs: 16384, floatNodes: 2, lowered: 2, kept: [], casts: 2, constantsConverted: 1, unmeasured: ['r', 'y'] });
    expect(wiring(m)).toEqual(['Cast x__cast_fp16: x -> x__fp16', 'Relu relu: x__fp16 -> r', 'Add add: r,bias__fp16 -> y__fp16', 'Cast y__cast_fp32: y__fp16 -> y']);
    // r is FP16 now, and its valueInfo says so; the unused FP32 bias is gone
    expect(m.graph.valueInfo[0].type.tensorType.elemType).toBe(FLOAT16);
    expect(m.graph.initializer.map((t: any) => [t.name, t.dataType, t.dims])).toEqual([['bias__fp16', FLOAT16, [2]]]);
    expect(u16(m.graph.initializer[0].rawData)).toEqual([0x3c00, 0x4000]); // 1 and 2 in FP16
    const bf = convertPrecision(reluAdd(), { target: 'bf16', emit: 'emulated', ranges: ranges({ x: 1, r: 1, y: 3 }), maxAbs: 5 }).report;
    expect([bf.target, bf.emit, bf.maxAbs, bf.unmeasured]).toEqual(['bf16', 'emulated', null, []]);
    expect(convertPrecision(reluAdd(), { target: 'fp16', ranges: ranges({}), maxAbs: 5 }).report.maxAbs).toBe(5);
  });

  it('a name already taken gets _2, _3 …', () => {
    const m = reluAdd();
    m.graph.valueInfo.push(io('bias__fp16', [2]), io('bias__fp16_2', [2]), io('x__fp16', [2]));
    const { model: c } = convertPrecision(m, { target: 'fp16', ranges: ranges({}) });
    expect(wiring(c)).toEqual(['Cast x__cast_fp16: x -> x__fp16_2', 'Relu relu: x__fp16_2 -> r', 'Add add: r,bias__fp16_3 -> y__fp16', 'Cast y__cast_fp32: y__fp16 -> y']);
  });

  it('float data given as float_data (not raw bytes) is read too', () => {
    expect([...tensorFloats({ floatData: [1.5, -2] })]).toEqual([1.5, -2]);
    expect([...tensorFloats({ rawData: new Uint8Array(0), floatData: [3] })]).toEqual([3]);
    expect([...tensorFloats({})]).toEqual([]);
    const { model: c } = convertPrecision(reluAdd({ name: 'bias', dataType: FLOAT, dims: [2], floatData: [0.5, 0.25] }), { target: 'fp16', ranges: ranges({}) });
    expect(u16(c.graph.initializer[0].rawData)).toEqual([0x3800, 0x3400]);
  });

  it('an initializer with external data is refused: its values are needed', () => {
    const m = reluAdd({ ...tensor('bias', [2], [1, 2]), dataLocation: 1 });
    expect(() => convertPrecision(m, { target: 'fp16', ranges: ranges({}) })).toThrow('initializer bias keeps its data outside the model file; load it inline before converting');
  });
});

describe('convertPrecision: constants in every spelling', () => {
  function withConstant(c: any) {
    return model({ nodes: [c, node('Relu', 'relu', ['x'], ['r']), node('Mul', 'mul', ['r', 'c'], ['y'])], inputs: [io('x', [2])], outputs: [io('y', [2])] });
  }
  it('a Constant node with a tensor value becomes an FP16 Constant; the FP32 one is dropped', () => {
    const { model: m, report } = convertPrecision(withConstant(node('Constant', 'cn', [], ['c'], [{ name: 'value', type: 4, t: tensor('', [2], [0.5, 0.25]) }])), { target: 'fp16', ranges: ranges({}) });
    expect(report.constantsConverted).toBe(1);
    const cs = m.graph.node.filter((n: any) => n.opType === 'Constant');
    expect(cs.map((n: any) => [n.name, n.output])).toEqual([['cn__fp16', ['c__fp16']]]);
    expect([cs[0].attribute[0].t.dataType, cs[0].attribute[0].t.dims]).toEqual([FLOAT16, [2]]);
    expect(u16(cs[0].attribute[0].t.rawData)).toEqual([0x3800, 0x3400]);
    expect(byName(m, 'mul').input).toEqual(['r', 'c__fp16']);
  });
  it('value_float: a scalar; a tiny one keeps its node, a huge one too', () => {
    const f = (v: number) => withConstant(node('Constant', 'cn', [], ['c'], [{ name: 'value_float', type: 1, f: v }]));
    const tiny = convertPrecision(f(1e-9), { target: 'fp16', ranges: ranges({}) }).report;
    expect(tiny.kept).toEqual([{ node: 'mul', opType: 'Mul', rule: 'constant', reason: 'constant c = 1.00e-9 becomes 0 in FP16' }]);
    const huge = convertPrecision(f(7e4), { target: 'fp16', ranges: ranges({}) }).report;
    expect(huge.kept.map((k) => k.reason)).toEqual(['constant c reaches |x| = 7.00e+4 (FP16 safe range ±1.64e+4)']);
    // exactly at the limit counts as reaching it; just below does not
    expect(kept(convertPrecision(f(100), { target: 'fp16', ranges: ranges({}), maxAbs: 100 }).report)).toEqual({ mul: 'constant' });
    expect(kept(convertPrecision(f(99), { target: 'fp16', ranges: ranges({}), maxAbs: 100 }).report)).toEqual({});
    const { model: m } = convertPrecision(f(2), { target: 'fp16', ranges: ranges({}) });
    const c = m.graph.node.find((n: any) => n.opType === 'Constant');
    expect([c.attribute[0].t.dims, u16(c.attribute[0].t.rawData)]).toEqual([[], [0x4000]]);
    // BF16 keeps tiny and huge constants: its exponent range is FP32's
    expect(convertPrecision(f(1e-9), { target: 'bf16', ranges: ranges({}) }).report.kept).toEqual([]);
  });
  it('a small tensor with one value FP16 flushes to 0 keeps its node; in a large tensor (> 16 values) such values are noise', () => {
    const t = (n: number) => reluAdd(tensor('bias', [n], [...Array(n - 1).fill(0.5), 1e-9]));
    expect(kept(convertPrecision(t(16), { target: 'fp16', ranges: ranges({}) }).report)).toEqual({ add: 'constant' });
    expect(kept(convertPrecision(t(17), { target: 'fp16', ranges: ranges({}) }).report)).toEqual({});
    // zeros are exact in FP16, and 2^-25 itself is not below the threshold
    expect(kept(convertPrecision(reluAdd(tensor('bias', [2], [0, 2 ** -25])), { target: 'fp16', ranges: ranges({}) }).report)).toEqual({});
    expect(kept(convertPrecision(reluAdd(tensor('bias', [2], [0, 2 ** -26])), { target: 'fp16', ranges: ranges({}) }).report)).toEqual({ add: 'constant' });
  });
});

describe('convertPrecision: measured ranges at the limit', () => {
  it('a tensor exactly at the limit keeps its nodes; a graph input counts too', () => {
    const r = (x: number) => kept(convertPrecision(reluAdd(), { target: 'fp16', ranges: ranges({ x, r: 1, y: 1 }), maxAbs: 100 }).report);
    expect(r(100)).toEqual({ relu: 'range' });
    expect(r(99.9)).toEqual({});
  });
  it('a DequantizeLinear output is bounded by 128 · max|scale| when nothing measured it', () => {
    const dq = (scale: number[]) =>
      model(
        {
          nodes: [node('QuantizeLinear', 'q', ['x', 's', 'z'], ['q8']), node('DequantizeLinear', 'dq', ['q8', 's', 'z'], ['d']), node('Relu', 'relu', ['d'], ['y'])],
          inputs: [io('x', [2])],
          outputs: [io('y', [2])],
          inits: [tensor('s', [scale.length], scale), { name: 'z', dataType: 3, dims: [], int32Data: [0] }],
        },
        19,
      );
    // 128 · 200 = 25600 ≥ 16384 (the sign of the scale does not matter); 128 · 100 = 12800 is fine
    const big = convertPrecision(dq([0.5, -200]), { target: 'fp16', ranges: ranges({ x: 1, y: 1 }) }).report;
    expect(big.kept.find((k) => k.node === 'relu')!.reason).toBe('d reaches |x| = 2.56e+4 on real speech (FP16 safe range ±1.64e+4, largest FP16 value 65504)');
    expect(big.unmeasured).not.toContain('d');
    expect(kept(convertPrecision(dq([100]), { target: 'fp16', ranges: ranges({ x: 1, y: 1 }) }).report)).toEqual({});
    // a BF16 limit is FP32's largest value: never reached by a finite scale
    expect(kept(convertPrecision(dq([1e30]), { target: 'bf16', ranges: ranges({ x: 1, y: 1 }) }).report)).toEqual({});
  });
});

describe('convertPrecision: Q/DQ before opset 19, subgraphs', () => {
  const qdq = (opset: number) =>
    model(
      {
        nodes: [node('QuantizeLinear', 'q', ['x', 's', 'z'], ['q8']), node('DequantizeLinear', 'dq', ['q8', 's', 'z'], ['y'])],
        inputs: [io('x', [2])],
        outputs: [io('y', [2])],
        inits: [tensor('s', [], [0.02]), { name: 'z', dataType: 3, dims: [], int32Data: [0] }],
      },
      opset,
    );
  it('before opset 19 Q/DQ take FP32 scales only: a typed conversion keeps them FP32, an emulated one need not', () => {
    const r = convertPrecision(qdq(17), { target: 'fp16', ranges: ranges({ x: 1, y: 1 }) }).report;
    expect(r.kept.map((k) => [k.node, k.rule, k.reason])).toEqual([
      ['q', 'quantization', 'QuantizeLinear takes FP16 scales from opset 19 only (this model: opset 17)'],
      ['dq', 'quantization', 'DequantizeLinear takes FP16 scales from opset 19 only (this model: opset 17)'],
    ]);
    expect(convertPrecision(qdq(18), { target: 'bf16', ranges: ranges({ x: 1, y: 1 }) }).report.kept[0]!.reason).toBe('QuantizeLinear takes BF16 scales from opset 19 only (this model: opset 18)');
    expect(convertPrecision(qdq(19), { target: 'fp16', ranges: ranges({ x: 1, y: 1 }) }).report.kept).toEqual([]);
    expect(convertPrecision(qdq(17), { target: 'fp16', emit: 'emulated', ranges: ranges({ x: 1, y: 1 }) }).report.kept).toEqual([]);
    // the default domain may be spelled 'ai.onnx'; another domain's version is not the opset
    const named = qdq(17);
    named.opsetImport = [{ domain: 'com.microsoft', version: 1 }, { domain: 'ai.onnx', version: 19 }];
    expect(convertPrecision(named, { target: 'fp16', ranges: ranges({ x: 1, y: 1 }) }).report.kept).toEqual([]);
  });
  it('a node holding a subgraph (If, Loop) stays FP32', () => {
    const sub = (scanGraphs: any[]) => {
      const m = model({
        nodes: [
          node('Relu', 'relu', ['x'], ['r']),
          node('If', 'if', ['cond'], ['o'], [{ name: 'then_branch', type: 5, g: { name: 'then' } }, { name: 'else_branch', type: 5, g: { name: 'else' } }]),
          node('Scan', 'scan', ['r'], ['s'], [{ name: 'body', type: 10, graphs: scanGraphs }]),
          node('Add', 'add', ['o', 's'], ['y']),
        ],
        inputs: [io('x', [2]), io('cond', [], 9)],
        outputs: [io('y', [2])],
      });
      m.graph.valueInfo = [io('o', [2])];
      return m;
    };
    const r = convertPrecision(sub([{ name: 'b' }]), { target: 'fp16', ranges: ranges({ x: 1, r: 1, o: 1, s: 1, y: 1 }) }).report;
    expect(r.kept.map((k) => [k.node, k.rule, k.reason])).toEqual([
      ['if', 'subgraph', 'holds a subgraph (If/Loop/Scan), which the conversion does not enter'],
      ['scan', 'subgraph', 'holds a subgraph (If/Loop/Scan), which the conversion does not enter'],
    ]);
    // an empty `graphs` list is no subgraph
    expect(kept(convertPrecision(sub([]), { target: 'fp16', ranges: ranges({ x: 1, r: 1, o: 1, s: 1, y: 1 }) }).report)).toEqual({ if: 'subgraph' });
  });
});

describe('convertPrecision: declared graph I/O dtypes', () => {
  it('an FP16 graph input and output are used as they are: no Cast', () => {
    const { model: m, report } = convertPrecision(reluAdd(), { target: 'fp16', ranges: ranges({}), ioDtypes: { x: 'float16', y: 'float16' } });
    expect(wiring(m)).toEqual(['Relu relu: x -> r', 'Add add: r,bias__fp16 -> y']);
    expect([m.graph.input[0].type.tensorType.elemType, report.casts]).toEqual([FLOAT16, 0]);
  });
  it('an FP16 graph output computed by an FP32 island: the node writes y__fp32, a Cast writes y', () => {
    const { model: m } = convertPrecision(reluAdd(), { target: 'fp16', ranges: ranges({}), keepFp32: ['add'], ioDtypes: { y: 'float16' } });
    expect(wiring(m)).toEqual(['Cast x__cast_fp16: x -> x__fp16', 'Relu relu: x__fp16 -> r', 'Cast r__cast_fp32: r -> r__fp32', 'Add add: r__fp32,bias -> y__fp32', 'Cast y__cast_fp16: y__fp32 -> y']);
    expect(Number(byName(m, 'y__cast_fp16').attribute[0].i)).toBe(FLOAT16);
    // declared float32 (or not declared): the island writes y itself
    expect(wiring(convertPrecision(reluAdd(), { target: 'fp16', ranges: ranges({}), keepFp32: ['add'], ioDtypes: { y: 'float32' } }).model).at(-1)).toBe('Add add: r__fp32,bias -> y');
  });
  it('BF16 declared for a BF16 conversion; what a conversion cannot keep is an error', () => {
    const { model: m } = convertPrecision(reluAdd(), { target: 'bf16', ranges: ranges({}), ioDtypes: { x: 'bfloat16', y: 'bfloat16' } });
    expect([m.graph.input[0].type.tensorType.elemType, castsTo(m, BFLOAT16)]).toEqual([BFLOAT16, 0]);
    expect(() => convertPrecision(reluAdd(), { target: 'bf16', ranges: ranges({}), ioDtypes: { x: 'float16' } })).toThrow('graph input x is declared float16, which a bf16 conversion cannot keep');
    expect(() => convertPrecision(reluAdd(), { target: 'fp16', ranges: ranges({}), ioDtypes: { x: 'bfloat16' } })).toThrow('graph input x is declared bfloat16, which a fp16 conversion cannot keep');
    expect(() => convertPrecision(reluAdd(), { target: 'fp16', emit: 'emulated', ranges: ranges({}), ioDtypes: { x: 'float16' } })).toThrow('graph input x is declared float16, which a fp16 conversion cannot keep');
    expect(() => convertPrecision(reluAdd(), { target: 'fp16', ranges: ranges({}), ioDtypes: { x: 'int8' } })).toThrow('graph I/O x: dtype int8 is not a float type the conversion handles');
  });
});

describe('convertPrecision: the emulated form', () => {
  it('FP32 throughout, every low tensor rounded through FP16 by a Cast pair (counted once)', () => {
    const { model: m, report } = convertPrecision(reluAdd(), { target: 'fp16', emit: 'emulated', ranges: ranges({}) });
    expect(wiring(m)).toEqual([
      'Cast x__to_fp16: x -> x__fp16',
      'Cast x__from_fp16: x__fp16 -> x__fp16r',
      'Relu relu: x__fp16r -> r__unrounded',
      'Cast r__to_fp16: r__unrounded -> r__fp16',
      'Cast r__from_fp16: r__fp16 -> r',
      'Add add: r,bias__fp16 -> y__unrounded',
      'Cast y__to_fp16: y__unrounded -> y__fp16',
      'Cast y__from_fp16: y__fp16 -> y',
    ]);
    expect(report.casts).toBe(3);
    expect([castsTo(m, FLOAT16), castsTo(m, FLOAT)]).toEqual([3, 3]);
    // the constant is FP32 data holding FP16-representable values: 0.1 → 0.0999755859375
    const b = m.graph.initializer.find((t: any) => t.name === 'bias__fp16');
    expect(b.dataType).toBe(FLOAT);
    expect([...new Float32Array(Uint8Array.from(b.rawData).buffer)]).toEqual([1, 2]);
    const tenth = convertPrecision(reluAdd(tensor('bias', [2], [0.1, 3])), { target: 'fp16', emit: 'emulated', ranges: ranges({}) }).model;
    expect([...new Float32Array(Uint8Array.from(tenth.graph.initializer[0].rawData).buffer)]).toEqual([0.0999755859375, 3]);
    // and through BF16: 0.1 → 0.10009765625 (0x3dcd)
    const bf = convertPrecision(reluAdd(tensor('bias', [2], [0.1, 3])), { target: 'bf16', emit: 'emulated', ranges: ranges({}) }).model;
    expect([...new Float32Array(Uint8Array.from(bf.graph.initializer[0].rawData).buffer)]).toEqual([0.10009765625, 3]);
  });
  it('an FP32 island in the emulated form reads the rounded tensor as it is, with no Cast back', () => {
    const { model: m } = convertPrecision(reluAdd(), { target: 'fp16', emit: 'emulated', ranges: ranges({}), keepFp32: ['add'] });
    expect(wiring(m).slice(2)).toEqual(['Relu relu: x__fp16r -> r__unrounded', 'Cast r__to_fp16: r__unrounded -> r__fp16', 'Cast r__from_fp16: r__fp16 -> r', 'Add add: r,bias -> y']);
  });
});

describe('convertPrecision: inputs that stay as they are', () => {
  it('Resize scales are float32 by definition; Shape reads any float type; an unknown-typed edge is left alone', () => {
    const m = model({
      nodes: [node('Relu', 'relu', ['x'], ['r']), node('Resize', 'rs', ['r', '', 'scales'], ['z']), node('Shape', 'shape', ['z'], ['n']), node('Add', 'add', ['z', 'other'], ['y'])],
      inputs: [io('x', [1, 2]), io('other', [1, 4])],
      outputs: [io('y', [1, 4]), io('n', [2], 7)],
      inits: [tensor('scales', [2], [1, 2])],
    });
    const { model: c } = convertPrecision(m, { target: 'fp16', ranges: ranges({}) });
    expect(byName(c, 'rs').input).toEqual(['r', '', 'scales']);
    expect(byName(c, 'shape').input).toEqual(['z']);
    expect(byName(c, 'add').input).toEqual(['z', 'other__fp16']);
    expect(c.graph.initializer.map((t: any) => [t.name, t.dataType])).toEqual([['scales', FLOAT]]);
  });
  it('ConstantOfShape in an FP16 region: its value becomes FP16, and a missing value is written as FP16 zero', () => {
    const cos = (attrs: any[]) =>
      model({
        nodes: [node('Shape', 'shape', ['x'], ['s']), node('ConstantOfShape', 'cos', ['s'], ['c'], attrs), node('Add', 'add', ['x', 'c'], ['y'])],
        inputs: [io('x', [2])],
        outputs: [io('y', [2])],
      });
    const withValue = convertPrecision(cos([{ name: 'value', type: 4, t: tensor('', [1], [0.5]) }]), { target: 'fp16', ranges: ranges({}) }).model;
    const v = byName(withValue, 'cos').attribute[0].t;
    expect([v.dataType, u16(v.rawData)]).toEqual([FLOAT16, [0x3800]]);
    const bare = convertPrecision(cos([]), { target: 'fp16', ranges: ranges({}) }).model;
    const z = byName(bare, 'cos').attribute[0];
    expect([z.name, z.t.dataType, z.t.dims, [...z.t.rawData]]).toEqual(['value', FLOAT16, [1], [0, 0]]);
    // emulated: the value stays FP32 data, rounded through FP16 (0.1 → 0.0999755859375); no value added
    const em = convertPrecision(cos([{ name: 'value', type: 4, t: tensor('', [1], [0.1]) }]), { target: 'fp16', emit: 'emulated', ranges: ranges({}) }).model;
    const e = byName(em, 'cos').attribute[0].t;
    expect([e.dataType, [...new Float32Array(Uint8Array.from(e.rawData).buffer)]]).toEqual([FLOAT, [0.0999755859375]]);
    expect(byName(convertPrecision(cos([]), { target: 'fp16', emit: 'emulated', ranges: ranges({}) }).model, 'cos').attribute).toEqual([]);
    // kept in FP32, it is left as it is
    const keptCos = convertPrecision(cos([{ name: 'value', type: 4, t: tensor('', [1], [0.5]) }]), { target: 'fp16', ranges: ranges({}), keepFp32: ['cos'] }).model;
    expect(byName(keptCos, 'cos').attribute[0].t.dataType).toBe(FLOAT);
  });
  it('a Cast to float in an FP32 island stays a Cast to float; int64 Casts are untouched', () => {
    const m = model({
      nodes: [node('Shape', 'shape', ['x'], ['s']), node('Cast', 'cast', ['s'], ['sf'], [attrI('to', FLOAT)]), node('Mul', 'mul', ['sf', 'x'], ['y'])],
      inputs: [io('x', [4])],
      outputs: [io('y', [4])],
    });
    const { model: c } = convertPrecision(m, { target: 'fp16', ranges: ranges({}), keepFp32: ['cast'] });
    expect(Number(byName(c, 'cast').attribute[0].i)).toBe(FLOAT);
    const ints = model({ nodes: [node('Cast', 'ci', ['x'], ['xi'], [attrI('to', 7)]), node('Relu', 'relu', ['x'], ['y'])], inputs: [io('x', [2])], outputs: [io('y', [2])] });
    ints.graph.initializer.push(int64s('unused', [1]));
    const ci = convertPrecision(ints, { target: 'fp16', ranges: ranges({}) }).model;
    expect(byName(ci, 'ci').input).toEqual(['x']); // Cast's own input takes any float type
    expect(Number(byName(ci, 'ci').attribute[0].i)).toBe(7);
    expect(ci.graph.initializer).toEqual([]); // unreferenced initializers are dropped
  });
});

describe('convertPrecision: the phase cone', () => {
  /** x → MatMul(W) → h → Relu → t → Add(t, t) → ang → Sin and Cos → Add → y */
  const phaseGraph = () =>
    model({
      nodes: [
        node('MatMul', 'proj', ['x', 'w'], ['h']),
        node('Relu', 'relu', ['h'], ['t']),
        node('Add', 'dbl', ['t', 't'], ['ang']),
        node('Sin', 'sin', ['ang'], ['s']),
        node('Cos', 'cos', ['ang'], ['c']),
        node('Add', 'sum', ['s', 'c'], ['y']),
      ],
      inputs: [io('x', [1, 2])],
      outputs: [io('y', [1, 2])],
      inits: [tensor('w', [2, 2], [1, 0, 0, 1])],
    });
  const phased = (target: 'fp16' | 'bf16', ang: number) =>
    convertPrecision(phaseGraph(), { target, ranges: ranges({ x: 1, h: 1, t: 1, ang, s: 1, c: 1, y: 2 }) }).report.kept.filter((k) => k.rule === 'phase');
  it('every float producer of a large angle up to a heavy op, named once per Sin/Cos, with the spacing of the target type', () => {
    // 256 ≤ 300 < 512: FP16's spacing there is 2^(8−10) = 0.25 rad, BF16's 2^(8−7) = 2 rad
    expect(phased('fp16', 300).map((k) => [k.node, k.reason])).toEqual([
      ['relu', "computes the phase of sin, cos (|x| up to 300 on real speech; FP16's spacing there is 0.25 rad)"],
      ['dbl', "computes the phase of sin, cos (|x| up to 300 on real speech; FP16's spacing there is 0.25 rad)"],
    ]);
    expect(phased('bf16', 300).map((k) => k.reason)).toEqual([
      "computes the phase of sin, cos (|x| up to 300 on real speech; BF16's spacing there is 2 rad)",
      "computes the phase of sin, cos (|x| up to 300 on real speech; BF16's spacing there is 2 rad)",
    ]);
  });
  it('from |x| = 4 on (PHASE_MAX_ABS); below it, no cone; an unmeasured angle, no cone', () => {
    expect(phased('fp16', 4).map((k) => k.node)).toEqual(['relu', 'dbl']);
    expect(phased('fp16', 3.99)).toEqual([]);
    const unmeasured = convertPrecision(phaseGraph(), { target: 'fp16', ranges: ranges({ x: 1 }) }).report;
    expect(unmeasured.kept.filter((k) => k.rule === 'phase')).toEqual([]);
  });
});

describe('convertPrecision: details that a report or a graph shows', () => {
  it('numbers in reasons: fixed between 1e-3 and 1e4, exponent from 1e4 on and below 1e-3, 0 as 0', () => {
    const at = (v: number) => convertPrecision(reluAdd(), { target: 'fp16', ranges: ranges({ x: v, r: 0, y: 0 }), maxAbs: v }).report.kept[0]!.reason;
    expect(at(1e4)).toBe('x reaches |x| = 1.00e+4 on real speech (FP16 safe range ±1.00e+4, largest FP16 value 65504)');
    expect(at(9999)).toBe('x reaches |x| = 9999 on real speech (FP16 safe range ±9999, largest FP16 value 65504)');
    expect(at(0.001)).toBe('x reaches |x| = 0.001 on real speech (FP16 safe range ±0.001, largest FP16 value 65504)');
    // (with a limit of 0, r reaches it too: both reasons, "; "-separated)
    expect(at(0)).toBe('x reaches |x| = 0 on real speech (FP16 safe range ±0, largest FP16 value 65504); r reaches |x| = 0 on real speech (FP16 safe range ±0, largest FP16 value 65504)');
    // BF16: no FP16 remark; a measured non-finite value is a 'range' reason too
    const bf = convertPrecision(reluAdd(), { target: 'bf16', ranges: ranges({ x: 3.4e38, r: 1, y: 1 }) }).report.kept[0]!;
    expect([bf.rule, bf.reason]).toEqual(['range', 'x reaches |x| = 3.40e+38 on real speech (BF16 safe range ±3.39e+38)']);
    const nan = convertPrecision(reluAdd(), { target: 'fp16', ranges: new Map([['x', { absmax: 1, nonFinite: 2 }]]) }).report.kept[0]!;
    expect([nan.node, nan.rule]).toEqual(['relu', 'range']);
  });

  it('the largest and the smallest non-zero value of a constant, wherever they stand', () => {
    const k = (v: number[]) => kept(convertPrecision(reluAdd(tensor('bias', [v.length], v)), { target: 'fp16', ranges: ranges({}) }).report);
    expect(k([1e5, 1])).toEqual({ add: 'constant' });
    expect(k([1e-9, 0.5])).toEqual({ add: 'constant' });
    expect(k([0.5, 1e-9, 0.25])).toEqual({ add: 'constant' });
    expect(k([0, 0.5])).toEqual({});
  });

  it('the opset: a Long-like version object; no default-domain opset counts as opset 0', () => {
    const qdq = (opsetImport: any[]) => {
      const m = model(
        { nodes: [node('QuantizeLinear', 'q', ['x', 's', 'z'], ['q8']), node('DequantizeLinear', 'dq', ['q8', 's', 'z'], ['y'])], inputs: [io('x', [2])], outputs: [io('y', [2])], inits: [tensor('s', [], [0.02]), { name: 'z', dataType: 3, dims: [], int32Data: [0] }] },
        19,
      );
      m.opsetImport = opsetImport;
      return convertPrecision(m, { target: 'fp16', ranges: ranges({ x: 1, y: 1 }) }).report.kept.map((r) => r.reason);
    };
    const long = (n: number) => ({ low: n, high: 0, toString: () => String(n) });
    expect(qdq([{ domain: '', version: long(17) }])).toHaveLength(2);
    expect(qdq([{ domain: '', version: long(19) }])).toEqual([]);
    expect(qdq([{ domain: 'com.microsoft', version: 19 }])[0]).toBe('QuantizeLinear takes FP16 scales from opset 19 only (this model: opset 0)');
    expect(qdq([{ version: 17 }])).toHaveLength(2);
  });

  it('BF16: infinities stay infinities; a NaN with only low mantissa bits stays a NaN', () => {
    const bits = (u: number) => float32ArrayToBfloat16(new Float32Array(Uint32Array.of(u).buffer))[0]!;
    expect([bits(0x7f800000), bits(0xff800000), bits(0x7f800001), bits(0xff800001)]).toEqual([0x7f80, 0xff80, 0x7fc0, 0xffc0]);
  });

  it('Size reads any float type; an int8 weight dequantized is not "folded" (it must follow the node it feeds)', () => {
    const s = model({ nodes: [node('Size', 'size', ['x'], ['n']), node('Relu', 'relu', ['x'], ['y'])], inputs: [io('x', [2])], outputs: [io('y', [2]), io('n', [], 7)] });
    expect(byName(convertPrecision(s, { target: 'fp16', ranges: ranges({}) }).model, 'size').input).toEqual(['x']);
    const w8 = { name: 'w8', dataType: 3, dims: [2, 2], int32Data: [1, 2, 3, 4] };
    const dq = model(
      { nodes: [node('DequantizeLinear', 'wdq', ['w8', 'ws'], ['w']), node('MatMul', 'mm', ['x', 'w'], ['y'])], inputs: [io('x', [1, 2])], outputs: [io('y', [1, 2])], inits: [w8, tensor('ws', [], [0.1])] },
      19,
    );
    dq.graph.valueInfo = [io('w', [2, 2])];
    expect(convertPrecision(dq, { target: 'fp16', ranges: ranges({ x: 1, y: 1 }) }).report.kept).toEqual([]);
  });

  it('Upsample scales and the Dropout ratio stay FP32 by definition', () => {
    const m = model({
      nodes: [node('Upsample', 'up', ['x', 'scales'], ['u']), node('Dropout', 'drop', ['u', 'ratio'], ['y'])],
      inputs: [io('x', [1, 2])],
      outputs: [io('y', [1, 4])],
      inits: [tensor('scales', [2], [1, 2]), tensor('ratio', [], [0.5])],
    });
    const { model: c } = convertPrecision(m, { target: 'fp16', ranges: ranges({}) });
    expect([byName(c, 'up').input, byName(c, 'drop').input]).toEqual([['x__fp16', 'scales'], ['u', 'ratio']]);
  });

  it('integer-only nodes are no float nodes; a float node’s integer output is left as it is', () => {
    const m = model({
      nodes: [node('ArgMax', 'am', ['x'], ['idx'], [attrI('axis', 1)]), node('Shape', 'shape', ['idx'], ['s']), node('Relu', 'relu', ['x'], ['y'])],
      inputs: [io('x', [1, 2])],
      outputs: [io('y', [1, 2]), io('s', [1], 7)],
    });
    const { model: c, report } = convertPrecision(m, { target: 'fp16', ranges: ranges({}) });
    expect([report.floatNodes, report.unmeasured]).toEqual([2, ['x', 'y']]);
    expect(byName(c, 'am').input).toEqual(['x__fp16']);
    expect(byName(c, 'am').output).toEqual(['idx']);
    expect(byName(c, 'shape').input).toEqual(['idx']);
    // unmeasured tensors come sorted, whatever order the nodes meet them in
    const z = model({ nodes: [node('Relu', 'r1', ['zz'], ['aa'])], inputs: [io('zz', [2])], outputs: [io('aa', [2])] });
    expect(convertPrecision(z, { target: 'fp16', ranges: ranges({}) }).report.unmeasured).toEqual(['aa', 'zz']);
  });

  it('a rule group named in keep_fp32: every reason listed, "; "-separated', () => {
    const m = model({ nodes: [node('Softmax', 'sm', ['x'], ['y'])], inputs: [io('x', [2])], outputs: [io('y', [2])] });
    const r = convertPrecision(m, { target: 'fp16', ranges: ranges({}), keepFp32: ['softmax'] }).report.kept;
    expect(r).toEqual([{ node: 'sm', opType: 'Softmax', rule: 'profile', reason: 'group softmax in the profile\'s keep_fp32; Softmax is in the built-in rule group "softmax"' }]);
  });

  it('a chain computed from constants is folded all along, with its reason', () => {
    const m = model({
      nodes: [node('Tanh', 't1', ['table'], ['a']), node('Abs', 't2', ['a'], ['b']), node('Relu', 'relu', ['x'], ['r']), node('Add', 'add', ['r', 'b'], ['y'])],
      inputs: [io('x', [2])],
      outputs: [io('y', [2])],
      inits: [tensor('table', [2], [1, 2])],
    });
    const r = convertPrecision(m, { target: 'fp16', ranges: ranges({}) }).report.kept;
    expect(r.map((k) => [k.node, k.rule])).toEqual([['t1', 'folded'], ['t2', 'folded']]);
    expect(r[0]!.reason).toBe('computed from constants only: TensorRT folds it at build time, FP32 is free');
    // a node with no inputs at all (a random generator) computes nothing from constants
    const rnd = model({ nodes: [node('RandomNormal', 'rn', [], ['n'], [attrI('dtype', 1)]), node('Relu', 'relu', ['n'], ['y'])], inputs: [], outputs: [io('y', [2])] });
    rnd.graph.valueInfo = [io('n', [2])];
    expect(kept(convertPrecision(rnd, { target: 'fp16', ranges: ranges({}) }).report)).toEqual({ rn: 'rule' });
  });

  it('a Q/DQ pair before an FP32 node says which node it follows', () => {
    const m = model(
      { nodes: [node('QuantizeLinear', 'q', ['x', 's', 'z'], ['q8']), node('DequantizeLinear', 'dq', ['q8', 's', 'z'], ['d']), node('Relu', 'relu', ['d'], ['y'])], inputs: [io('x', [2])], outputs: [io('y', [2])], inits: [tensor('s', [], [0.02]), { name: 'z', dataType: 3, dims: [], int32Data: [0] }] },
      19,
    );
    const r = convertPrecision(m, { target: 'fp16', ranges: ranges({}), keepFp32: ['relu'] }).report.kept;
    expect(r.find((k) => k.node === 'dq')!.reason).toBe('follows relu, which stays FP32, so TensorRT can still fuse the Q/DQ pair into it');
  });
});

describe('convertPrecision: constants, attributes and graph bookkeeping', () => {
  const constGraph = (dims: number[], values: number[]) =>
    model({ nodes: [node('Constant', 'cn', [], ['c'], [{ name: 'value', type: 4, t: tensor('', dims, values) }]), node('Relu', 'relu', ['x'], ['r']), node('Mul', 'mul', ['r', 'c'], ['y'])], inputs: [io('x', [1, 2])], outputs: [io('y', [1, 2])] });
  it('a lowered Constant node keeps its dims and is a plain Constant: no inputs, one "value" tensor with no name', () => {
    for (const emit of ['typed', 'emulated'] as const) {
      const { model: m } = convertPrecision(constGraph([1, 2], [0.5, 0.25]), { target: 'fp16', emit, ranges: ranges({}) });
      const c = m.graph.node.find((n: any) => n.opType === 'Constant');
      expect([c.name, c.input, c.output, c.attribute.length, c.attribute[0].name, c.attribute[0].type, c.attribute[0].t.name, c.attribute[0].t.dims], emit).toEqual(['cn__fp16', [], ['c__fp16'], 1, 'value', 4, '', [1, 2]]);
      expect(c.attribute[0].t.dataType, emit).toBe(emit === 'typed' ? FLOAT16 : FLOAT);
    }
  });
  it('a constant read by two FP16 nodes is converted once; one read only by FP32 nodes not at all', () => {
    const m = model({ nodes: [node('Relu', 'relu', ['x'], ['r']), node('Add', 'a1', ['r', 'bias'], ['s']), node('Add', 'a2', ['s', 'bias'], ['y'])], inputs: [io('x', [2])], outputs: [io('y', [2])], inits: [tensor('bias', [2], [1, 2])] });
    const once = convertPrecision(structuredClone(m), { target: 'fp16', ranges: ranges({}) });
    expect([once.report.constantsConverted, once.model.graph.initializer.map((t: any) => t.name)]).toEqual([1, ['bias__fp16']]);
    const none = convertPrecision(structuredClone(m), { target: 'fp16', ranges: ranges({}), keepFp32: ['a1', 'a2'] });
    expect([none.report.constantsConverted, none.model.graph.initializer.map((t: any) => t.name)]).toEqual([0, ['bias']]);
  });
  it('a Cast from float to float in an FP16 region reads its input as it is and casts to FP16', () => {
    const m = model({ nodes: [node('Cast', 'c32', ['x'], ['xc'], [attrI('to', FLOAT)]), node('Relu', 'relu', ['xc'], ['y'])], inputs: [io('x', [2])], outputs: [io('y', [2])] });
    const { model: c } = convertPrecision(m, { target: 'fp16', ranges: ranges({}) });
    expect(byName(c, 'c32').input).toEqual(['x']);
    expect(Number(byName(c, 'c32').attribute[0].i)).toBe(FLOAT16);
  });
  it('only Cast "to" and ConstantOfShape "value" change: other attributes (axis = 1, saturate = 1) are kept', () => {
    const m = model({
      nodes: [
        node('Shape', 'shape', ['x'], ['s']),
        node('Cast', 'cast', ['s'], ['sf'], [attrI('to', FLOAT), attrI('saturate', 1)]),
        node('Concat', 'cat', ['x', 'sf'], ['y'], [attrI('axis', 1)]),
      ],
      inputs: [io('x', [1, 2])],
      outputs: [io('y', [1, 4])],
    });
    const { model: c } = convertPrecision(m, { target: 'fp16', ranges: ranges({}) });
    expect(byName(c, 'cast').attribute.map((a: any) => [a.name, Number(a.i)])).toEqual([['to', FLOAT16], ['saturate', 1]]);
    expect(byName(c, 'cat').attribute.map((a: any) => [a.name, Number(a.i)])).toEqual([['axis', 1]]);
  });
  it('ConstantOfShape: BF16 bits for a BF16 conversion, no float_data left, one value attribute', () => {
    const cos = () =>
      model({
        nodes: [node('Shape', 'shape', ['x'], ['s']), node('ConstantOfShape', 'cos', ['s'], ['c'], [{ name: 'value', type: 4, t: { ...tensor('', [1], []), rawData: undefined, floatData: [0.5] } }]), node('Add', 'add', ['x', 'c'], ['y'])],
        inputs: [io('x', [2])],
        outputs: [io('y', [2])],
      });
    for (const [target, emit, bits] of [['bf16', 'typed', [0x3f00]], ['fp16', 'typed', [0x3800]]] as const) {
      const a = byName(convertPrecision(cos(), { target, emit, ranges: ranges({}) }).model, 'cos').attribute;
      expect([a.length, a[0].t.floatData, u16(a[0].t.rawData)], target).toEqual([1, [], bits]);
    }
    const e = byName(convertPrecision(cos(), { target: 'fp16', emit: 'emulated', ranges: ranges({}) }).model, 'cos').attribute;
    expect([e.length, e[0].t.floatData, [...new Float32Array(Uint8Array.from(e[0].t.rawData).buffer)]]).toEqual([1, [], [0.5]]);
  });
  it('a graph output that other nodes read too: both the output and the readers get the right tensor', () => {
    // y is an FP32 output written by an FP16 node, and read by another FP16 node
    const low = model({ nodes: [node('Relu', 'relu', ['x'], ['y']), node('Neg', 'neg', ['y'], ['z'])], inputs: [io('x', [2])], outputs: [io('y', [2]), io('z', [2])] });
    expect(wiring(convertPrecision(low, { target: 'fp16', ranges: ranges({}) }).model)).toEqual([
      'Cast x__cast_fp16: x -> x__fp16', 'Relu relu: x__fp16 -> y__fp16', 'Cast y__cast_fp32: y__fp16 -> y', 'Neg neg: y__fp16 -> z__fp16', 'Cast z__cast_fp32: z__fp16 -> z',
    ]);
    // y is an FP16 output written by an FP32 island, and read by an FP16 node
    const high = model({ nodes: [node('Relu', 'relu', ['x'], ['y']), node('Neg', 'neg', ['y'], ['z'])], inputs: [io('x', [2])], outputs: [io('y', [2]), io('z', [2])] });
    expect(wiring(convertPrecision(high, { target: 'fp16', ranges: ranges({}), keepFp32: ['relu'], ioDtypes: { y: 'float16' } }).model)).toEqual([
      'Relu relu: x -> y__fp32', 'Cast y__cast_fp16: y__fp32 -> y', 'Neg neg: y -> z__fp16', 'Cast z__cast_fp32: z__fp16 -> z',
    ]);
  });
  it('valueInfo: float tensors get their new type, others keep theirs, an entry without a type is skipped; unused inputs stay, dropped initializers leave graph.input', () => {
    const m = reluAdd();
    m.graph.valueInfo.push(io('s', [1], 7), { name: 'untyped' });
    m.graph.input.push(io('unused', [2]), io('bias', [2]));
    const { model: c } = convertPrecision(m, { target: 'fp16', ranges: ranges({}) });
    expect(c.graph.valueInfo.map((v: any) => [v.name, v.type?.tensorType?.elemType])).toEqual([['r', FLOAT16], ['s', 7], ['untyped', undefined]]);
    expect(c.graph.input.map((v: any) => v.name)).toEqual(['x', 'unused']);
  });
});
