import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrtRunner } from '../../src/runtime/ort.ts';
import { UserError } from '../../src/core/errors.ts';

const MODEL = resolve(__dirname, '../fixtures/runtime/scale_add.onnx');

describe('OrtRunner', () => {
  it('runs a model with float32 and int32 tensors and reports its I/O', async () => {
    const r = new OrtRunner(MODEL);
    await r.load();
    expect(r.inputs().map((i) => i.name)).toEqual(['x', 'ids']);
    const out = await r.infer({
      x: { dtype: 'float32', shape: [1, 3], data: new Float32Array([1, -2, 0.25]) },
      ids: { dtype: 'int32', shape: [1, 2], data: new Int32Array([7, 41]) },
    });
    expect(out.y!.shape).toEqual([1, 3]);
    expect([...(out.y!.data as Float32Array)]).toEqual([2.5, -3.5, 1]);
    expect(out.ids_out!.dtype).toBe('int32');
    expect([...(out.ids_out!.data as Int32Array)]).toEqual([8, 42]);
    await r.close();
  });

  it('fetches only the outputs asked for', async () => {
    const r = new OrtRunner(MODEL);
    await r.load();
    const out = await r.infer(
      { x: { dtype: 'float32', shape: [1, 1], data: new Float32Array([1]) }, ids: { dtype: 'int32', shape: [1, 1], data: new Int32Array([0]) } },
      ['y'],
    );
    expect(Object.keys(out)).toEqual(['y']);
  });

  it('a missing input or a corrupt file is a UserError, not a crash', async () => {
    const r = new OrtRunner(MODEL);
    await r.load();
    await expect(r.infer({ x: { dtype: 'float32', shape: [1, 1], data: new Float32Array([1]) } })).rejects.toThrow(/missing input "ids"/);
    const dir = await mkdtemp(join(tmpdir(), 'ev-ort-'));
    await writeFile(join(dir, 'bad.onnx'), 'this is not a protobuf');
    const bad = new OrtRunner(join(dir, 'bad.onnx'));
    await expect(bad.load()).rejects.toBeInstanceOf(UserError);
    await expect(new OrtRunner(join(dir, 'absent.onnx')).load()).rejects.toThrow(/not found/);
  });
});
