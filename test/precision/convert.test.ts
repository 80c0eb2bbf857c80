// The strongly typed conversion on small graphs stated in the test: which nodes stay FP32 and why, where
// the Casts go, what the I/O dtypes stay, and that ONNX Runtime runs the result. Ranges are given as data
// here; test/precision/overflow.test.ts measures them on real speech.
import { describe, expect, it } from 'vitest';
import { decodeOnnxModel, encodeOnnxModel } from '../../src/model/onnx.ts';
import { convertPrecision, float32ArrayToBfloat16, type TensorRange } from '../../src/precision/convert.ts';
import { raiseOpsetTo19 } from '../../src/precision/opset.ts';
import { OrtRunner } from '../../src/runtime/ort.ts';
import type { TensorMap } from '../../src/tensor/tensor.ts';
import { attrF, attrI, attrInts, BFLOAT16, byName, castsTo, FLOAT, FLOAT16, int64s, io, lcg, model, node, tensor } from './graphs.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
const ranges = (r: Record<string, number>) => new Map<string, TensorRange>(Object.entries(r).map(([k, absmax]) => [k, { absmax, nonFinite: 0 }]));
const run = async (m: any, feeds: TensorMap) => {
  const r = new OrtRunner('<test>', { modelBytes: await encodeOnnxModel(m) });
  await r.load();
  try {
    return await r.infer(feeds);
  } finally {
    await r.close();
  }
};
const kept = (report: { kept: { node: string; rule: string }[] }) => Object.fromEntries(report.kept.map((k) => [k.node, k.rule]));

/** x[1,4,8] → Relu → LayerNormalization (rule) → Add(bias) → y */
function normGraph() {
  return model({
    nodes: [
      node('Relu', 'relu', ['x'], ['r']),
      node('LayerNormalization', 'ln', ['r', 'gamma', 'beta'], ['n'], [attrI('axis', -1), attrF('epsilon', 1e-5)]),
      node('Add', 'add', ['n', 'bias'], ['y']),
    ],
    inputs: [io('x', [1, 4, 8])],
    outputs: [io('y', [1, 4, 8])],
    inits: [tensor('gamma', [8], lcg(8, 2).map((v) => 1 + v / 4)), tensor('beta', [8], lcg(8, 3)), tensor('bias', [8], lcg(8, 4))],
  });
}

describe('convertPrecision: Cast placement and I/O dtypes', () => {
  it('keeps the rule group in FP32 with Casts only at island boundaries; graph I/O stays float32', async () => {
    const original = normGraph();
    const { model: m, report } = convertPrecision(structuredClone(original), { target: 'fp16', ranges: ranges({ x: 3, r: 3, n: 3, y: 4 }), ioDtypes: { x: 'float32', y: 'float32' } });
    expect(kept(report)).toEqual({ ln: 'rule' });
    expect(report.kept[0]!.reason).toBe('LayerNormalization is in the built-in rule group "layernorm"');
    expect(report.lowered).toBe(2);
    // x → fp16 for Relu; Relu's output → fp32 for the LayerNorm; LayerNorm's → fp16 for Add; Add's → fp32 for y
    expect(castsTo(m, FLOAT16)).toBe(2);
    expect(castsTo(m, FLOAT)).toBe(2);
    expect(report.casts).toBe(4);
    expect(m.graph.input.map((v: any) => v.type.tensorType.elemType)).toEqual([FLOAT]);
    expect(m.graph.output.map((v: any) => [v.name, v.type.tensorType.elemType])).toEqual([['y', FLOAT]]);
    // LayerNorm's own parameters stay FP32; Add's bias became FP16
    const inits = Object.fromEntries(m.graph.initializer.map((t: any) => [t.name, t.dataType]));
    expect(inits).toMatchObject({ gamma: FLOAT, beta: FLOAT, bias__fp16: FLOAT16 });
    expect(inits.bias).toBeUndefined();
    const x = { dtype: 'float32' as const, shape: [1, 4, 8], data: lcg(32, 9).map((v) => 3 * v) };
    const [a, b] = [await run(original, { x }), await run(m, { x })];
    expect(b.y!.dtype).toBe('float32');
    let err = 0;
    let norm = 0;
    for (let i = 0; i < 32; i++) {
      err += ((b.y!.data as Float32Array)[i]! - (a.y!.data as Float32Array)[i]!) ** 2;
      norm += (a.y!.data as Float32Array)[i]! ** 2;
    }
    expect(Math.sqrt(err / norm)).toBeLessThan(2e-3); // FP16 storage error (2^-11 relative), not more
    expect(Math.sqrt(err / norm)).toBeGreaterThan(0); // and really computed in FP16
  });

  it('a Cast to float inside an FP16 region becomes a Cast to float16', () => {
    const m = model({
      nodes: [node('Shape', 'shape', ['x'], ['s']), node('Cast', 'cast', ['s'], ['sf'], [attrI('to', FLOAT)]), node('Mul', 'mul', ['sf', 'x'], ['y'])],
      inputs: [io('x', [4])],
      outputs: [io('y', [4])],
    });
    const { model: c } = convertPrecision(m, { target: 'fp16', ranges: ranges({ x: 1, sf: 4, y: 4 }) });
    expect(Number(byName(c, 'cast').attribute[0].i)).toBe(FLOAT16);
    expect(byName(c, 'shape').input).toEqual(['x']); // Shape takes any float type: it needs no Cast
    expect(byName(c, 'mul').input).toEqual(['sf', 'x__fp16']);
  });
});

describe('convertPrecision: why a node stays FP32', () => {
  const chain = (extra: any[], inits: any[]) =>
    model({ nodes: [node('Relu', 'relu', ['x'], ['r']), ...extra], inputs: [io('x', [2, 8])], outputs: [io('y', [2, 8])], inits });

  it('measured range: a node whose input or output reaches the limit stays FP32, naming the tensor and value', () => {
    const m = chain([node('Mul', 'boost', ['r', 'k'], ['z']), node('Div', 'undo', ['z', 'k'], ['y'])], [tensor('k', [], [100])]);
    const { report } = convertPrecision(m, { target: 'fp16', ranges: ranges({ x: 300, r: 300, z: 30000, y: 300 }) });
    expect(kept(report)).toEqual({ boost: 'range', undo: 'range' });
    expect(report.kept.find((k) => k.node === 'boost')!.reason).toBe('z reaches |x| = 3.00e+4 on real speech (FP16 safe range ±1.64e+4, largest FP16 value 65504)');
    // the threshold is the profile's
    expect(kept(convertPrecision(structuredClone(m), { target: 'fp16', ranges: ranges({ x: 300, r: 300, z: 30000, y: 300 }), maxAbs: 40000 }).report)).toEqual({});
    // BF16 has FP32's range: only non-finite values keep a node
    expect(kept(convertPrecision(structuredClone(m), { target: 'bf16', ranges: ranges({ x: 300, r: 300, z: 30000, y: 300 }) }).report)).toEqual({});
    const nan = new Map([...ranges({ x: 1, r: 1, y: 1 }), ['z', { absmax: 1, nonFinite: 3 }]]);
    expect(convertPrecision(structuredClone(m), { target: 'bf16', ranges: nan }).report.kept.map((k) => k.reason)).toContain('z had 3 NaN/inf value(s) on real speech even in FP32');
  });

  it('constants: an epsilon that FP16 rounds to 0, or a value beyond the limit, keeps its node', () => {
    const m = chain([node('Add', 'eps', ['r', 'tiny'], ['a']), node('Add', 'fine', ['a', 'small'], ['b']), node('Mul', 'big', ['b', 'huge'], ['y'])], [
      tensor('tiny', [], [1e-12]),
      tensor('small', [], [1e-3]),
      tensor('huge', [], [1e5]),
    ]);
    const { report } = convertPrecision(m, { target: 'fp16', ranges: ranges({ x: 1, r: 1, a: 1, b: 1, y: 1 }) });
    expect(kept(report)).toEqual({ eps: 'constant', big: 'constant' });
    expect(report.kept.map((k) => k.reason)).toEqual(['constant tiny = 1.00e-12 becomes 0 in FP16', 'constant huge reaches |x| = 1.00e+5 (FP16 safe range ±1.64e+4)']);
  });

  it("the profile's keep_fp32: op types, rule groups and node names", () => {
    const m = chain([node('Softmax', 'sm', ['r'], ['s']), node('Sigmoid', 'sg', ['s'], ['t']), node('Add', 'named', ['t', 't'], ['y'])], []);
    const { report } = convertPrecision(m, { target: 'fp16', ranges: ranges({ x: 1, r: 1, s: 1, t: 1, y: 2 }), keepFp32: ['Sigmoid', 'named', 'Relu'] });
    expect(kept(report)).toEqual({ relu: 'profile', sm: 'rule', sg: 'profile', named: 'profile' });
    expect(report.kept.find((k) => k.node === 'named')!.reason).toBe("named in the profile's keep_fp32");
    expect(report.kept.find((k) => k.node === 'sg')!.reason).toBe("op type Sigmoid in the profile's keep_fp32");
    const g = convertPrecision(structuredClone(m), { target: 'fp16', ranges: ranges({}), keepFp32: ['exp'] }).report;
    expect(g.kept.map((k) => k.node)).toEqual(['sm']); // group "exp" names Exp and Softplus, neither is here
  });

  it('the phase of a Sin: its whole float cone stays FP32 once the angle is large, up to the integer side', () => {
    // positions = Cast(Range(0, len)) · freq → Sin, as a sinusoidal positional encoding is exported
    const m = model({
      nodes: [
        node('Shape', 'shape', ['x'], ['s']),
        node('Gather', 'len', ['s', 'one'], ['n']),
        node('Range', 'range', ['zero', 'n', 'one'], ['pos']),
        node('Cast', 'cast', ['pos'], ['posf'], [attrI('to', FLOAT)]),
        node('Mul', 'angle', ['posf', 'freq'], ['ang']),
        node('Sin', 'sin', ['ang'], ['pe']),
        node('Add', 'add', ['x', 'pe'], ['y']),
      ],
      inputs: [io('x', [1, 'T'])],
      outputs: [io('y', [1, 'T'])],
      inits: [{ ...int64s('zero', [0]), dims: [] }, { ...int64s('one', [1]), dims: [] }, tensor('freq', [], [0.5])],
    });
    const r = convertPrecision(structuredClone(m), { target: 'fp16', ranges: ranges({ x: 1, posf: 300, ang: 150, pe: 1, y: 2 }) }).report;
    expect(kept(r)).toEqual({ cast: 'phase', angle: 'phase', sin: 'rule' });
    expect(r.kept[0]!.reason).toBe("computes the phase of sin (|x| up to 150 on real speech; FP16's spacing there is 0.125 rad)"); // 128 ≤ 150 < 256: 2^(7−10)
    // a small angle needs no cone
    expect(kept(convertPrecision(structuredClone(m), { target: 'fp16', ranges: ranges({ x: 1, posf: 3, ang: 1.5, pe: 1, y: 2 }) }).report)).toEqual({ sin: 'rule' });
  });

  it('constant-only subgraphs are folded by TensorRT: FP32 costs nothing there', () => {
    const m = chain([node('Tanh', 'tokens', ['table'], ['t']), node('Add', 'add', ['r', 't'], ['y'])], [tensor('table', [2, 8], lcg(16))]);
    expect(kept(convertPrecision(m, { target: 'fp16', ranges: ranges({ x: 1, r: 1, y: 2 }) }).report)).toEqual({ tokens: 'folded' });
  });
});

describe('convertPrecision: Q/DQ models', () => {
  function qdq(keepConv: boolean) {
    const m = model(
      {
        nodes: [
          node('QuantizeLinear', 'xq', ['x', 's', 'z'], ['xq8']),
          node('DequantizeLinear', 'xdq', ['xq8', 's', 'z'], ['xd']),
          node('QuantizeLinear', 'wq', ['w', 'ws', 'z'], ['wq8']),
          node('DequantizeLinear', 'wdq', ['wq8', 'ws', 'z'], ['wd']),
          node('Conv', 'conv', ['xd', 'wd'], ['y'], [attrInts('pads', [1, 1])]),
        ],
        inputs: [io('x', [1, 4, 8])],
        outputs: [io('y', [1, 4, 8])],
        inits: [tensor('s', [], [0.02]), { name: 'z', dataType: 3, dims: [], int32Data: [0] }, tensor('w', [4, 4, 3], lcg(48, 5)), tensor('ws', [], [1 / 127])],
      },
      19,
    );
    return convertPrecision(m, { target: 'fp16', ranges: ranges({ x: 2, y: 3 }), keepFp32: keepConv ? ['conv'] : [] });
  }

  it('Q/DQ take FP16 scales (opset 19) and feed the FP16 Conv directly, so TensorRT can fuse them', async () => {
    const { model: m, report } = qdq(false);
    expect(report.kept).toEqual([]);
    const prod = new Map<string, any>(m.graph.node.flatMap((n: any) => n.output.map((o: string) => [o, n])));
    expect(byName(m, 'conv').input.map((i: string) => prod.get(i)?.opType)).toEqual(['DequantizeLinear', 'DequantizeLinear']);
    const scales = m.graph.initializer.filter((t: any) => t.name.startsWith('s') || t.name.startsWith('ws')).map((t: any) => t.dataType);
    expect(scales.every((d: number) => d === FLOAT16)).toBe(true);
    const y = await run(m, { x: { dtype: 'float32', shape: [1, 4, 8], data: lcg(32, 7) } });
    expect(y.y!.dtype).toBe('float32');
  });

  it('a Q/DQ pair follows the node it feeds into FP32', () => {
    const { report } = qdq(true);
    expect(kept(report)).toEqual({ xq: 'quantization', xdq: 'quantization', wq: 'quantization', wdq: 'quantization', conv: 'profile' });
  });
});

describe('BF16', () => {
  it('rounds to nearest even, keeps NaN a NaN and overflows to inf (bit patterns worked out by hand)', () => {
    const bits = (x: number) => float32ArrayToBfloat16(Float32Array.of(x))[0]!;
    expect(bits(1)).toBe(0x3f80);
    expect(bits(1.00390625)).toBe(0x3f80); // 0x3f808000: a tie, the even neighbour is 0x3f80
    expect(bits(1.01171875)).toBe(0x3f82); // 0x3f818000: a tie, the even neighbour is 0x3f82
    expect(bits(1.0078125 + 2 ** -10)).toBe(0x3f81); // just above 0x3f81's value, well below the next tie
    expect(bits(-2)).toBe(0xc000);
    expect(bits(3.4028234663852886e38)).toBe(0x7f80); // FLT_MAX rounds up to +inf
    expect(bits(Number.NaN) & 0x7fc0).toBe(0x7fc0);
  });

  it('typed BF16 for TensorRT; emulated on the CPU (FP32 graph rounding through BF16) runs on ONNX Runtime', async () => {
    const typed = convertPrecision(normGraph(), { target: 'bf16', ranges: ranges({ x: 3, r: 3, n: 3, y: 4 }) }).model;
    expect(castsTo(typed, BFLOAT16)).toBeGreaterThan(0);
    const emulated = convertPrecision(normGraph(), { target: 'bf16', emit: 'emulated', ranges: ranges({ x: 3, r: 3, n: 3, y: 4 }) }).model;
    expect(emulated.graph.initializer.every((t: any) => t.dataType === FLOAT)).toBe(true);
    const x = { dtype: 'float32' as const, shape: [1, 4, 8], data: lcg(32, 9).map((v) => 3 * v) };
    const [a, b] = [await run(normGraph(), { x }), await run(emulated, { x })];
    // y = bf16(LayerNorm(x) + bf16(bias)) under emulation: every output value is a BF16 number
    for (const v of b.y!.data as Float32Array) expect(new Uint32Array(Float32Array.of(v).buffer)[0]! & 0xffff).toBe(0);
    let err = 0;
    let norm = 0;
    for (let i = 0; i < 32; i++) {
      err += ((b.y!.data as Float32Array)[i]! - (a.y!.data as Float32Array)[i]!) ** 2;
      norm += (a.y!.data as Float32Array)[i]! ** 2;
    }
    expect(Math.sqrt(err / norm)).toBeLessThan(1e-2); // BF16's 2^-8 relative spacing
  });
});

describe('raiseOpsetTo19', () => {
  it('moves ReduceMean axes from the attribute to an input; ONNX Runtime computes the same before and after', async () => {
    const m = model({ nodes: [node('ReduceMean', 'rm', ['x'], ['y'], [attrInts('axes', [1])])], inputs: [io('x', [2, 3])], outputs: [io('y', [2, 1])] });
    const x = { dtype: 'float32' as const, shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 9) };
    const before = await run(m, { x });
    const raised = raiseOpsetTo19(await decodeOnnxModel(await encodeOnnxModel(m))).model;
    expect(Number(raised.opsetImport[0].version)).toBe(19);
    expect(raised.graph.node[0].attribute).toEqual([]);
    expect(raised.graph.node[0].input).toEqual(['x', 'rm__axes']);
    const after = await run(raised, { x });
    expect([...(after.y!.data as Float32Array)]).toEqual([...(before.y!.data as Float32Array)]);
    expect([...(after.y!.data as Float32Array)]).toEqual([2, 6]);
  });
});
