// The Conv → MatMul rewrite (the CUDA provider's form) on every bundled family's convolution modules and
// on the real Piper voice: the rewritten model gives the original's outputs on the PyTorch reference cases
// (FP32 summation order aside), as FP32 and as the FP16 weights `convert` writes; grouped and 2-D
// convolutions are kept with the reason.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';

import { join, resolve } from 'node:path';
import { decodeOnnxModel, encodeOnnxModel } from '../../src/model/onnx.ts';
import { rewriteConvAsMatMul } from '../../src/optimize/conv-matmul.ts';
import { optimizedModel } from '../../src/optimize/cpu.ts';
import { rewriteConvTranspose } from '../../src/optimize/conv-transpose.ts';
import { cudaConvForm } from '../../src/synth/precision.ts';
import { UserError } from '../../src/core/errors.ts';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readNpz } from '../../src/tensor/io.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { elementwise } from '../../src/compare/metrics.ts';
import { float32ArrayToFloat16 } from '../../src/tensor/float16.ts';
import { convertPrecision, tensorFloats } from '../../src/precision/convert.ts';
import { measureRanges } from '../../src/precision/ranges.ts';

const MODELS = resolve(__dirname, '../../models');

async function run(model: string | Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(model as Uint8Array, { intraOpNumThreads: 1 });
  const f = Object.fromEntries(s.inputNames.map((n) => [n, new ort.Tensor(feeds[n]!.dtype as 'float32', feeds[n]!.data as Float32Array, feeds[n]!.shape)]));
  const out = await s.run(f);
  await s.release();
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v.type === 'float32').map(([k, v]) => [k, v.data as Float32Array]));
}

/** ‖b − a‖ / ‖a‖: a is the original model's output. */
const relL2 = (a: Float32Array, b: Float32Array) => elementwise(b, a).rel_l2;

const CASES: [string, string, string][] = [
  ['tiny', 'vocoder', 'typical'],
  ['tiny', 'text_encoder', 'typical'],
  ['emotivoice-tiny', 'text_encoder', 'typical'],
  ['emotivoice-tiny', 'acoustic_encoder', 'typical'],
  ['emotivoice-tiny', 'acoustic_decoder', 'max'],
  ['emotivoice-tiny', 'vocoder', 'short'],
  ['joe', 'flow', 'typical'],
  ['joe', 'vocoder', 'short'],
];

describe('rewriteConvAsMatMul', () => {
  for (const [family, module, ref] of CASES) {
    const file = join(MODELS, family, `${module}.onnx`);
    it.skipIf(!existsSync(file))(`${family}/${module}: every 1-D Conv becomes a MatMul with the same outputs`, async () => {
      const model = await decodeOnnxModel(await readFile(file));
      const convs = model.graph.node.filter((n: { opType: string }) => n.opType === 'Conv').length;
      const r = rewriteConvAsMatMul(model);
      expect(r.rewritten.length + r.kept.length).toBe(convs);
      expect(r.kept).toEqual([]); // biases shared behind Identity nodes (the exporter's) included
      const feeds = await readNpz(join(MODELS, family, 'refs', module, `${ref}.npz`));
      const [a, b] = [await run(file, feeds), await run(await encodeOnnxModel(model), feeds)];
      expect(Object.keys(b)).toEqual(Object.keys(a));
      for (const k of Object.keys(a)) {
        expect(b[k]!.length).toBe(a[k]!.length);
        expect(relL2(a[k]!, b[k]!)).toBeLessThan(1e-5);
      }
    });
  }

  // the gather form (EMOVOICE_CUDA_CONV=gather): one Gather of all taps, its index shared by the convolutions
  // whose inputs have the same length; the same outputs with fewer nodes than a Slice per tap
  for (const [family, module, ref] of [['emotivoice-tiny', 'vocoder', 'short'], ['joe', 'vocoder', 'short'], ['joe', 'flow', 'typical'], ['joe', 'text_encoder', 'typical']] as const) {
    const file = join(MODELS, family, `${module}.onnx`);
    it.skipIf(!existsSync(file))(`${family}/${module}, gather form: the same outputs, the same convolutions kept; a vocoder in fewer nodes than the Slice form, its starts shared per length`, async () => {
      const [slices, gather] = [await decodeOnnxModel(await readFile(file)), await decodeOnnxModel(await readFile(file))];
      rewriteConvTranspose(slices);
      rewriteConvTranspose(gather);
      const a = rewriteConvAsMatMul(slices);
      const b = rewriteConvAsMatMul(gather, { im2col: 'gather' });
      // both forms keep the same convolutions: none in a vocoder or flow, the duration predictor's depthwise ones in a text encoder
      expect(b.kept).toEqual(a.kept);
      expect(b.kept.every((k) => k.why === 'grouped')).toBe(true);
      if (module !== 'text_encoder') expect(b.kept).toEqual([]);
      expect(b.rewritten).toEqual(a.rewritten);
      const count = (m: any, op: string) => m.graph.node.filter((n: { opType: string }) => n.opType === op).length;
      expect(count(gather, 'Slice')).toBeLessThan(count(slices, 'Slice'));
      if (module === 'vocoder') {
        // HiFi-GAN's resblocks keep their length: the starts are shared, the graph shrinks by over a tenth
        expect(gather.graph.node.length).toBeLessThan(0.9 * slices.graph.node.length);
        expect(count(gather, 'Range')).toBeLessThan(count(gather, 'Gather') / 4);
      }
      const feeds = await readNpz(join(MODELS, family, 'refs', module, `${ref}.npz`));
      const [x, y] = [await run(file, feeds), await run(await encodeOnnxModel(gather), feeds)];
      for (const k of Object.keys(x)) {
        expect(y[k]!.length).toBe(x[k]!.length);
        expect(relL2(x[k]!, y[k]!)).toBeLessThan(1e-5);
      }
    });
  }

  it('the CUDA file: upsamplers as Conv, then every Conv as MatMul, written once, the same waveform', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cuda-optimized-'));
    try {
      const file = join(MODELS, 'tiny', 'vocoder.onnx');
      const o = await optimizedModel(file, out, 'vocoder.fp32', 'cuda');
      expect(o.written).toBe(true);
      const model = await decodeOnnxModel(await readFile(o.file));
      const ops = new Set(model.graph.node.map((n: { opType: string }) => n.opType));
      expect(ops.has('Conv') || ops.has('ConvTranspose')).toBe(false);
      expect((await optimizedModel(file, out, 'vocoder.fp32', 'cuda')).written).toBe(false);
      const feeds = await readNpz(join(MODELS, 'tiny', 'refs', 'vocoder', 'typical.npz'));
      const [a, b] = [await run(file, feeds), await run(o.file, feeds)];
      for (const k of Object.keys(a)) expect(relL2(a[k]!, b[k]!)).toBeLessThan(1e-5);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  // The strongly typed FP16 files (what the CUDA provider runs): the conversion keeps an exporter's shared
  // bias Identity FP32 (computed from constants only) and casts its output to float16, so a bias arrives
  // as Cast(Identity(initializer)); the editor folds that Cast, every Conv still becomes a MatMul.
  for (const [module, ref] of [['text_encoder', 'typical'], ['acoustic_encoder', 'typical'], ['acoustic_decoder', 'max'], ['vocoder', 'short']] as const) {
    const file = join(MODELS, 'emotivoice-tiny', `${module}.onnx`);
    it.skipIf(!existsSync(file))(`emotivoice-tiny/${module} as typed FP16: no Conv kept, biases behind Identity + Cast included, the same outputs`, async () => {
      const refs = join(MODELS, 'emotivoice-tiny', 'refs', module);
      const { ranges } = await measureRanges(file, await Promise.all(['short', 'typical', 'max'].map((c) => readNpz(join(refs, `${c}.npz`)))));
      const fp16 = async () => {
        const m = await decodeOnnxModel(await readFile(file));
        convertPrecision(m, { target: 'fp16', emit: 'typed', ranges });
        return m;
      };
      const [original, model] = [await fp16(), await fp16()];
      const casts = model.graph.node.filter((n: { opType: string }) => n.opType === 'Cast').length;
      const convs = model.graph.node.filter((n: { opType: string }) => n.opType === 'Conv').length;
      const r = rewriteConvAsMatMul(model);
      expect(r.kept).toEqual([]);
      expect(r.rewritten).toHaveLength(convs);
      expect(model.graph.node.some((n: { opType: string }) => n.opType === 'Conv')).toBe(false);
      expect(model.graph.node.filter((n: { opType: string }) => n.opType === 'Cast').length).toBeLessThanOrEqual(casts); // folded Casts leave with their Identity
      const feeds = await readNpz(join(refs, `${ref}.npz`));
      const [a, b] = [await run(await encodeOnnxModel(original), feeds), await run(await encodeOnnxModel(model), feeds)];
      expect(Object.keys(b)).toEqual(Object.keys(a));
      for (const k of Object.keys(a)) {
        expect(b[k]!.length).toBe(a[k]!.length);
        expect(relL2(a[k]!, b[k]!)).toBeLessThan(1e-3); // FP16 accumulation order
      }
    });
  }

  it('the CUDA file of a typed FP16 vocoder: its float16 upsamplers become Convs too, then MatMuls — no cuDNN node is left', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cuda-optimized-fp16-'));
    try {
      const file = join(MODELS, 'emotivoice-tiny', 'vocoder.onnx');
      const refs = join(MODELS, 'emotivoice-tiny', 'refs', 'vocoder');
      const { ranges } = await measureRanges(file, await Promise.all(['short', 'typical'].map((c) => readNpz(join(refs, `${c}.npz`)))));
      const m = await decodeOnnxModel(await readFile(file));
      const upsamplers = m.graph.node.filter((n: { opType: string }) => n.opType === 'ConvTranspose').length;
      expect(upsamplers).toBeGreaterThan(0);
      convertPrecision(m, { target: 'fp16', emit: 'typed', ranges });
      const fp16 = join(out, 'vocoder.fp16.onnx');
      await writeFile(fp16, await encodeOnnxModel(m));
      const o = await optimizedModel(fp16, out, 'vocoder.fp16', 'cuda');
      const model = await decodeOnnxModel(await readFile(o.file));
      const ops = model.graph.node.map((n: { opType: string }) => n.opType);
      expect(ops).not.toContain('ConvTranspose');
      expect(ops).not.toContain('Conv');
      const feeds = await readNpz(join(refs, 'short.npz'));
      const [a, b] = [await run(fp16, feeds), await run(o.file, feeds)];
      for (const k of Object.keys(a)) expect(relL2(a[k]!, b[k]!)).toBeLessThan(1e-3); // FP16 accumulation order
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('float16 weights (the files `convert` writes for the GPU) are reordered bit for bit, as float32 ones are', async () => {
    const f32 = await decodeOnnxModel(await readFile(join(MODELS, 'tiny', 'vocoder.onnx')));
    const f16 = await decodeOnnxModel(await readFile(join(MODELS, 'tiny', 'vocoder.onnx')));
    const conv = f16.graph.node.find((n: { opType: string; input: string[] }) => n.opType === 'Conv' && f16.graph.initializer.some((t: { name: string; dims: number[] }) => t.name === n.input[1] && t.dims.length === 3 && Number(t.dims[2]) > 1));
    const w = f16.graph.initializer.find((t: { name: string }) => t.name === conv.input[1]);
    const [cout, cin, k] = w.dims.map(Number);
    const bits = float32ArrayToFloat16(tensorFloats(w));
    Object.assign(w, { dataType: 10, rawData: new Uint8Array(bits.buffer), floatData: [] });
    rewriteConvAsMatMul(f32);
    rewriteConvAsMatMul(f16);
    const matmulWeight = (m: any) => {
      const mm = m.graph.node.find((n: { name: string; opType: string }) => n.opType === 'MatMul' && n.name.startsWith(`${conv.name}.`));
      return m.graph.initializer.find((t: { name: string }) => t.name === mm.input[0]);
    };
    const [a, b] = [matmulWeight(f32), matmulWeight(f16)];
    expect(b.dataType).toBe(10);
    expect(b.dims.map(Number)).toEqual([cout, k * cin]);
    const got = new Uint16Array(b.rawData.buffer.slice(b.rawData.byteOffset, b.rawData.byteOffset + b.rawData.byteLength));
    const want = float32ArrayToFloat16(tensorFloats(a)); // the float32 reordering, then rounded: the same bits
    expect(got).toEqual(want);
    // and the reordering itself: W'[co, j·cin + ci] = W[co, ci, j]
    for (const [co, ci, j] of [[0, 0, 0], [cout - 1, cin - 1, k - 1], [1, 2, 1]] as const) expect(got[co * k * cin + j * cin + ci]).toBe(bits[(co * cin + ci) * k + j]);
  });

  it('keeps grouped and 2-D convolutions, naming why', async () => {
    const model = await decodeOnnxModel(await readFile(join(MODELS, 'tiny', 'vocoder.onnx')));
    const convs = model.graph.node.filter((n: { opType: string }) => n.opType === 'Conv');
    convs[0].attribute = [...convs[0].attribute.filter((a: { name: string }) => a.name !== 'group'), { name: 'group', type: 2, i: 2 }];
    const w = model.graph.initializer.find((t: { name: string }) => t.name === convs[1].input[1]);
    w.dims = [...w.dims, 1]; // a 2-D kernel
    const r = rewriteConvAsMatMul(model);
    expect(r.kept).toEqual([{ node: convs[0].name, why: 'grouped' }, { node: convs[1].name, why: '2-D' }]);
    expect(r.rewritten).toHaveLength(convs.length - 2);
  });
});

describe('EMOVOICE_CUDA_CONV: the form the CUDA provider runs convolutions in', () => {
  it('unset or gather: the MatMul form with a Gather im2col; matmul: a Slice per tap; cudnn: no rewrite', () => {
    expect(cudaConvForm(undefined)).toBe('cuda-gather');
    expect(cudaConvForm('')).toBe('cuda-gather');
    expect(cudaConvForm('gather')).toBe('cuda-gather');
    expect(cudaConvForm('matmul')).toBe('cuda');
    expect(cudaConvForm('cudnn')).toBeNull();
  });

  it('a value it does not know is refused with the forms it takes, never run as the default', () => {
    expect(() => cudaConvForm('gahter')).toThrow(UserError);
    expect(() => cudaConvForm('gahter')).toThrow(/EMOVOICE_CUDA_CONV=gahter: no such convolution form/);
    let caught: unknown;
    try {
      cudaConvForm('CUDNN');
    } catch (e) {
      caught = e;
    }
    expect((caught as UserError).hint).toBe('use gather (the default), matmul or cudnn, or unset it');
  });
});
