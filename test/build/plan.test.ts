// Golden trtexec command lines from the planner, per TensorRT dialect.
import { describe, expect, it } from 'vitest';
import { planBuild, type ModuleBuildSpec } from '../../src/build/plan.ts';

const vocoder: ModuleBuildSpec = {
  module: 'vocoder',
  onnx: '/m/vocoder.onnx',
  precision: 'fp16',
  shapes: { mel: { min: [1, 80, 16], opt: [1, 80, 400], max: [1, 80, 1024] } },
  workspaceMiB: 4096,
  builderOptimizationLevel: 3,
  timingCache: '/out/timing.cache',
};

const plan = (m: ModuleBuildSpec, dialect: 'trt10' | 'trt8.6') =>
  planBuild({
    profile: { name: 'p', path: '/c/p.yaml', sha256: 'h' },
    outputDir: '/out/p',
    modules: [m],
    tensorrt: { version: dialect === 'trt10' ? '10.3.0' : '8.6.1', dialect, exe: null },
  }).modules[0]!;

describe('planBuild', () => {
  it('TensorRT 10: fp16 vocoder', () => {
    const p = plan(vocoder, 'trt10');
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

  it('TensorRT 8.6: workspace in plain MiB', () => {
    expect(plan(vocoder, 'trt8.6').argv).toContain('--memPoolSize=workspace:4096');
  });

  it('int8 with a calibration cache and fp16 fallback; the cache is part of the build key', () => {
    const p = plan({ ...vocoder, precision: 'int8', layerFallback: 'fp16', calibrationCache: '/cal/vocoder.calib' }, 'trt10');
    expect(p.argv).toEqual(expect.arrayContaining(['--int8', '--fp16', '--calib=/cal/vocoder.calib']));
    expect(p.keyInputs).toEqual(['/m/vocoder.onnx', '/cal/vocoder.calib']);
  });

  it('int8 from a QDQ model builds the QDQ file and passes no cache', () => {
    const p = plan({ ...vocoder, precision: 'int8', qdqModel: '/cal/vocoder.qdq.onnx', calibrationCache: '/cal/x.calib' }, 'trt10');
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
    );
    expect(p.argv).toContain('--minShapes=frame_hidden:1x16x128,speaker_embedding:1x64');
    expect(p.argv).not.toContain('--fp16');
  });

  it('bf16 is refused for TensorRT 8.6', () => {
    expect(() => plan({ ...vocoder, precision: 'bf16' }, 'trt8.6')).toThrow(/bf16 needs TensorRT 10/);
  });
});
