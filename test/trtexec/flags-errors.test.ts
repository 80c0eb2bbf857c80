// Every refusal of the trtexec argv builders, exactly: message, the profile key it points at, and the fix;
// and the edges of every numeric check (the smallest and largest accepted value, and one past them).
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { buildArgv, buildModeFor, perfArgv, type BuildFlags, type PerfFlags } from '../../src/trtexec/flags.ts';

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const u = e as UserError;
    return { message: u.message, path: u.place.path, hint: u.hint };
  }
  return expect.unreachable('should have been refused');
};
const b = (extra: Partial<BuildFlags>): BuildFlags => ({ onnx: 'm', saveEngine: 'e', shapes: [], precision: 'fp32', ...extra });
const p = (extra: Partial<PerfFlags>): PerfFlags => ({ loadEngine: 'e', ...extra });

describe('buildArgv refusals', () => {
  it('integers: workspaceMiB ≥ 1, builderOptimizationLevel 0…5 (both ends accepted)', () => {
    expect(buildArgv(b({ workspaceMiB: 1, builderOptimizationLevel: 0 }), 'trt10')).toEqual(['--onnx=m', '--saveEngine=e', '--memPoolSize=workspace:1M', '--builderOptimizationLevel=0', '--skipInference']);
    expect(buildArgv(b({ builderOptimizationLevel: 5 }), 'trt10')).toContain('--builderOptimizationLevel=5');
    expect(refusal(() => buildArgv(b({ workspaceMiB: 0 }), 'trt10'))).toEqual({ message: 'workspaceMiB must be an integer ≥ 1, got 0', path: 'workspaceMiB', hint: 'fix workspaceMiB in the build profile' });
    expect(refusal(() => buildArgv(b({ builderOptimizationLevel: 6 }), 'trt10'))).toEqual({
      message: 'builderOptimizationLevel must be an integer in 0…5, got 6',
      path: 'builderOptimizationLevel',
      hint: 'fix builderOptimizationLevel in the build profile',
    });
    expect(refusal(() => buildArgv(b({ builderOptimizationLevel: -1 }), 'trt10')).message).toBe('builderOptimizationLevel must be an integer in 0…5, got -1');
    expect(refusal(() => buildArgv(b({ builderOptimizationLevel: 2.5 }), 'trt10')).message).toBe('builderOptimizationLevel must be an integer in 0…5, got 2.5');
  });

  it('shapes: names without "," and not empty, at least one dimension, whole non-negative dimensions', () => {
    const s = (name: string, min: number[]) => b({ shapes: [{ name, min, opt: [1], max: [1] }] });
    expect(buildArgv(s('x', [0]), 'trt10')).toContain('--minShapes=x:0');
    expect(refusal(() => buildArgv(s('a,b', [1]), 'trt10'))).toEqual({ message: 'input name "a,b" is empty or contains ",", which trtexec cannot take in a list', path: 'input name', hint: 'rename it without commas' });
    expect(refusal(() => buildArgv(s('', [1]), 'trt10')).message).toBe('input name "" is empty or contains ",", which trtexec cannot take in a list');
    expect(refusal(() => buildArgv(s('x', []), 'trt10'))).toEqual({ message: 'shape of "x" has no dimensions', path: 'shapes.x', hint: 'give at least one dimension' });
    expect(refusal(() => buildArgv(s('x', [1, -1]), 'trt10'))).toEqual({ message: 'shape of "x" has an invalid dimension -1', path: 'shapes.x', hint: 'use non-negative integers' });
    expect(refusal(() => buildArgv(s('x', [1.5]), 'trt10')).message).toBe('shape of "x" has an invalid dimension 1.5');
  });

  it('layer precisions: the names each dialect takes; a name with "," refused', () => {
    const lp = (precision: string, layer = 'l') => b({ precision: 'fp16', layerPrecisions: [{ layer, precision }] });
    for (const x of ['fp32', 'fp16', 'bf16', 'int8']) expect(buildArgv(lp(x), 'trt10')).toContain(`--layerPrecisions=l:${x}`);
    for (const x of ['fp32', 'fp16', 'int8']) expect(buildArgv(lp(x), 'trt8.6')).toContain(`--layerPrecisions=l:${x}`);
    expect(refusal(() => buildArgv(lp('bf16'), 'trt8.6'))).toEqual({ message: 'layer "l": precision "bf16" is not one of fp32, fp16, int8 for trt8.6', path: 'layerPrecisions.l', hint: 'use one of fp32, fp16, int8' });
    expect(refusal(() => buildArgv(lp('half'), 'trt10'))).toEqual({ message: 'layer "l": precision "half" is not one of fp32, fp16, bf16, int8 for trt10', path: 'layerPrecisions.l', hint: 'use one of fp32, fp16, bf16, int8' });
    expect(refusal(() => buildArgv(lp('fp16', 'a,b'), 'trt10'))).toEqual({ message: 'layer name "a,b" is empty or contains ",", which trtexec cannot take in a list', path: 'layer name', hint: 'rename it without commas' });
  });

  it('int8 adds --fp16 only with the fp16 fallback', () => {
    expect(buildArgv(b({ precision: 'int8' }), 'trt10')).toEqual(['--onnx=m', '--saveEngine=e', '--int8', '--skipInference']);
    expect(buildArgv(b({ precision: 'int8', fp16Fallback: true }), 'trt10')).toEqual(['--onnx=m', '--saveEngine=e', '--int8', '--fp16', '--skipInference']);
  });

  it('TensorRT 8.6 has no --bf16 and no --stronglyTyped', () => {
    expect(refusal(() => buildArgv(b({ precision: 'bf16' }), 'trt8.6'))).toEqual({ message: 'bf16 needs TensorRT 10 or newer (trtexec 8.6 has no --bf16)', path: 'bf16', hint: 'use precision fp16, or build with TensorRT 10.x' });
    expect(refusal(() => buildArgv(b({ stronglyTyped: true }), 'trt8.6'))).toEqual({
      message: 'stronglyTyped needs TensorRT 10 or newer (trtexec 8.6 has no --stronglyTyped)',
      path: 'stronglyTyped',
      hint: 'drop stronglyTyped, or build with TensorRT 10.x',
    });
  });

  it('strong typing lists every builder setting it cannot honour, in one message', () => {
    const weak = b({ precision: 'int8', fp16Fallback: true, best: true, calibCache: 'c', layerPrecisions: [{ layer: 'l', precision: 'fp32' }], precisionConstraints: 'prefer' });
    const all = 'precision int8, fp16 fallback, best, a calibration cache, layerPrecisions, precisionConstraints';
    expect(refusal(() => buildArgv({ ...weak, stronglyTyped: true }, 'trt10'))).toEqual({
      message: `stronglyTyped takes precisions from the ONNX model; ${all} do not apply`,
      path: 'stronglyTyped',
      hint: 'set precision: fp32 with no best/layerPrecisions/calibration cache, or drop stronglyTyped',
    });
    expect(refusal(() => buildArgv(weak, 'trt11'))).toEqual({
      message: `TensorRT 11 takes precision from the ONNX model; its trtexec has no flag for ${all}`,
      path: 'precision',
      hint: 'build the strongly typed ONNX model that `emovoice convert` writes, with no precision flags',
    });
    expect(refusal(() => buildArgv(b({ best: true }), 'trt11')).message).toBe('TensorRT 11 takes precision from the ONNX model; its trtexec has no flag for best');
  });
});

describe('buildModeFor', () => {
  it('TensorRT 11 refuses the legacy flags where the profile set them (by default tensorrt.legacy_precision_flags)', () => {
    const e = refusal(() => buildModeFor('trt11', true));
    expect(e).toEqual({
      message: 'TensorRT 11 builds strongly typed networks only: its trtexec has no --fp16, --int8, --best or --calib',
      path: 'tensorrt.legacy_precision_flags',
      hint: 'drop tensorrt.legacy_precision_flags (emovoice converts the ONNX models instead), or build with TensorRT 10.x',
    });
    expect(refusal(() => buildModeFor('trt11', true, { path: 'x.y' })).path).toBe('x.y');
    expect([buildModeFor('trt11', false), buildModeFor('trt10', false), buildModeFor('trt10', true), buildModeFor('trt8.6', false)]).toEqual([
      'strongly-typed', 'strongly-typed', 'legacy-flags', 'legacy-flags',
    ]);
  });
});

describe('perfArgv refusals and flags', () => {
  it('warm-up and duration: any finite number ≥ 0', () => {
    expect(perfArgv(p({ warmUpMs: 0, durationS: 0 }))).toEqual(['--loadEngine=e', '--warmUp=0', '--duration=0']);
    expect(perfArgv(p({ warmUpMs: 0.5, durationS: 2.5 }))).toEqual(['--loadEngine=e', '--warmUp=0.5', '--duration=2.5']);
    expect(refusal(() => perfArgv(p({ warmUpMs: -1 })))).toEqual({ message: 'warmUpMs must be a number ≥ 0, got -1', path: 'warmUpMs', hint: 'fix warmUpMs' });
    expect(refusal(() => perfArgv(p({ durationS: -0.5 })))).toEqual({ message: 'durationS must be a number ≥ 0, got -0.5', path: 'durationS', hint: 'fix durationS' });
    expect(refusal(() => perfArgv(p({ warmUpMs: Number.NaN }))).message).toBe('warmUpMs must be a number ≥ 0, got NaN');
    expect(refusal(() => perfArgv(p({ durationS: Infinity }))).message).toBe('durationS must be a number ≥ 0, got Infinity');
  });

  it('iterations ≥ 1; input names and files without ","; a quoted name cannot hold a quote', () => {
    expect(perfArgv(p({ iterations: 1 }))).toEqual(['--loadEngine=e', '--iterations=1']);
    expect(refusal(() => perfArgv(p({ iterations: 0 })))).toEqual({ message: 'iterations must be an integer ≥ 1, got 0', path: 'iterations', hint: 'fix iterations in the build profile' });
    expect(refusal(() => perfArgv(p({ shapes: [{ name: 'a,b', dims: [1] }] }))).path).toBe('input name');
    expect(refusal(() => perfArgv(p({ shapes: [{ name: 'a', dims: [] }] }))).message).toBe('shape of "a" has no dimensions');
    expect(refusal(() => perfArgv(p({ loadInputs: [{ name: 'a,b', file: 'f' }] }))).message).toBe('input name "a,b" is empty or contains ",", which trtexec cannot take in a list');
    expect(refusal(() => perfArgv(p({ loadInputs: [{ name: 'a', file: 'x,y' }] }))).message).toBe('input file "x,y" is empty or contains ",", which trtexec cannot take in a list');
    expect(refusal(() => perfArgv(p({ loadInputs: [{ name: "it's", file: 'C:\\x.bin' }] })))).toEqual({ message: 'input name "it\'s" contains a quote and its file a \':\'', path: 'loadInputs', hint: 'rename the file' });
    // a quote in a name whose file has no ':' needs no quoting
    expect(perfArgv(p({ loadInputs: [{ name: "it's", file: 'x.bin' }] }))).toEqual(['--loadEngine=e', "--loadInputs=it's:x.bin"]);
  });

  it('verbose and extra arguments come last, in that order', () => {
    expect(perfArgv(p({ verbose: true, extraArgs: ['--dumpProfile', '--x=1'] }))).toEqual(['--loadEngine=e', '--verbose', '--dumpProfile', '--x=1']);
    expect(perfArgv(p({ verbose: false, extraArgs: [] }))).toEqual(['--loadEngine=e']);
  });
});
