// The GPU providers as onnxruntime-node loads them (src/runtime/providers.ts, backends.ts): which
// providers a backend asks for, real `ldd` output of the onnxruntime-gpu 1.30.0 provider libraries
// (test/fixtures/ldd, taken on a machine without CUDA or TensorRT), the TensorRT version the TensorRT
// provider links, the refusal of engines from another TensorRT, and doctor's provider lines.
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { onEngines, parseBackend, providersFor, toleranceTier } from '../../src/runtime/backends.ts';
import { checkTensorRtBackend, checkTensorRtMatch, linkedTensorRtMajor, parseLdd, providerLines, providerStatus } from '../../src/runtime/providers.ts';
import { sessionOptions } from '../../src/runtime/ort-options.ts';
import { ROOT } from '../support/setup.ts';

const fixture = (f: string) => readFileSync(resolve(ROOT, 'test/fixtures/ldd', f), 'utf8');

function userError(f: () => unknown): UserError {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('backends → providers', () => {
  it('each backend asks for its provider, the CPU always last', () => {
    expect(sessionOptions({ providers: providersFor('cuda') }).executionProviders).toEqual(['cuda', 'cpu']);
    expect(sessionOptions({ providers: providersFor('trt') }).executionProviders).toEqual(['tensorrt', 'cpu']);
    expect(sessionOptions({ providers: providersFor('ort') }).executionProviders).toEqual(['cpu']);
    expect([onEngines('trt'), onEngines('trtexec'), onEngines('cuda'), onEngines('ort')]).toEqual([true, true, false, false]);
  });

  it('--backend takes ort, cuda, trt, trtexec; anything else is one user error listing them', () => {
    expect(parseBackend('cuda', 'trt')).toBe('cuda');
    expect(parseBackend(undefined, 'trt')).toBe('trt');
    expect(parseBackend(undefined, undefined)).toBe('ort');
    expect(userError(() => parseBackend('tensorrt', 'ort')).format()).toBe('--backend: unknown backend "tensorrt" (fix: use ort, cuda, trt, trtexec (trtexec: one process per call, for debugging))');
  });

  it('FP32 on the CUDA provider is verified at the tf32 tier unless NVIDIA_TF32_OVERRIDE=0 turns TF32 off', () => {
    expect(toleranceTier('cuda', 'fp32', {})).toBe('tf32');
    expect(toleranceTier('cuda', 'fp32', { NVIDIA_TF32_OVERRIDE: '0' })).toBe('fp32');
    expect(toleranceTier('cuda', 'fp16', {})).toBe('fp16');
    expect(toleranceTier('ort', 'fp32', {})).toBe('fp32');
  });
});

describe('ldd of the provider libraries (onnxruntime-gpu 1.30.0)', () => {
  it('the TensorRT provider links TensorRT 10; what the loader cannot find is listed', () => {
    const e = parseLdd(fixture('providers_tensorrt-1.30.0.txt'));
    expect(linkedTensorRtMajor(e)).toBe(10);
    expect(e.filter((x) => x.path === null).map((x) => x.name)).toEqual(['libcublas.so.13', 'libnvinfer.so.10', 'libnvonnxparser.so.10', 'libcudnn.so.9']);
    expect(e.find((x) => x.name === 'libc.so.6')?.path).toBe('/lib/x86_64-linux-gnu/libc.so.6');
  });

  it('the CUDA provider needs CUDA 13 (cuBLAS, cuBLASLt, cuRAND) and links no TensorRT', () => {
    const e = parseLdd(fixture('providers_cuda-1.30.0.txt'));
    expect(e.filter((x) => x.path === null).map((x) => x.name)).toEqual(['libcublasLt.so.13', 'libcublas.so.13', 'libcurand.so.10', 'libcuda.so.1']);
    expect(linkedTensorRtMajor(e)).toBeNull();
  });
});

describe('engines from another TensorRT are refused', () => {
  const places = { buildManifest: '/out/a10g/build-manifest.json', provider: '/x/libonnxruntime_providers_tensorrt.so' };
  it('one error line naming both versions and the build manifest', () => {
    const e = userError(() => checkTensorRtMatch('11.1.0', 10, places));
    expect(e.format()).toBe(
      "/out/a10g/build-manifest.json engines built by TensorRT 11.1.0, but ONNX Runtime's TensorRT provider loads TensorRT 10 (libnvinfer.so.10) (fix: rebuild the engines with TensorRT 10.x (`emovoice build`), or run them with --backend trtexec)",
    );
    expect(e.exitCode).toBe(2);
    expect(() => checkTensorRtMatch('10.3.0', 10, places)).not.toThrow();
    expect(userError(() => checkTensorRtMatch('10.3.0', null, places)).message).toMatch(/links no libnvinfer/);
  });

  it('checkTensorRtBackend reads the build manifest and the provider the addon would load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-trtcheck-'));
    const prov = join(dir, 'prov');
    await mkdir(prov);
    // no provider installed: nothing is refused here (the engine runner's load says what is missing)
    await writeFile(join(dir, 'build-manifest.json'), JSON.stringify({ tensorrt: { version: '11.0.0' } }));
    await expect(checkTensorRtBackend(dir, prov)).resolves.toBeUndefined();
    // a "provider" that is not an ELF file: ldd lists nothing, so no libnvinfer: refused
    await writeFile(join(prov, 'libonnxruntime_providers_tensorrt.so'), 'not a library');
    await expect(checkTensorRtBackend(dir, prov)).rejects.toThrow(/links no libnvinfer/);
  });
});

describe("doctor's provider lines", () => {
  it('found, missing (with the install command), and found but missing libraries', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-prov-'));
    await writeFile(join(dir, 'libonnxruntime_providers_shared.so'), '');
    const s = await providerStatus(dir);
    expect(s.map((x) => [x.provider, x.present])).toEqual([['shared', true], ['cuda', false], ['tensorrt', false]]);
    const lines = providerLines([
      ...s.slice(0, 2),
      { provider: 'tensorrt', file: '/x/libonnxruntime_providers_tensorrt.so', present: true, missing: ['libnvinfer.so.10', 'libcudnn.so.9'], tensorrtMajor: 10 },
    ]);
    expect(lines).toEqual([
      `shared: found (${dir}/libonnxruntime_providers_shared.so)`,
      `cuda: not installed (${dir}/libonnxruntime_providers_cuda.so); \`emovoice providers install <onnxruntime-gpu wheel>\` puts it there`,
      'tensorrt: found, links TensorRT 10, but cannot load: missing libnvinfer.so.10, libcudnn.so.9 (add their folder to LD_LIBRARY_PATH)',
    ]);
  });
});
