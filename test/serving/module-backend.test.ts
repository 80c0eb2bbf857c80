// `emovoice package --triton --module-backend python`: every module as a Python-backend model running
// ONNX Runtime (src/serving/module_model.py), for a Triton with no onnxruntime or TensorRT backend. The
// same names, tensors, batching and queue policies as the default repository; every config parses as
// Triton's ModelConfig. (Loaded and served by a real server in test/serving/triton-server.test.ts.)
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requirePython } from '../support/setup.ts';
import { expectSameBytes } from '../support/bytes.ts';

const ROOT = resolve(__dirname, '../..');
const haveSchema = requirePython(['tritonclient', 'google.protobuf']);
const pkg = async (dir: string, backend: string) => {
  const noEngines = await mkdtemp(join(tmpdir(), 'ev-no-engines-'));
  return execa('node', [join(ROOT, 'bin/emovoice.js'), 'package', '--profile', 'a10g-fp16', '--triton', dir, '--module-backend', backend, '--set', `output=${noEngines}`], { cwd: ROOT, reject: false });
};

describe.skipIf(!haveSchema)('package --module-backend python', () => {
  it('each module a Python-backend ONNX Runtime model, batched and queued as its engine would be; configs valid against Triton’s schema', async () => {
    const [py, trt] = [await mkdtemp(join(tmpdir(), 'ev-py-')), await mkdtemp(join(tmpdir(), 'ev-trt-'))];
    const [a, b] = await Promise.all([pkg(py, 'python'), pkg(trt, 'tensorrt')]);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
    expect(a.stderr).not.toMatch(/not built yet/); // nothing to build: the engine path runs the ONNX too
    const v = await execa('python3', [join(ROOT, 'test/serving/validate_triton.py'), py], { reject: false });
    expect(v.exitCode, v.stdout).toBe(0);
    expect(v.stdout).toMatch(/ok vocoder python max_batch_size=4 inputs=1 outputs=1/);
    expect(v.stdout).toMatch(/ok vocoder_cpu python max_batch_size=0 inputs=1 outputs=1/);
    expect(v.stdout.split('\n').filter((l) => l.startsWith('ok '))).toHaveLength(11);
    for (const m of ['text_encoder', 'style_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder']) {
      for (const name of [m, `${m}_cpu`]) {
        expect(await readFile(join(py, name, '1/model.py'), 'utf8')).toBe(await readFile(join(ROOT, 'src/serving/module_model.py'), 'utf8'));
        expectSameBytes(await readFile(join(py, name, '1/model.onnx')), await readFile(join(ROOT, `models/tiny/${m}.onnx`)), `${name}/1/model.onnx`);
        expect(existsSync(join(py, name, '1/model.plan'))).toBe(false);
      }
      // the same model as the engine's, but for the platform line, the instance kind and the onnx parameter
      const norm = (s: string) => s.split('\n').filter((l) => !/^#|^platform:|^backend:|kind: KIND_|^parameters \{|^  key: "onnx"|^  value: \{ string_value: "model.onnx" \}|^\}$/.test(l)).join('\n');
      expect(norm(await readFile(join(py, m, 'config.pbtxt'), 'utf8'))).toBe(norm(await readFile(join(trt, m, 'config.pbtxt'), 'utf8')));
    }
    expect(await readFile(join(py, 'emovoice/config.pbtxt'), 'utf8')).toBe(await readFile(join(trt, 'emovoice/config.pbtxt'), 'utf8'));
  }, 120_000);
});
