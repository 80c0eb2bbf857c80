// trtexec's per-layer exports read as TREx reads them, on real files from NVIDIA's TREx test data
// (test/fixtures/trex/SOURCE.md): the MobileNet-v2 QAT engine's --exportLayerInfo and --exportProfile JSON.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { formatPrecision, layerTable, parseLayerInfo, parseLayerProfile } from '../../src/report/layers.ts';

const TREX = resolve(import.meta.dirname, '../fixtures/trex');
const info = JSON.parse(readFileSync(join(TREX, 'mobilenet.qat.onnx.engine.graph.json'), 'utf8'));
const profile = JSON.parse(readFileSync(join(TREX, 'mobilenet.qat.onnx.engine.profile.json'), 'utf8'));

describe('trtexec layer info and profile (TREx test engine)', () => {
  it("reads each layer's type and precision from its output format", () => {
    const layers = parseLayerInfo(info);
    expect(layers.length).toBe(info.Layers.length);
    const by = new Map(layers.map((l) => [l.name, l]));
    // the input's QuantizeLinear is a reformat to int8; a QAT conv whose output stays int8; one that writes FP16 for the residual add
    expect(by.get('QuantizeLinear_2')).toMatchObject({ type: 'Reformat', precision: 'INT8' });
    expect(by.get('features.0.0.weight + QuantizeLinear_8 + Conv_12 + PWN(Clip_16)')).toMatchObject({ type: 'CaskConvolution', precision: 'INT8', tactic: 'volta_int8x4_icudnn_int8x4_128x32_relu_xregs_medium_c32_nn_v1' });
    expect(by.get('features.2.conv.2.weight + QuantizeLinear_90 + Conv_94')).toMatchObject({ precision: 'FP16', outputs: ['1×24×56×56 Thirty-two wide channel vectorized row major FP16 format'] });
  });

  it('reads the profile: the inference count and each layer\'s average time', () => {
    const p = parseLayerProfile(profile);
    expect(p.count).toBe(4216);
    expect(p.layers.length).toBe(profile.length - 1);
    expect(p.layers[0]).toEqual({ name: 'QuantizeLinear_2', averageMs: 0.0122041, timeMs: 51.4526, percentage: 1.88608 });
  });

  it('joins them by name: slowest first, time per precision adds up to the profile', () => {
    const t = layerTable(info, profile);
    expect(t.count).toBe(4216);
    expect(t.layers[0]).toMatchObject({ name: 'features.16.conv.2.weight + QuantizeLinear_771 + Conv_775 + Add_777', averageMs: 0.0173933, precision: 'FP32', type: 'CaskConvolution' });
    for (let i = 1; i < t.layers.length; i++) expect(t.layers[i]!.averageMs!).toBeLessThanOrEqual(t.layers[i - 1]!.averageMs!);
    const sum = t.byPrecision.reduce((a, p) => a + p.averageMs, 0);
    expect(sum).toBeCloseTo(t.totalMs!, 9);
    expect(t.byPrecision.map((p) => p.precision)).toContain('INT8');
    expect(t.byPrecision.find((p) => p.precision === 'INT8')!.averageMs).toBeGreaterThan(t.byPrecision.find((p) => p.precision === 'FP16')!.averageMs);
    // reformat layers that only the profile names (TensorRT inserted them) are still counted, as reformats
    expect(t.layers.find((l) => l.name.startsWith('Reformatting CopyNode for Input Tensor 0 to QuantizeLinear_341'))).toMatchObject({ type: 'Reformat' });
  });

  it('either file alone is enough; a file of another shape is a user error naming it', () => {
    expect(layerTable(info, undefined).layers).toHaveLength(info.Layers.length);
    expect(layerTable(undefined, profile).layers[0]!.precision).toBe('unknown');
    expect(() => layerTable(profile, undefined, { info: 'x.json' })).toThrow(UserError);
    expect(() => layerTable(undefined, info, { profile: 'p.json' })).toThrow(/x?p\.json|exportProfile/);
    // names-only layer info (trtexec without --profilingVerbosity=detailed)
    expect(parseLayerInfo({ Layers: ['a', 'b'] }).map((l) => l.precision)).toEqual(['unknown', 'unknown']);
  });

  it('names precisions from format strings of TensorRT 8 and 10', () => {
    expect(formatPrecision('Row major linear FP32')).toBe('FP32');
    expect(formatPrecision('Four wide channel vectorized row major Int8 format')).toBe('INT8');
    expect(formatPrecision('Two wide channel vectorized row major FP16 format')).toBe('FP16');
    expect(formatPrecision('Half')).toBe('FP16');
    expect(formatPrecision('Float')).toBe('FP32');
    expect(formatPrecision('BF16')).toBe('BF16');
    expect(formatPrecision('Int32')).toBe('INT32');
  });
});
