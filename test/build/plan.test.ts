// Golden trtexec command lines from the planner, per TensorRT dialect.
import { describe, expect, it } from 'vitest';
import { planBuild, type ModuleBuildSpec } from '../../src/build/plan.ts';
import type { BuildMode } from '../../src/trtexec/flags.ts';

const vocoder: ModuleBuildSpec = {
  module: 'vocoder',
  onnx: '/m/vocoder.onnx',
  precision: 'fp16',
  shapes: { mel: { min: [1, 80, 16], opt: [1, 80, 400], max: [1, 80, 1024] } },
  workspaceMiB: 4096,
  builderOptimizationLevel: 3,
  timingCache: '/out/timing.cache',
};

const VERSIONS = { trt11: '11.0.0', trt10: '10.3.0', 'trt8.6': '8.6.1' } as const;
const plan = (m: ModuleBuildSpec, dialect: 'trt11' | 'trt10' | 'trt8.6', mode?: BuildMode) =>
  planBuild({
    profile: { name: 'p', path: '/c/p.yaml', sha256: 'h' },
    outputDir: '/out/p',
    modules: [m],
    tensorrt: { version: VERSIONS[dialect], dialect, exe: null },
    mode: mode ?? (dialect === 'trt8.6' ? 'legacy-flags' : 'strongly-typed'),
  }).modules[0]!;

describe('planBuild, strongly typed (TensorRT 11; TensorRT 10 by default)', () => {
  it('TensorRT 11: the fp16 vocoder is built from its converted model with no precision flag', () => {
    const p = plan(vocoder, 'trt11');
    expect(p.mode).toBe('strongly-typed');
    expect(p.onnx).toBe('/out/p/converted/vocoder.fp16.onnx');
    expect(p.conversion).toEqual({ precision: 'fp16', source: '/m/vocoder.onnx', qdq: null, output: '/out/p/converted/vocoder.fp16.onnx' });
    expect(p.argv).toEqual([
      '--onnx=/out/p/converted/vocoder.fp16.onnx',
      '--saveEngine=/out/p/.vocoder.engine.partial',
      '--minShapes=mel:1x80x16',
      '--optShapes=mel:1x80x400',
      '--maxShapes=mel:1x80x1024',
      '--memPoolSize=workspace:4096M',
      '--builderOptimizationLevel=3',
      '--timingCacheFile=/out/timing.cache',
      '--skipInference',
    ]);
    // the converted file is what the build key hashes
    expect(p.keyInputs).toEqual(['/out/p/converted/vocoder.fp16.onnx']);
    expect(p.keyData).toEqual({ dialect: 'trt11', mode: 'strongly-typed' });
  });

  it('TensorRT 10: the same converted model, with --stronglyTyped (deliberately changed from --fp16)', () => {
    const p = plan(vocoder, 'trt10');
    expect(p.argv).toEqual([
      '--onnx=/out/p/converted/vocoder.fp16.onnx',
      '--saveEngine=/out/p/.vocoder.engine.partial',
      '--minShapes=mel:1x80x16',
      '--optShapes=mel:1x80x400',
      '--maxShapes=mel:1x80x1024',
      '--stronglyTyped',
      '--memPoolSize=workspace:4096M',
      '--builderOptimizationLevel=3',
      '--timingCacheFile=/out/timing.cache',
      '--skipInference',
    ]);
  });

  it('int8 with FP16 elsewhere: the Q/DQ model calibrate wrote beside the cache, converted; no --int8/--calib', () => {
    const m: ModuleBuildSpec = { ...vocoder, precision: 'int8', layerFallback: 'fp16', calibrationCache: '/cal/vocoder.calib' };
    for (const dialect of ['trt11', 'trt10'] as const) {
      const p = plan(m, dialect);
      expect(p.onnx).toBe('/out/p/converted/vocoder.int8.onnx');
      expect(p.conversion).toEqual({ precision: 'int8', source: '/m/vocoder.onnx', qdq: '/cal/vocoder.qdq.onnx', output: '/out/p/converted/vocoder.int8.onnx' });
      expect(p.argv.filter((a) => /^--(int8|fp16|calib|best)/.test(a))).toEqual([]);
    }
    // an explicit qdq_model wins over the cache's folder
    expect(plan({ ...m, qdqModel: '/q/v.onnx' }, 'trt11').conversion?.qdq).toBe('/q/v.onnx');
  });

  it('int8 with FP32 elsewhere builds the Q/DQ model as it is; fp32 builds the original', () => {
    const p = plan({ ...vocoder, precision: 'int8', calibrationCache: '/cal/vocoder.calib' }, 'trt11');
    expect(p.onnx).toBe('/cal/vocoder.qdq.onnx');
    expect(p.conversion).toBeNull();
    const f = plan({ ...vocoder, precision: 'fp32' }, 'trt10');
    expect(f.onnx).toBe('/m/vocoder.onnx');
    expect(f.conversion).toBeNull();
    expect(f.argv).toContain('--stronglyTyped');
  });

  it('layer_precisions: fp32 pins carry over (they join keep_fp32), any other precision is refused', () => {
    expect(plan({ ...vocoder, layerPrecisions: { '/conv_post/Conv': 'fp32' } }, 'trt11').argv.some((a) => a.startsWith('--layerPrecisions'))).toBe(false);
    expect(() => plan({ ...vocoder, layerPrecisions: { '/conv_post/Conv': 'fp16' } }, 'trt11')).toThrow(/has no meaning in a strongly typed build/);
  });
});

describe('planBuild, legacy precision flags (TensorRT 8.6; TensorRT 10 with tensorrt.legacy_precision_flags)', () => {
  it('TensorRT 10 legacy: fp16 vocoder, unchanged from before strong typing', () => {
    const p = plan(vocoder, 'trt10', 'legacy-flags');
    expect(p.conversion).toBeNull();
    expect(p.engine).toBe('/out/p/vocoder.engine');
    expect(p.argv).toEqual([
      '--onnx=/m/vocoder.onnx',
      '--saveEngine=/out/p/.vocoder.engine.partial',
      '--minShapes=mel:1x80x16',
      '--optShapes=mel:1x80x400',
      '--maxShapes=mel:1x80x1024',
      '--fp16',
      '--memPoolSize=workspace:4096M',
      '--builderOptimizationLevel=3',
      '--timingCacheFile=/out/timing.cache',
      '--skipInference',
    ]);
  });

  it('TensorRT 8.6: the FP32 ONNX with --fp16, workspace in plain MiB (unchanged)', () => {
    expect(plan(vocoder, 'trt8.6').argv).toEqual([
      '--onnx=/m/vocoder.onnx',
      '--saveEngine=/out/p/.vocoder.engine.partial',
      '--minShapes=mel:1x80x16',
      '--optShapes=mel:1x80x400',
      '--maxShapes=mel:1x80x1024',
      '--fp16',
      '--memPoolSize=workspace:4096',
      '--builderOptimizationLevel=3',
      '--timingCacheFile=/out/timing.cache',
      '--skipInference',
    ]);
  });

  it('int8 with a calibration cache and fp16 fallback; the cache is part of the build key', () => {
    const p = plan({ ...vocoder, precision: 'int8', layerFallback: 'fp16', calibrationCache: '/cal/vocoder.calib' }, 'trt10', 'legacy-flags');
    expect(p.argv).toEqual(expect.arrayContaining(['--int8', '--fp16', '--calib=/cal/vocoder.calib']));
    expect(p.keyInputs).toEqual(['/m/vocoder.onnx', '/cal/vocoder.calib']);
  });

  it('int8 from a QDQ model builds the QDQ file and passes no cache', () => {
    const p = plan({ ...vocoder, precision: 'int8', qdqModel: '/cal/vocoder.qdq.onnx', calibrationCache: '/cal/x.calib' }, 'trt10', 'legacy-flags');
    expect(p.argv[0]).toBe('--onnx=/cal/vocoder.qdq.onnx');
    expect(p.argv.some((a) => a.startsWith('--calib='))).toBe(false);
  });

  it('several dynamic inputs are joined in one flag', () => {
    const p = plan(
      {
        module: 'acoustic_decoder',
        onnx: '/m/ad.onnx',
        precision: 'fp32',
        shapes: {
          frame_hidden: { min: [1, 16, 128], opt: [1, 400, 128], max: [1, 1024, 128] },
          speaker_embedding: { min: [1, 64], opt: [1, 64], max: [1, 64] },
        },
      },
      'trt10',
      'legacy-flags',
    );
    expect(p.argv).toContain('--minShapes=frame_hidden:1x16x128,speaker_embedding:1x64');
    expect(p.argv).not.toContain('--fp16');
  });

  it('bf16 is refused for TensorRT 8.6', () => {
    expect(() => plan({ ...vocoder, precision: 'bf16' }, 'trt8.6')).toThrow(/bf16 needs TensorRT 10/);
  });
});
