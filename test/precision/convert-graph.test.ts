// The strongly typed conversion's graph rewriting on small graphs, checked structurally (no ONNX Runtime,
// so that it runs in milliseconds under mutation testing): the report's fields, constants in their three
// ONNX spellings, Q/DQ before opset 19, subgraphs, declared I/O dtypes, the emulated form, inputs that stay
// FP32 by definition, and fresh names. Expected names and bit patterns are worked out by hand.
import { describe, expect, it } from 'vitest';
import { convertPrecision, tensorFloats, type TensorRange } from '../../src/precision/convert.ts';
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
