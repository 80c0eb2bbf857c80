// The bundled tiny model converted to FP16 (a10g-fp16's settings) with ranges measured on real speech:
// every module passes at FP16 tolerance (rel-L2 ≤ 1e-2 per output) against the PyTorch FP32 references
// (models/tiny/refs/<module>/*.npz), on ONNX Runtime's CPU; so does BF16 at its own tolerance. The typed
// files TensorRT would build load and run too, and conversions are cached by content.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { speechModuleInputs, type SpeechModuleInputs } from '../../src/calibrate/speech-inputs.ts';
import { relL2 } from '../../src/compare/metrics.ts';
import { loadModelManifest, type ModelManifest } from '../../src/model/manifest.ts';
import { precisionModel } from '../../src/precision/model.ts';
import { loadProfile, type LoadedProfile } from '../../src/profile/load.ts';
import { OrtRunner } from '../../src/runtime/ort.ts';
import { readNpz } from '../../src/tensor/io.ts';
import type { TensorMap } from '../../src/tensor/tensor.ts';
import { haveSpeech, ROOT } from './speech.ts';

const CASES = ['short', 'typical', 'max'];
const ok = haveSpeech();

describe.skipIf(!ok)('the tiny model, converted on real speech', () => {
  let manifest: ModelManifest;
  let speech: SpeechModuleInputs;
  let out = '';
  const profile = (extra: string[] = []): Promise<LoadedProfile> =>
    loadProfile('a10g-fp16', { configsDir: join(ROOT, 'configs'), overrides: [`output=${out}`, ...extra] });
  // each module's speech inputs are made once (the conversions below measure on the same ones)
  const made = new Map<string, TensorMap[]>();
  const inputs = async function* (module: string) {
    if (!made.has(module)) {
      const list: TensorMap[] = [];
      for await (const f of speech.inputs(module)) list.push(f);
      made.set(module, list);
    }
    yield* made.get(module)!;
  };
  beforeAll(async () => {
    manifest = await loadModelManifest(join(ROOT, 'models/tiny/manifest.yaml'));
    speech = await speechModuleInputs(manifest, { samples: 3 });
    out = await mkdtemp(join(tmpdir(), 'ev-tiny-precision-'));
  });
  afterAll(async () => speech?.close());

  /** Worst rel-L2 of every output over the reference cases. */
  async function worst(module: string, file: string): Promise<Record<string, number>> {
    const spec = manifest.modules[module]!;
    const r = new OrtRunner(file);
    await r.load();
    const w: Record<string, number> = {};
    for (const c of CASES) {
      const ref = await readNpz(join(ROOT, 'models/tiny/refs', module, `${c}.npz`));
      const got = await r.infer(Object.fromEntries(Object.keys(spec.inputs).map((k) => [k, ref[k]!])));
      for (const k of Object.keys(spec.outputs)) {
        expect(got[k]!.dtype, `${module}.${k}`).toBe('float32'); // the manifest's dtype
        w[k] = Math.max(w[k] ?? 0, relL2(got[k]!.data as Float32Array, ref[k]!.data as Float32Array));
      }
    }
    await r.close();
    return w;
  }

  it('FP16: every module within rel-L2 1e-2 of PyTorch FP32, on the CPU model of the engine and on the typed file', async () => {
    const p = await profile();
    for (const module of Object.keys(manifest.modules)) {
      for (const runtime of ['cpu', 'trt'] as const) {
        const m = await precisionModel({ profile: p, manifest, module, precision: 'fp16', runtime, inputs, inputsKey: speech.key });
        expect(m.file).toBe(join(out, 'converted', `${module}.fp16${runtime === 'cpu' ? '.cpu' : ''}.onnx`));
        expect(m.report!.lowered, module).toBeGreaterThan(m.report!.floatNodes / 2); // mostly FP16 indeed
        const w = await worst(module, m.file);
        for (const [k, v] of Object.entries(w)) {
          expect(v, `${runtime} ${module}.${k}`).toBeLessThanOrEqual(1e-2);
          expect(v, `${runtime} ${module}.${k}`).toBeGreaterThan(1e-6); // not FP32 in disguise
        }
      }
    }
  }, 120_000);

  it('BF16 (emulated on the CPU): within rel-L2 5e-2, the bf16 tolerance of configs/base.yaml', async () => {
    const p = await profile(['defaults.precision=bf16']);
    for (const module of ['acoustic_decoder', 'vocoder']) {
      const m = await precisionModel({ profile: p, manifest, module, precision: 'bf16', runtime: 'cpu', inputs, inputsKey: speech.key });
      expect(m.report!.emit).toBe('emulated');
      for (const [k, v] of Object.entries(await worst(module, m.file))) {
        expect(v, `${module}.${k}`).toBeLessThanOrEqual(5e-2);
        expect(v, `${module}.${k}`).toBeGreaterThan(1e-3); // BF16's 8-bit mantissa shows
      }
    }
  }, 60_000);

  it('a conversion is cached by content: the same request reuses the file, a new keep_fp32 converts again', async () => {
    const req = { manifest, module: 'vocoder', precision: 'fp16' as const, runtime: 'trt' as const, inputs, inputsKey: speech.key };
    const first = await precisionModel({ ...req, profile: await profile() });
    const again = await precisionModel({ ...req, profile: await profile() });
    expect(again).toMatchObject({ file: first.file, cached: true });
    expect(again.report!.outputSha256).toBe(first.report!.outputSha256);
    const pinned = await precisionModel({ ...req, profile: await profile(['modules.vocoder.keep_fp32=[Tanh]']) });
    expect(pinned.cached).toBe(false);
    expect(pinned.report!.outputSha256).not.toBe(first.report!.outputSha256);
    expect(pinned.report!.kept.map((k) => [k.opType, k.rule])).toContainEqual(['Tanh', 'profile']);
  }, 60_000);
});
