// readOnnxGraphIo (doctor's light reader) against the full reader: the same inputs (initializers left out),
// outputs, opsets, IR version, producer and graph name on every ONNX file the project carries, and the same
// one-line errors on files that are not ONNX or are cut short.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { readOnnxModel } from '../../src/model/onnx.ts';
import { readOnnxGraphIo } from '../../src/model/onnx-io.ts';
import { ROOT } from '../support/setup.ts';

const onnxIn = (dir: string) => (existsSync(join(ROOT, dir)) ? readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.onnx')).map((f) => join(ROOT, dir, f)) : []);

describe('readOnnxGraphIo', () => {
  const files = [
    ...['tiny.onnx', 'ids.onnx', 'vocoder-like.onnx', 'external.onnx', 'missing-external.onnx'].map((f) => join(ROOT, 'test/fixtures/onnx', f)),
    join(ROOT, 'test/fixtures/runtime/scale_add.onnx'),
    ...onnxIn('models/tiny'),
    ...onnxIn('models/emotivoice-tiny'),
    ...onnxIn('models/joe'),
  ];

  it('gives what the full reader gives of the graph interface, on every ONNX file here', async () => {
    expect(files.length).toBeGreaterThanOrEqual(16);
    for (const f of files) {
      const full = await readOnnxModel(f);
      const light = await readOnnxGraphIo(f);
      const { path, fileBytes, irVersion, producer, graphName, opsets, inputs, outputs } = full;
      expect(light, f).toEqual({ path, fileBytes, irVersion, producer, graphName, opsets, inputs, outputs });
    }
  });

  it('leaves initializers that are listed as graph inputs (older exporters) out of the inputs', async () => {
    // the fixture vocoder-like.onnx lists three of its initializers among its graph inputs
    const full = await readOnnxModel(join(ROOT, 'test/fixtures/onnx/vocoder-like.onnx'));
    expect((await readOnnxGraphIo(join(ROOT, 'test/fixtures/onnx/vocoder-like.onnx'))).inputs).toEqual(full.inputs);
  });

  it('a file that is not ONNX, cut short or missing is one UserError naming it', async () => {
    for (const f of ['garbage.onnx', 'truncated.onnx', 'not-onnx.onnx', 'nonexistent.onnx']) {
      const path = join(ROOT, 'test/fixtures/onnx', f);
      const e = await readOnnxGraphIo(path).then(() => null, (x: unknown) => x);
      expect(e, f).toBeInstanceOf(UserError);
      expect((e as UserError).format(), f).toContain(path);
    }
  });
});
