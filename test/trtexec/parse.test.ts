import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTrtexecLog } from '../../src/trtexec/parse.ts';

const DIR = 'test/fixtures/trtexec';
const read = (f: string) => readFileSync(`${DIR}/${f}`, 'utf8');

describe('fixtures', () => {
  it('every fixture names its public source', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.log'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect(read(f).split('\n')[0]).toMatch(/^# source: https:\/\/github\.com\/\S+ \(quoted log; trimmed where marked\)$/);
  });
});

describe('parseTrtexecLog on real logs', () => {
  it('NVIDIA/TensorRT#4177: full performance summary', () => {
    const s = parseTrtexecLog(read('trt10-perf-summary-4177.log'));
    expect(s.throughputQps).toBe(130.298);
    expect(s.latencyMs).toEqual({ min: 5.38672, max: 13.3664, mean: 7.60628, median: 7.16092, p90: 10.2996, p95: 10.8698, p99: 12.9675 });
    expect(s.gpuComputeMs).toEqual({ min: 5.34595, max: 13.3388, mean: 7.58404, median: 7.14139, p90: 10.2881, p95: 10.8175, p99: 12.9485 });
    expect(s.hostWalltimeS).toBe(3.00082);
    expect(s.errors).toEqual([]);
    expect(s.status).toBe('unknown'); // the quoted part has no &&&& line
  });

  it('NVIDIA/TensorRT#4036: 10.2 banner and command line', () => {
    const s = parseTrtexecLog(read('trt10.2-banner-4036.log'));
    expect(s.tensorrtVersion).toBe('10.2.0');
    expect(s.commandLine).toBe(
      'D:\\TensorRT-10.2.0.19\\bin\\trtexec.exe --loadEngine=FM_P_D_fp16.engine --shapes=ref_y:1x128x100x160,c1:1x48x1600x2560,c2:1x64x800x1280,c3:1x96x400x640',
    );
    expect(s.status).toBe('unknown');
  });

  it('NVIDIA/TensorRT#4587: 10.13 banner with build tag, one warning', () => {
    const s = parseTrtexecLog(read('trt10.13-banner-4587.log'));
    expect(s.tensorrtVersion).toBe('10.13.3');
    expect(s.commandLine).toBe('./trtexec --onnx=ISTD_NS.onnx --saveEngine=ISTD_N.trt --iterations=10 --precisionConstraints=obey');
    expect(s.warnings).toBe(1);
  });

  it('NVIDIA/TensorRT#3747: 8.6.3 device info and memory', () => {
    const s = parseTrtexecLog(read('trt8.6.3-device-3747.log'));
    expect(s.tensorrtVersion).toBe('8.6.3');
    expect(s.gpuName).toBe('NVIDIA GeForce RTX 2080');
    expect(s.computeCapability).toBe('7.5');
    expect(s.peakGpuMiB).toBe(597);
  });

  it('stable-diffusion-webui-tensorrt#54: 8.6.1 parse failure [E] lines', () => {
    const s = parseTrtexecLog(read('trt8.6.1-parse-failure-sdwebui54.log'));
    expect(s.errors).toEqual([
      '[TRT] ModelImporter.cpp:729: --- End node ---',
      '[TRT] ModelImporter.cpp:732: ERROR: builtin_op_importers.cpp:5428 In function importFallbackPluginImporter:',
      'Failed to parse onnx file',
      'Parsing model failed',
      'Failed to create engine from model or file.',
      'Engine set up failed',
    ]);
    expect(s.throughputQps).toBeNull();
  });

  it('NVIDIA/TensorRT#2054: older multi-line Host Latency block (99th percentile only)', () => {
    const s = parseTrtexecLog(read('trt8-old-host-latency-2054.log'));
    expect(s.latencyMs).toEqual({ min: 1.64058, max: 6.2915, mean: 1.66069, median: 1.65601, p90: null, p95: null, p99: 1.67065 });
    expect(s.throughputQps).toBe(0);
    expect(s.hostWalltimeS).toBe(3.00461);
  });
});

describe('parseTrtexecLog robustness', () => {
  it('CRLF, ANSI colours, PASSED/FAILED, build time, engine size', () => {
    const log = [
      '&&&& RUNNING TensorRT.trtexec [TensorRT v100300] # trtexec --onnx=a.onnx',
      '\x1b[32m[03/24/2024-10:21:33] [I] Engine built in 12.5 sec.\x1b[0m',
      '[03/24/2024-10:21:33] [I] Created engine with size: 2 MiB',
      '\x1b[33m[03/24/2024-10:21:33] [W] something\x1b[0m',
      '[03/24/2024-10:21:33] [I] Latency: min = 1 ms, max = 3 ms, mean = 2 ms, median = 2 ms, percentile(99%) = 3 ms',
      '&&&& PASSED TensorRT.trtexec [TensorRT v100300] # trtexec --onnx=a.onnx',
      '',
    ].join('\r\n');
    const s = parseTrtexecLog(log);
    expect(s.status).toBe('passed');
    expect(s.tensorrtVersion).toBe('10.3.0');
    expect(s.buildSeconds).toBe(12.5);
    expect(s.engineBytes).toBe(2 * 1024 * 1024);
    expect(s.warnings).toBe(1);
    expect(s.commandLine).toBe('trtexec --onnx=a.onnx');
    expect(s.latencyMs).toEqual({ min: 1, max: 3, mean: 2, median: 2, p90: null, p95: null, p99: 3 });
    expect(parseTrtexecLog('&&&& FAILED TensorRT.trtexec [TensorRT v8601] # trtexec').status).toBe('failed');
    expect(parseTrtexecLog('').status).toBe('unknown');
  });
});
