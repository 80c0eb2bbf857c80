import { describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../../src/core/errors.ts';
import { decodeOnnxModel, encodeOnnxModel, readOnnxModel } from '../../src/model/onnx.ts';
import { formatInspect, inspectModel } from '../../src/model/inspect.ts';

const FIX = resolve(import.meta.dirname, '../fixtures/onnx');

async function userError(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError');
}

describe('readOnnxModel', () => {
  it('reads inputs, outputs, dims, opsets, ops and parameters', async () => {
    const info = await readOnnxModel(join(FIX, 'tiny.onnx'));
    expect(info.irVersion).toBe(8);
    expect(info.producer).toBe('emovoice-fixtures 1.0');
    expect(info.opsets).toEqual([{ domain: 'ai.onnx', version: 13 }]);
    // conv.bias is listed as a graph input by old exporters but is an initializer: not an input
    expect(info.inputs).toEqual([
      { name: 'mel', dtype: 'float32', dims: ['batch', 80, 'mel_len'] },
      { name: 'ids', dtype: 'int32', dims: ['batch', 'text_len'] },
    ]);
    expect(info.outputs).toEqual([
      { name: 'out', dtype: 'float32', dims: ['batch', 8] },
      { name: 'wave', dtype: 'float32', dims: ['batch', 8, null] },
    ]);
    expect(info.opHistogram).toEqual({ Conv: 1, Relu: 2, ReduceMean: 2, Gather: 1, Add: 1 });
    expect(info.parameterCount).toBe(8 * 80 * 3 + 8 + 100 * 8);
    expect(info.parameterBytes).toBe(info.parameterCount * 4);
    expect(info.externalData).toEqual([]);
  });

  it('lists external data without reading it', async () => {
    const info = await readOnnxModel(join(FIX, 'external.onnx'));
    expect(info.inputs).toEqual([{ name: 'x', dtype: 'float32', dims: ['batch', 16] }]);
    expect(info.parameterCount).toBe(16 * 32 + 32);
    expect(info.parameterBytes).toBe(544 * 4);
    expect(info.externalData).toEqual([{ location: 'external.onnx.data', bytes: 544 * 4, exists: true }]);
    // the .onnx alone (weights elsewhere) reads the same: the weights are never opened
    const dir = await mkdtemp(join(tmpdir(), 'ev-onnx-'));
    try {
      await copyFile(join(FIX, 'external.onnx'), join(dir, 'external.onnx'));
      const alone = await readOnnxModel(join(dir, 'external.onnx'));
      expect(alone.inputs).toEqual(info.inputs);
      expect(alone.externalData).toEqual([{ location: 'external.onnx.data', bytes: 544 * 4, exists: false }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing external data file', async () => {
    const info = await readOnnxModel(join(FIX, 'external-missing.onnx'));
    expect(info.externalData).toEqual([{ location: 'missing.bin', bytes: 2728 * 4, exists: false }]);
    const e = await userError(inspectModel(join(FIX, 'external-missing.onnx')));
    expect(e.format()).toMatch(/external-missing\.onnx external data file\(s\) missing: missing\.bin/);
  });

  for (const f of ['truncated.onnx', 'garbage.onnx', 'not-onnx.onnx']) {
    it(`${f}: one UserError naming the file, hint re-export, no stack`, async () => {
      const e = await userError(readOnnxModel(join(FIX, f)));
      expect(e.place.file).toBe(join(FIX, f));
      expect(e.hint).toMatch(/re-export the model/);
      expect(e.format()).not.toMatch(/\n|    at /);
      expect(e.format()).toMatch(/not a valid ONNX model/);
    });
  }

  it('an empty file and a missing file are UserErrors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-onnx-'));
    try {
      await writeFile(join(dir, 'empty.onnx'), '');
      expect((await userError(readOnnxModel(join(dir, 'empty.onnx')))).hint).toMatch(/re-export/);
      expect((await userError(readOnnxModel(join(dir, 'nope.onnx')))).message).toMatch(/not found/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a .onnx file over 2 GB is refused before reading', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-onnx-'));
    try {
      const p = join(dir, 'huge.onnx');
      const fh = await open(p, 'w');
      await fh.truncate(2 ** 31 + 10); // sparse: no disk used
      await fh.close();
      const e = await userError(readOnnxModel(p));
      expect(e.message).toMatch(/2 GiB/);
      expect(e.hint).toMatch(/external data/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('decode/encode', () => {
  it('round-trips a model and keeps edits', async () => {
    const bytes = await readFile(join(FIX, 'tiny.onnx'));
    const m = await decodeOnnxModel(bytes);
    expect(m.graph.name).toBe('tiny');
    m.graph.input[0].type.tensorType.shape.dim[2] = { dimParam: 'frames' };
    m.producerName = 'edited';
    const dir = await mkdtemp(join(tmpdir(), 'ev-onnx-'));
    try {
      await writeFile(join(dir, 'edited.onnx'), await encodeOnnxModel(m));
      const info = await readOnnxModel(join(dir, 'edited.onnx'));
      expect(info.inputs[0]!.dims).toEqual(['batch', 80, 'frames']);
      expect(info.producer).toBe('edited 1.0');
      expect(info.parameterCount).toBe(2728);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('formatInspect', () => {
  it('shows inputs with symbolic dims, opsets, ops, params, external files', async () => {
    const text = formatInspect(await readOnnxModel(join(FIX, 'tiny.onnx')));
    expect(text).toMatch(/mel\s+float32\s+\[batch, 80, mel_len\]/);
    expect(text).toMatch(/ids\s+int32\s+\[batch, text_len\]/);
    expect(text).toMatch(/wave\s+float32\s+\[batch, 8, \?\]/);
    expect(text).toMatch(/ai\.onnx:13/);
    expect(text).toMatch(/Relu×2/);
    expect(text).toMatch(/parameters 2\.7 k/);
    expect(text).not.toMatch(/external data/);
    const ext = formatInspect(await readOnnxModel(join(FIX, 'external-missing.onnx')));
    expect(ext).toMatch(/external data\n\s+missing\.bin 10\.9 kB \(MISSING\)/);
  });

  it('other fixtures: custom domains and unknown dims', async () => {
    const voc = await readOnnxModel(join(FIX, 'vocoder-like.onnx'));
    expect(voc.inputs.map((i) => i.name)).toEqual(['mel']);
    expect(voc.opsets).toContainEqual({ domain: 'com.emovoice.test', version: 1 });
    expect(Object.keys(voc.opHistogram)).toContain('com.emovoice.test::Identity');
    const ids = await readOnnxModel(join(FIX, 'ids.onnx'));
    expect(ids.inputs[0]).toEqual({ name: 'phoneme_ids', dtype: 'int32', dims: ['batch', null] });
    expect(ids.outputs[0]!.dtype).toBe('float16');
  });
});
