// A planted overflow: a layer whose activations exceed FP16's 65504 on real speech. The converter must
// keep it (and the layer reading it) in FP32 and say why; without the measured ranges the same conversion
// overflows to inf, which is what the island prevents. Inputs: log-mel of real recordings, the way
// `emovoice convert` makes them (speechModuleInputs).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { speechModuleInputs } from '../../src/calibrate/speech-inputs.ts';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { decodeOnnxModel, encodeOnnxModel } from '../../src/model/onnx.ts';
import { convertPrecision, type TensorRange } from '../../src/precision/convert.ts';
import { measureRanges } from '../../src/precision/ranges.ts';
import { OrtRunner } from '../../src/runtime/ort.ts';
import type { TensorMap } from '../../src/tensor/tensor.ts';
import { attrInts, io, lcg, model, node, tensor } from './graphs.ts';
import { haveSpeech, ROOT } from './speech.ts';

const BOOST = 8192;
/** mel [1, 80, T] → Conv (channel 0 = the mean over the 80 bands) → ×8192 → ÷8192 → + bias */
function planted() {
  const w = lcg(8 * 80, 11).map((v) => 0.05 * v);
  for (let c = 0; c < 80; c++) w[c] = 1 / 80;
  return model({
    nodes: [
      node('Conv', 'planted/conv', ['mel', 'w'], ['h'], [attrInts('kernel_shape', [1])]),
      node('Mul', 'planted/boost', ['h', 'k'], ['boosted']),
      node('Div', 'planted/undo', ['boosted', 'k'], ['u']),
      node('Add', 'planted/bias', ['u', 'b'], ['out']),
    ],
    inputs: [io('mel', [1, 80, 'T'])],
    outputs: [io('out', [1, 8, 'T'])],
    inits: [tensor('w', [8, 80, 1], w), tensor('k', [], [BOOST]), tensor('b', [8, 1], lcg(8, 12))],
  });
}

const ok = haveSpeech();

describe.skipIf(!ok)('a planted FP16 overflow on real speech', () => {
  let file = '';
  let inputs: TensorMap[] = [];
  let ranges = new Map<string, TensorRange>();
  beforeAll(async () => {
    const manifest = await loadModelManifest(join(ROOT, 'models/tiny/manifest.yaml'));
    const speech = await speechModuleInputs(manifest, { samples: 6 });
    for await (const feeds of speech.inputs('vocoder')) inputs.push(feeds);
    await speech.close();
    file = join(await mkdtemp(join(tmpdir(), 'ev-overflow-')), 'planted.onnx');
    await writeFile(file, await encodeOnnxModel(planted()));
    ranges = (await measureRanges(file, inputs)).ranges;
  }, 60_000);

  it('is real: the boosted activations exceed 65504 on these recordings', () => {
    // independent of the collector: 8192 × the band mean of the log-mel, computed here
    let expected = 0;
    for (const f of inputs) {
      const [, bands, frames] = f.mel!.shape as [number, number, number];
      const d = f.mel!.data as Float32Array;
      for (let t = 0; t < frames; t++) {
        let s = 0;
        for (let c = 0; c < bands; c++) s += d[c * frames + t]!;
        expected = Math.max(expected, Math.abs((BOOST * s) / bands));
      }
    }
    expect(expected).toBeGreaterThan(65504);
    expect(ranges.get('boosted')!.absmax).toBeGreaterThanOrEqual(expected * (1 - 1e-5));
    expect(ranges.get('h')!.absmax).toBeLessThan(65504);
  });

  it('keeps the overflowing layer and its reader in FP32, says why, and the FP16 model matches FP32', async () => {
    const { model: m, report } = convertPrecision(planted(), { target: 'fp16', ranges, ioDtypes: { mel: 'float32', out: 'float32' } });
    expect(report.kept.map((k) => [k.node, k.rule])).toEqual([
      ['planted/boost', 'range'],
      ['planted/undo', 'range'],
    ]);
    const absmax = ranges.get('boosted')!.absmax;
    const why = `boosted reaches |x| = ${absmax.toExponential(2)} on real speech (FP16 safe range ±1.64e+4, largest FP16 value 65504)`;
    expect(report.kept[0]!.reason).toBe(why);
    expect(report.kept[1]!.reason).toBe(why); // Div reads the same tensor
    const emulated = convertPrecision(planted(), { target: 'fp16', emit: 'emulated', ranges, ioDtypes: { mel: 'float32', out: 'float32' } });
    expect(emulated.report.kept).toEqual(report.kept);
    const fp32 = await runAll(await encodeOnnxModel(planted()));
    for (const converted of [m, emulated.model]) {
      const { rel, nonFinite } = compare(await runAll(await encodeOnnxModel(converted)), fp32);
      expect(nonFinite).toBe(0);
      expect(rel).toBeLessThan(1e-2);
    }
  });

  it('without the measured ranges the same layer overflows to inf: the island is what prevents it', async () => {
    const fp32 = await runAll(await encodeOnnxModel(planted()));
    const bare = convertPrecision(planted(), { target: 'fp16', emit: 'emulated', ranges: new Map() });
    expect(bare.report.kept).toEqual([]);
    expect(bare.report.unmeasured).toContain('boosted');
    expect(compare(await runAll(await encodeOnnxModel(bare.model)), fp32).nonFinite).toBeGreaterThan(0);
    // Why the CPU runs the emulated file: ONNX Runtime's CPU upcasts FP16 nodes that lack an FP16 kernel
    // (Mul, Div) and runs them back to back in FP32, so the typed FP16 model hides this very overflow.
    const typed = convertPrecision(planted(), { target: 'fp16', ranges: new Map() }).model;
    expect(compare(await runAll(await encodeOnnxModel(typed)), fp32).nonFinite).toBe(0);
  });

  async function runAll(bytes: Uint8Array): Promise<Float32Array[]> {
    await decodeOnnxModel(bytes); // a valid model
    const r = new OrtRunner(file, { modelBytes: bytes });
    await r.load();
    const outs: Float32Array[] = [];
    for (const f of inputs) outs.push((await r.infer(f)).out!.data as Float32Array);
    await r.close();
    return outs;
  }
});

function compare(a: Float32Array[], b: Float32Array[]): { rel: number; nonFinite: number } {
  let err = 0;
  let norm = 0;
  let nonFinite = 0;
  a.forEach((x, i) => {
    for (let j = 0; j < x.length; j++) {
      if (!Number.isFinite(x[j]!)) nonFinite++;
      else err += (x[j]! - b[i]![j]!) ** 2;
      norm += b[i]![j]! ** 2;
    }
  });
  return { rel: Math.sqrt(err / norm), nonFinite };
}
