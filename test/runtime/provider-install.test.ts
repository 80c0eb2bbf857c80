// `emovoice providers install <wheel>` (src/runtime/provider-install.ts) on a FAKE wheel: a zip laid out as
// the onnxruntime-gpu wheel is (onnxruntime/capi/libonnxruntime_providers_*.so), with placeholder bytes
// for the libraries. It checks what is taken, where it goes and what is refused — not that the real
// libraries load (that is test/gpu, on a GPU machine).
import { execa } from 'execa';
import { zipSync } from 'fflate';
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installProviders, wheelVersion } from '../../src/runtime/provider-install.ts';
import { ROOT } from '../support/setup.ts';

let dir: string;
const enc = (s: string) => new TextEncoder().encode(s);
async function fakeWheel(name: string, entries: Record<string, string>): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, zipSync(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, enc(v)]))));
  return file;
}
const LIBS = {
  'onnxruntime/capi/libonnxruntime_providers_shared.so': 'shared-bytes',
  'onnxruntime/capi/libonnxruntime_providers_cuda.so': 'cuda-bytes',
  'onnxruntime/capi/libonnxruntime_providers_tensorrt.so': 'trt-bytes',
  'onnxruntime/capi/libonnxruntime.so.1.30.0': 'core-bytes',
  'onnxruntime_gpu-1.30.0.dist-info/METADATA': 'Name: onnxruntime-gpu\nVersion: 1.30.0\n',
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emovoice-wheel-'));
});

describe('providers install (fake wheel)', () => {
  it('reads the version from the wheel name', () => {
    expect(wheelVersion('/x/onnxruntime_gpu-1.30.0-cp311-cp311-manylinux_2_28_x86_64.whl')).toEqual({ name: 'onnxruntime_gpu', version: '1.30.0' });
    expect(wheelVersion('notawheel')).toBeNull();
  });

  it('takes exactly the three provider libraries, executable, into the destination', async () => {
    const wheel = await fakeWheel('onnxruntime_gpu-1.30.0-cp311-cp311-manylinux_2_28_x86_64.whl', LIBS);
    const dest = await mkdtemp(join(dir, 'dest-'));
    const r = await installProviders({ wheel, dest, ortVersion: '1.30.0' });
    expect(r.written.map((w) => w.file)).toEqual(['shared', 'cuda', 'tensorrt'].map((p) => join(dest, `libonnxruntime_providers_${p}.so`)));
    expect((await readdir(dest)).sort()).toEqual(['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so', 'libonnxruntime_providers_tensorrt.so']);
    expect(await readFile(join(dest, 'libonnxruntime_providers_cuda.so'), 'utf8')).toBe('cuda-bytes');
    expect((await stat(join(dest, 'libonnxruntime_providers_tensorrt.so'))).mode & 0o777).toBe(0o755);
  });

  it('--provider cuda takes the CUDA provider and the shared library only', async () => {
    const wheel = await fakeWheel('onnxruntime_gpu-1.30.0-cp312-cp312-manylinux_2_28_x86_64.whl', LIBS);
    const dest = await mkdtemp(join(dir, 'dest-'));
    await installProviders({ wheel, dest, ortVersion: '1.30.0', providers: ['cuda'] });
    expect((await readdir(dest)).sort()).toEqual(['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so']);
  });

  it('refuses another version, another package and a wheel without the libraries, writing nothing', async () => {
    const dest = await mkdtemp(join(dir, 'dest-'));
    const other = await fakeWheel('onnxruntime_gpu-1.29.1-cp311-cp311-manylinux_2_28_x86_64.whl', LIBS);
    await expect(installProviders({ wheel: other, dest, ortVersion: '1.30.0' })).rejects.toThrow(
      /^the wheel is onnxruntime-gpu 1\.29\.1, but onnxruntime-node is 1\.30\.0: providers only load into the same version$/,
    );
    const cpu = await fakeWheel('onnxruntime-1.30.0-cp311-cp311-manylinux_2_28_x86_64.whl', LIBS);
    await expect(installProviders({ wheel: cpu, dest, ortVersion: '1.30.0' })).rejects.toThrow(/onnxruntime is not the onnxruntime-gpu wheel/);
    const bare = await fakeWheel('onnxruntime_gpu-1.30.0-cp311-cp311-win_amd64.whl', { 'onnxruntime/capi/onnxruntime_providers_cuda.dll': 'x' });
    await expect(installProviders({ wheel: bare, dest, ortVersion: '1.30.0' })).rejects.toThrow(/the wheel has no onnxruntime\/capi\/libonnxruntime_providers_shared\.so/);
    expect(await readdir(dest)).toEqual([]);
  });

  it('the CLI: one error line for a wrong wheel (exit 2); the listing after an install', async () => {
    const other = await fakeWheel('onnxruntime_gpu-1.29.1-cp311-cp311-manylinux_2_28_x86_64.whl', LIBS);
    const bad = await execa(process.execPath, [resolve(ROOT, 'bin/emovoice.js'), 'providers', 'install', other, '--dest', dir], { cwd: ROOT, reject: false });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^error: .*onnxruntime_gpu-1\.29\.1-.*\.whl the wheel is onnxruntime-gpu 1\.29\.1, but onnxruntime-node is 1\.30\.0.*\(fix: pip download onnxruntime-gpu==1\.30\.0 --no-deps\)$/);
    const wheel = await fakeWheel('onnxruntime_gpu-1.30.0-cp311-cp311-manylinux_2_28_x86_64.whl', LIBS);
    const dest = await mkdtemp(join(dir, 'dest-'));
    const ok = await execa(process.execPath, [resolve(ROOT, 'bin/emovoice.js'), 'providers', 'install', wheel, '--dest', dest], { cwd: ROOT });
    expect(ok.stdout).toContain(`installed ${dest}/libonnxruntime_providers_cuda.so (0.0 MiB) from onnxruntime-gpu 1.30.0`);
    expect(ok.stdout).toMatch(/^cuda: found.*$/m);
  });
});
