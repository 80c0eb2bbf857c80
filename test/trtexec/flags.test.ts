import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { buildArgv, buildModeFor, perfArgv, type BuildFlags } from '../../src/trtexec/flags.ts';

const base: BuildFlags = {
  onnx: 'models/tiny/vocoder.onnx',
  saveEngine: 'out/.vocoder.engine.partial',
  shapes: [
    { name: 'a', min: [1, 16], opt: [1, 64], max: [1, 256] },
    { name: 'b', min: [1, 80, 32], opt: [1, 80, 200], max: [1, 80, 1000] },
  ],
  precision: 'fp16',
  workspaceMiB: 2048,
  builderOptimizationLevel: 3,
  timingCache: 'cache/timing.bin',
  verbose: true,
};

describe('buildArgv', () => {
  it('trt10 golden argv', () => {
    expect(buildArgv(base, 'trt10')).toEqual([
      '--onnx=models/tiny/vocoder.onnx',
      '--saveEngine=out/.vocoder.engine.partial',
      '--minShapes=a:1x16,b:1x80x32',
      '--optShapes=a:1x64,b:1x80x200',
      '--maxShapes=a:1x256,b:1x80x1000',
      '--fp16',
      '--memPoolSize=workspace:2048M',
      '--builderOptimizationLevel=3',
      '--timingCacheFile=cache/timing.bin',
      '--skipInference',
      '--verbose',
    ]);
  });

  it('trt8.6 golden argv: workspace without unit suffix, --skipInference (exists in 8.6.1)', () => {
    expect(buildArgv(base, 'trt8.6')).toEqual([
      '--onnx=models/tiny/vocoder.onnx',
      '--saveEngine=out/.vocoder.engine.partial',
      '--minShapes=a:1x16,b:1x80x32',
      '--optShapes=a:1x64,b:1x80x200',
      '--maxShapes=a:1x256,b:1x80x1000',
      '--fp16',
      '--memPoolSize=workspace:2048',
      '--builderOptimizationLevel=3',
      '--timingCacheFile=cache/timing.bin',
      '--skipInference',
      '--verbose',
    ]);
  });

  it('int8 with fp16 fallback, calibration cache and layer precisions', () => {
    const argv = buildArgv(
      {
        onnx: 'm.onnx',
        saveEngine: 'e.plan',
        shapes: [],
        precision: 'int8',
        fp16Fallback: true,
        calibCache: 'calib.cache',
        layerPrecisions: [
          { layer: 'l1', precision: 'fp16' },
          { layer: 'l2', precision: 'fp16' },
        ],
        extraArgs: ['--noTF32'],
      },
      'trt8.6',
    );
    expect(argv).toEqual([
      '--onnx=m.onnx',
      '--saveEngine=e.plan',
      '--int8',
      '--fp16',
      '--calib=calib.cache',
      '--precisionConstraints=obey',
      '--layerPrecisions=l1:fp16,l2:fp16',
      '--skipInference',
      '--noTF32',
    ]);
  });

  it('fp32 adds no precision flag; empty layerPrecisions adds nothing', () => {
    const argv = buildArgv({ onnx: 'm.onnx', saveEngine: 'e', shapes: [], precision: 'fp32', layerPrecisions: [] }, 'trt10');
    expect(argv).toEqual(['--onnx=m.onnx', '--saveEngine=e', '--skipInference']);
  });

  it('bf16 and stronglyTyped are trt10 only (not 8.6)', () => {
    const bf16: BuildFlags = { onnx: 'm.onnx', saveEngine: 'e', shapes: [], precision: 'bf16' };
    expect(buildArgv(bf16, 'trt10')).toContain('--bf16');
    expect(() => buildArgv(bf16, 'trt8.6')).toThrow(UserError);
    const st: BuildFlags = { onnx: 'm.onnx', saveEngine: 'e', shapes: [], precision: 'fp32', stronglyTyped: true };
    expect(buildArgv(st, 'trt10')).toContain('--stronglyTyped');
    expect(() => buildArgv(st, 'trt8.6')).toThrow(UserError);
  });

  it('rejects a non-integer workspace and an optimization level outside 0…5', () => {
    expect(() => buildArgv({ ...base, workspaceMiB: 1.5 }, 'trt10')).toThrow(UserError);
    expect(() => buildArgv({ ...base, builderOptimizationLevel: 6 }, 'trt10')).toThrow(UserError);
  });

  it('best, noTF32, prefer constraints, version/hardware compatibility, inference kept', () => {
    const argv = buildArgv(
      {
        onnx: 'm.onnx',
        saveEngine: 'e',
        shapes: [],
        precision: 'fp16',
        best: true,
        noTF32: true,
        layerPrecisions: [{ layer: '/dec/Softmax', precision: 'fp32' }],
        precisionConstraints: 'prefer',
        versionCompatible: true,
        hardwareCompatibilityLevel: 'ampere+',
        skipInference: false,
      },
      'trt8.6',
    );
    expect(argv).toEqual([
      '--onnx=m.onnx',
      '--saveEngine=e',
      '--fp16',
      '--best',
      '--noTF32',
      '--precisionConstraints=prefer',
      '--layerPrecisions=/dec/Softmax:fp32',
      '--versionCompatible',
      '--hardwareCompatibilityLevel=ampere+',
    ]);
    expect(buildArgv({ onnx: 'm', saveEngine: 'e', shapes: [], precision: 'fp32', hardwareCompatibilityLevel: 'none' }, 'trt10')).toEqual([
      '--onnx=m',
      '--saveEngine=e',
      '--skipInference',
    ]);
  });

  it('layer precision bf16 only on trt10; names with "," refused; ":" in a tensor name kept', () => {
    const lp = (precision: string): BuildFlags => ({ onnx: 'm', saveEngine: 'e', shapes: [], precision: 'fp16', layerPrecisions: [{ layer: 'l', precision }] });
    expect(buildArgv(lp('bf16'), 'trt10')).toContain('--layerPrecisions=l:bf16');
    expect(() => buildArgv(lp('bf16'), 'trt8.6')).toThrow(UserError);
    expect(() => buildArgv(lp('half'), 'trt10')).toThrow(UserError);
    const shapes = (name: string): BuildFlags => ({ onnx: 'm', saveEngine: 'e', precision: 'fp32', shapes: [{ name, min: [1], opt: [2], max: [3] }] });
    expect(() => buildArgv(shapes('a,b'), 'trt10')).toThrow(UserError);
    expect(buildArgv(shapes('input:0'), 'trt10')).toContain('--minShapes=input:0:1'); // trtexec splits on the last ':'
    expect(() => buildArgv({ ...shapes('x'), shapes: [{ name: 'x', min: [], opt: [1], max: [1] }] }, 'trt10')).toThrow(UserError);
  });

  it('stronglyTyped refuses precision flags it would ignore', () => {
    expect(() => buildArgv({ onnx: 'm', saveEngine: 'e', shapes: [], precision: 'fp16', stronglyTyped: true }, 'trt10')).toThrow(/stronglyTyped/);
    expect(() => buildArgv({ onnx: 'm', saveEngine: 'e', shapes: [], precision: 'fp32', best: true, stronglyTyped: true }, 'trt10')).toThrow(UserError);
  });

  it('stronglyTyped refuses layerPrecisions, a calibration cache and the fp16 fallback, each on its own', () => {
    const st: BuildFlags = { onnx: 'm', saveEngine: 'e', shapes: [], precision: 'fp32', stronglyTyped: true };
    // the same settings are accepted without stronglyTyped: the refusal is strong typing's, not the value's
    const cases: [Partial<BuildFlags>, RegExp][] = [
      [{ layerPrecisions: [{ layer: 'l1', precision: 'fp32' }] }, /layerPrecisions/],
      [{ calibCache: 'c.calib' }, /calibration cache/],
      [{ fp16Fallback: true }, /fp16 fallback/],
      [{ precisionConstraints: 'obey' }, /precisionConstraints/],
    ];
    for (const [extra, message] of cases) {
      expect(() => buildArgv({ ...st, ...extra }, 'trt10'), JSON.stringify(extra)).toThrow(message);
      expect(() => buildArgv({ ...st, ...extra, stronglyTyped: false }, 'trt10'), JSON.stringify(extra)).not.toThrow();
    }
    expect(buildArgv(st, 'trt10')).toEqual(['--onnx=m', '--saveEngine=e', '--stronglyTyped', '--skipInference']);
  });
});

// TensorRT 11.0 removed these from trtexec (read in sampleOptions.cpp @v11.0 and @v11.1: no getAndDelOption
// for them, and trtexec.cpp fails on any option left unparsed). Written out here, not derived from flags.ts.
const REMOVED_IN_11: [string, Partial<BuildFlags>][] = [
  ['--fp16', { precision: 'fp16' }],
  ['--bf16', { precision: 'bf16' }],
  ['--int8', { precision: 'int8' }],
  ['--best', { best: true }],
  ['--calib', { calibCache: 'x.calib' }],
  ['--layerPrecisions', { layerPrecisions: [{ layer: 'l', precision: 'fp32' }] }],
  ['--precisionConstraints', { precisionConstraints: 'prefer' }],
  ['--fp16 (as int8 fallback)', { fp16Fallback: true }],
];

describe('buildArgv, TensorRT 11 (strongly typed only)', () => {
  it('golden argv: no precision flag, no --stronglyTyped (a deprecated no-op in 11), workspace with a unit', () => {
    expect(buildArgv({ ...base, precision: 'fp32', stronglyTyped: true }, 'trt11')).toEqual([
      '--onnx=models/tiny/vocoder.onnx',
      '--saveEngine=out/.vocoder.engine.partial',
      '--minShapes=a:1x16,b:1x80x32',
      '--optShapes=a:1x64,b:1x80x200',
      '--maxShapes=a:1x256,b:1x80x1000',
      '--memPoolSize=workspace:2048M',
      '--builderOptimizationLevel=3',
      '--timingCacheFile=cache/timing.bin',
      '--skipInference',
      '--verbose',
    ]);
    expect(buildArgv({ onnx: 'm', saveEngine: 'e', shapes: [], precision: 'fp32' }, 'trt11')).toEqual(['--onnx=m', '--saveEngine=e', '--skipInference']);
  });

  it('refuses every setting 11.0 removed from trtexec, before any build runs', () => {
    for (const [flag, extra] of REMOVED_IN_11) {
      const flags: BuildFlags = { onnx: 'm', saveEngine: 'e', shapes: [], precision: 'fp32', ...extra };
      expect(() => buildArgv(flags, 'trt11'), flag).toThrow(/TensorRT 11 takes precision from the ONNX model/);
      expect(() => buildArgv(flags, 'trt11'), flag).toThrow(UserError);
    }
  });
});

describe('buildModeFor', () => {
  it('11: strongly typed only; 10: strongly typed unless the profile asks for the legacy flags; 8.6: legacy only', () => {
    expect(buildModeFor('trt11', false)).toBe('strongly-typed');
    expect(() => buildModeFor('trt11', true, { file: 'p.yaml', line: 3, column: 5 })).toThrow(/TensorRT 11 builds strongly typed networks only/);
    expect(buildModeFor('trt10', false)).toBe('strongly-typed');
    expect(buildModeFor('trt10', true)).toBe('legacy-flags');
    expect(buildModeFor('trt8.6', false)).toBe('legacy-flags');
    expect(buildModeFor('trt8.6', true)).toBe('legacy-flags');
    const e = (() => {
      try {
        buildModeFor('trt11', true, { file: 'p.yaml', line: 3, column: 5 });
      } catch (x) {
        return x as UserError;
      }
    })();
    expect(e?.format()).toMatch(/^p\.yaml:3:5 /);
  });
});

describe('perfArgv', () => {
  it('golden argv', () => {
    expect(
      perfArgv({
        loadEngine: 'out/vocoder.engine',
        shapes: [{ name: 'mel', dims: [1, 80, 200] }],
        warmUpMs: 500,
        durationS: 10,
        iterations: 100,
        useCudaGraph: true,
        streams: 2,
        noDataTransfers: true,
        exportTimes: 'times.json',
      }),
    ).toEqual([
      '--loadEngine=out/vocoder.engine',
      '--shapes=mel:1x80x200',
      '--warmUp=500',
      '--duration=10',
      '--iterations=100',
      '--useCudaGraph',
      '--infStreams=2',
      '--noDataTransfers',
      '--exportTimes=times.json',
    ]);
  });

  it('inputs from files, profiling exports, separate profile run', () => {
    expect(
      perfArgv({
        loadEngine: 'e',
        loadInputs: [
          { name: 'mel', file: 'in/mel.bin' },
          { name: 'spk', file: 'C:\\data\\spk.bin' },
        ],
        separateProfileRun: true,
        exportOutput: 'out.json',
        exportProfile: 'profile.json',
      }, 'trt8.6'),
    ).toEqual([
      '--loadEngine=e',
      "--loadInputs=mel:in/mel.bin,'spk':C:\\data\\spk.bin",
      '--separateProfileRun',
      '--exportOutput=out.json',
      '--exportProfile=profile.json',
    ]);
    expect(() => perfArgv({ loadEngine: 'e', loadInputs: [{ name: 'a', file: 'x,y.bin' }] })).toThrow(UserError);
    expect(() => perfArgv({ loadEngine: 'e', iterations: 0 })).toThrow(UserError);
  });

  it('streams: 1 is the fewest trtexec can run; 0, negative and fractional counts are refused', () => {
    expect(perfArgv({ loadEngine: 'e', streams: 1 })).toEqual(['--loadEngine=e', '--infStreams=1']);
    expect(perfArgv({ loadEngine: 'e', streams: 16 }, 'trt11')).toEqual(['--loadEngine=e', '--infStreams=16']);
    for (const streams of [0, -1, 1.5, Number.NaN]) {
      expect(() => perfArgv({ loadEngine: 'e', streams }), String(streams)).toThrow(/streams must be an integer ≥ 1/);
    }
  });
});
