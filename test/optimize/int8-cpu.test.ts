// The INT8 form ONNX Runtime's CPU runs on integer kernels, on the bundled tiny vocoder (HiFi-GAN): with the
// activation ranges measured on its PyTorch reference case, every Conv but the first, the last and the
// upsamplers becomes DequantizeLinear → Conv → QuantizeLinear with int8 weights and an int32 bias, ONNX
// Runtime really fuses them into QLinearConv (its own optimised graph, saved, channels-first: no Transposes
// around them), and the waveform stays
// close to FP32 without being FP32's. The ranges: uint8 over [lo, amax], lo from a LeakyRelu's slope.
// The file is written once per source and calibration cache, redone when the cache changes; a Conv the
// calibration's Q/DQ model leaves in float stays in float.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeOnnxModel, encodeOnnxModel } from '../../src/model/onnx.ts';
import { rewriteConvTranspose } from '../../src/optimize/conv-transpose.ts';
import { floatConvs, int8CpuModel } from '../../src/optimize/cpu.ts';
import { insertQdq } from '../../src/calibrate/quantize.ts';
import { int8Weights, rewriteConvsInt8, uint8Params } from '../../src/optimize/int8-cpu.ts';
import { measureRanges } from '../../src/precision/ranges.ts';
import { formatCalibrationCache } from '../../src/calibrate/cache.ts';
import { readNpz } from '../../src/tensor/io.ts';
import { UserError } from '../../src/core/errors.ts';
import { sessionOptions } from '../../src/runtime/ort-options.ts';

const TINY = resolve(__dirname, '../../models/tiny');
const VOCODER = join(TINY, 'vocoder.onnx');

async function mel(): Promise<{ data: Float32Array; shape: number[] }> {
  return (await readNpz(join(TINY, 'refs/vocoder/typical.npz'))).mel! as { data: Float32Array; shape: number[] };
}

async function run(model: string | Uint8Array, m: { data: Float32Array; shape: number[] }, optimized?: string): Promise<Float32Array> {
  // the session options every CPU runner uses (src/runtime/ort-options.ts)
  const s = await ort.InferenceSession.create(model as Uint8Array, { ...sessionOptions({ intraOpThreads: 1 }), ...(optimized && { optimizedModelFilePath: optimized }) });
  const out = await s.run({ mel: new ort.Tensor('float32', m.data, m.shape) });
  await s.release();
  return out.waveform!.data as Float32Array;
}

const relL2 = (a: Float32Array, b: Float32Array) => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
};

/** The tiny vocoder as the CPU runs it (upsamplers rewritten) and the absmax of each tensor on its reference case. */
async function rewrittenWithRanges(dir: string) {
  const model = await decodeOnnxModel(await readFile(VOCODER));
  rewriteConvTranspose(model);
  const file = join(dir, 'vocoder.fp32.onnx');
  await writeFile(file, await encodeOnnxModel(model));
  const { ranges } = await measureRanges(VOCODER, [{ mel: { dtype: 'float32', shape: (await mel()).shape, data: (await mel()).data } } as never]);
  const amax = new Map([...ranges].map(([k, r]) => [k, r.absmax]));
  return { model, file, amax };
}

describe('uint8Params, int8Weights', () => {
  it('covers [lo, hi] with 0 exactly representable, and quantizes weights per output channel symmetrically', () => {
    expect(uint8Params(-1, 1)).toEqual({ scale: 2 / 255, zeroPoint: 128 });
    expect(uint8Params(-0.1, 1)).toEqual({ scale: 1.1 / 255, zeroPoint: 23 });
    expect(uint8Params(0.5, 2)).toEqual({ scale: 2 / 255, zeroPoint: 0 }); // widened to hold 0
    const { q, scales } = int8Weights(Float32Array.from([1, -0.5, 0.25, 0, 0, 0, 4, -8]), 2);
    expect([...scales]).toEqual([1 / 127, 8 / 127].map((x) => Math.fround(x)));
    expect([...q]).toEqual([127, -64, 32, 0, 0, 0, 64, -127]);
    expect([...int8Weights(new Float32Array(3), 1).scales]).toEqual([1]); // an all-zero channel
  });
});

describe('rewriteConvsInt8', () => {
  it('puts every inner Conv in the fused form ONNX Runtime runs as QLinearConv, within INT8 error of FP32', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'int8-cpu-'));
    try {
      const { model, amax } = await rewrittenWithRanges(dir);
      const convs = model.graph.node.filter((n: { opType: string }) => n.opType === 'Conv').map((n: { name: string }) => n.name);
      const r = rewriteConvsInt8(model, amax);
      const upsamplers = convs.filter((c: string) => c.endsWith('.polyphase_conv'));
      expect(upsamplers).toHaveLength(3);
      expect(r.kept.map((k) => k.node).sort()).toEqual([convs[0], convs[convs.length - 1], ...upsamplers].sort());
      expect(r.kept.find((k) => k.node === upsamplers[0])!.why).toMatch(/upsampler/);
      expect(r.quantized.sort()).toEqual(convs.filter((c: string) => !r.kept.some((k) => k.node === c)).sort());
      expect(r.quantized.length).toBeGreaterThan(10);
      const inits = new Map(model.graph.initializer.map((t: { name: string }) => [t.name, t]));
      const q = model.graph.node.find((n: { name: string }) => n.name === r.quantized[0]);
      const weightDq = model.graph.node.find((n: { output: string[] }) => n.output[0] === q.input[1]);
      expect(weightDq.opType).toBe('DequantizeLinear');
      expect((inits.get(weightDq.input[0]) as { dataType: number }).dataType).toBe(3); // int8
      const biasDq = model.graph.node.find((n: { output: string[] }) => n.output[0] === q.input[2]);
      expect((inits.get(biasDq.input[0]) as { dataType: number }).dataType).toBe(6); // int32

      // ONNX Runtime's own optimised graph: the quantized Convs are QLinearConv, only the kept ones float Conv
      const saved = join(dir, 'ort-optimized.onnx');
      const m = await mel();
      const [fp32, int8] = [await run(VOCODER, m), await run(await encodeOnnxModel(model), m, saved)];
      const ops = (await decodeOnnxModel(await readFile(saved))).graph.node.map((n: { opType: string }) => n.opType);
      expect(ops.filter((o: string) => o === 'QLinearConv')).toHaveLength(r.quantized.length);
      expect(ops.filter((o: string) => o === 'Conv' || o === 'FusedConv')).toHaveLength(r.kept.length);
      // channels-first: no Transposes but the upsamplers' interleaves (the NHWC transformer is off)
      expect(ops.filter((o: string) => o === 'Transpose')).toHaveLength(upsamplers.length);
      const e = relL2(int8, fp32);
      expect(e).toBeGreaterThan(1e-4); // 8-bit arithmetic, not FP32's
      expect(e).toBeLessThan(0.2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives a LeakyRelu output the range it can take, keeps what has no range, and leaves opset < 13 models alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'int8-cpu-'));
    try {
      const { model, amax } = await rewrittenWithRanges(dir);
      const conv = model.graph.node.filter((n: { opType: string }) => n.opType === 'Conv')[2];
      const relu = model.graph.node.find((n: { output: string[] }) => n.output[0] === conv.input[0]);
      expect(relu.opType).toBe('LeakyRelu');
      const alpha = relu.attribute.find((a: { name: string }) => a.name === 'alpha').f;
      const hi = amax.get(conv.input[0])!;
      const lo = -alpha * amax.get(relu.input[0])!;
      rewriteConvsInt8(model, amax);
      const zp = model.graph.initializer.find((t: { name: string }) => t.name === `${conv.input[0]}_zero_point`);
      expect(zp.int32Data[0]).toBe(uint8Params(Math.max(-hi, lo), hi).zeroPoint);
      expect(zp.int32Data[0]).toBeLessThan(128);

      const none = await decodeOnnxModel(await readFile(join(dir, 'vocoder.fp32.onnx')));
      const r = rewriteConvsInt8(none, new Map());
      expect(r.quantized).toEqual([]);
      expect(r.kept.filter((k) => k.why.startsWith('no calibrated range'))).toHaveLength(r.kept.length - 2);
      const old = await decodeOnnxModel(await readFile(join(dir, 'vocoder.fp32.onnx')));
      old.opsetImport.find((o: { domain?: string }) => !o.domain).version = 12;
      expect(rewriteConvsInt8(old, amax).kept[0]!.why).toMatch(/opset below 13/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('int8CpuModel', () => {
  it('writes the integer form once per source and calibration cache, keeps what the calibration kept, and refuses a missing cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'int8-cpu-'));
    try {
      const { amax } = await rewrittenWithRanges(dir);
      const cache = join(dir, 'vocoder.calib');
      await writeFile(cache, formatCalibrationCache({ trtVersion: '10.0.0', amax }));
      const first = await int8CpuModel(VOCODER, cache, dir, 'vocoder');
      expect(first.written).toBe(true);
      expect(first.file).toBe(join(dir, 'cpu-optimized/vocoder.int8.onnx'));
      expect(first.rewritten.length).toBeGreaterThan(10);
      expect((await int8CpuModel(VOCODER, cache, dir, 'vocoder')).written).toBe(false);
      await utimes(cache, new Date(), new Date(Date.now() + 5000)); // recalibrated
      expect((await int8CpuModel(VOCODER, cache, dir, 'vocoder')).written).toBe(true);
      // a Conv the calibration's Q/DQ model leaves in float (calibrate --keep-fp16) stays in float here too
      const qdq = await decodeOnnxModel(await readFile(VOCODER));
      const floatOne = first.rewritten[1]!;
      insertQdq(qdq, amax, new Set([floatOne]));
      expect([...floatConvs(qdq)]).toEqual([floatOne]);
      const qdqFile = join(dir, 'vocoder.qdq.onnx');
      await writeFile(qdqFile, await encodeOnnxModel(qdq));
      await utimes(cache, new Date(), new Date(Date.now() + 10000));
      const kept = await int8CpuModel(VOCODER, cache, dir, 'vocoder', { qdqModel: qdqFile });
      expect(kept.rewritten).toEqual(first.rewritten.filter((x) => x !== floatOne));
      const err = await int8CpuModel(VOCODER, join(dir, 'missing.calib'), dir, 'vocoder').catch((e) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(/calibration cache not found/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
