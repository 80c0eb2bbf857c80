// The GPU suite (`npm run test:gpu`): the product on ONNX Runtime's CUDA provider, in process. It runs only
// where the provider can load (a GPU, `emovoice providers install`, the CUDA 13 libraries on
// LD_LIBRARY_PATH) and is skipped elsewhere, saying why — CI has no GPU. bench/gpu/device.sh runs the same
// commands on the GPU machine for the larger models.
import { execa } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { providerStatus } from '../../src/runtime/providers.ts';
import { ROOT } from '../support/setup.ts';

const cuda = (await providerStatus()).find((s) => s.provider === 'cuda')!;
const why = !cuda.present ? 'the CUDA provider is not installed (emovoice providers install)' : cuda.missing.length ? `the CUDA provider cannot load ${cuda.missing.join(', ')}` : null;
if (why) console.log(`SKIPPED: ${why}`);
const cli = (args: string[], env: Record<string, string> = {}) => execa(process.execPath, [resolve(ROOT, 'bin/emovoice.js'), ...args], { cwd: ROOT, env, reject: false });

describe.skipIf(!!why)(why ? `CUDA provider — SKIPPED: ${why}` : 'CUDA provider', () => {
  it('verify --backend cuda: every module and the end-to-end cases of the tiny model pass at the tf32 tier, none on the CPU', async () => {
    const r = await cli(['verify', '--profile', 'emotivoice-cpu', '--backend', 'cuda', '--wer-sentences', '0', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/verified on the CPU backend instead/);
    expect(JSON.parse(r.stdout).pass).toBe(true);
  });

  it('with TF32 off (NVIDIA_TF32_OVERRIDE=0) the same modules pass plain FP32 tolerances', async () => {
    const r = await cli(['verify', '--profile', 'emotivoice-cpu', '--backend', 'cuda', '--no-e2e', '--json'], { NVIDIA_TF32_OVERRIDE: '0' });
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('EMOVOICE_CUDA_CONV=cudnn: the convolutions as exported (cuDNN) pass the same tier as the MatMul form the backend runs by default', async () => {
    const r = await cli(['verify', '--profile', 'emotivoice-cpu', '--backend', 'cuda', '--wer-sentences', '0', '--json'], { EMOVOICE_CUDA_CONV: 'cudnn' });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/for the CUDA provider \(\d+ node\(s\): upsamplers as Conv, then every Conv as MatMul\)/);
  });

  it('--precision fp16 runs the strongly typed FP16 files on the GPU at FP16 tolerances', async () => {
    const r = await cli(['verify', '--profile', 'emotivoice-cpu', '--backend', 'cuda', '--precision', 'fp16', '--wer-sentences', '0', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('synth --backend cuda speaks without falling back to the CPU', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'emovoice-gpu-')), 'a.wav');
    const r = await cli(['synth', 'The weather is lovely today.', '--profile', 'emotivoice-cpu', '--backend', 'cuda', '--out', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/backend cuda\)/);
    expect(r.stdout).not.toMatch(/CPU fallback/);
  });
});
