// The parser on real trtexec logs quoted in public issue threads (test/fixtures/trtexec, each with its
// source on line 1). Expected values are the numbers printed in those logs.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTrtexecLog, type TimingStats } from '../../src/trtexec/parse.ts';

const DIR = 'test/fixtures/trtexec';
const read = (f: string) => readFileSync(`${DIR}/${f}`, 'utf8');
const NONE: TimingStats = { min: null, max: null, mean: null, median: null, p90: null, p95: null, p99: null };

describe('fixtures', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.log'));
  it('6–12 real logs, each naming its public source on line 1', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(files.length).toBeLessThanOrEqual(12);
    for (const f of files) {
      expect(read(f).split('\n')[0], f).toMatch(
        /^# source: https:\/\/github\.com\/([\w.-]+\/[\w.-]+)\/(?:issues|pull)\/(\d+) \(\1#\2, quoted log, trimmed only where marked\)$/,
      );
    }
  });
  it('every fixture parses without throwing', () => {
    for (const f of files) expect(() => parseTrtexecLog(read(f))).not.toThrow();
  });
});

describe('parseTrtexecLog on real logs', () => {
  it('NVIDIA/TensorRT#4177 (10.x): full performance summary, 90/95/99 percentiles', () => {
    const s = parseTrtexecLog(read('trt10-perf-summary-4177.log'));
    expect(s.throughputQps).toBe(130.298);
    expect(s.latencyMs).toEqual({ min: 5.38672, max: 13.3664, mean: 7.60628, median: 7.16092, p90: 10.2996, p95: 10.8698, p99: 12.9675 });
    expect(s.gpuComputeMs).toEqual({ min: 5.34595, max: 13.3388, mean: 7.58404, median: 7.14139, p90: 10.2881, p95: 10.8175, p99: 12.9485 });
    expect(s.hostWalltimeS).toBe(3.00082);
    expect(s.errors).toEqual([]);
    expect(s.status).toBe('unknown'); // the quoted part has no &&&& line
  });

  it('OE4T/meta-tegra#952 (8.4.0): percentile(99%) only, PASSED', () => {
    const s = parseTrtexecLog(read('trt8.4-perf-p99-only-metategra952.log'));
    expect(s.tensorrtVersion).toBe('8.4.0');
    expect(s.status).toBe('passed');
    expect(s.commandLine).toBe('trtexec --loadEngine=mnist16.trt --batch=16');
    expect(s.throughputQps).toBe(41087.7);
    expect(s.latencyMs).toEqual({ min: 0.387207, max: 0.447357, mean: 0.402238, median: 0.401947, p90: null, p95: null, p99: 0.420288 });
    expect(s.gpuComputeMs).toEqual({ min: 0.375977, max: 0.403564, mean: 0.388221, median: 0.388443, p90: null, p95: null, p99: 0.393188 });
    expect(s.hostWalltimeS).toBe(3.00119);
  });

  it('NVIDIA/TensorRT#2054: 7.x-style multi-line Host Latency block (99% only)', () => {
    const s = parseTrtexecLog(read('trt7-format-host-latency-2054.log'));
    expect(s.latencyMs).toEqual({ min: 1.64058, max: 6.2915, mean: 1.66069, median: 1.65601, p90: null, p95: null, p99: 1.67065 });
    expect(s.gpuComputeMs).toEqual(NONE); // the GPU Compute block is not in the quote
    expect(s.throughputQps).toBe(0);
    expect(s.hostWalltimeS).toBe(3.00461);
  });

  it('NVIDIA/TensorRT#2664: failing int8 build, Error[2] lines, one warning', () => {
    const s = parseTrtexecLog(read('trt8-int8-build-failure-2664.log'));
    expect(s.errors).toEqual([
      'Error[2]: [pointWiseV2Builder.cpp::toExpr::325] Error Code 2: Internal Error (Assertion outScales.size() == 1 failed. )',
      'Error[2]: [builder.cpp::buildSerializedNetwork::636] Error Code 2: Internal Error (Assertion engine != nullptr failed. )',
      'Engine could not be created from network',
      'Building engine failed',
      'Failed to create engine from model or file.',
      'Engine set up failed',
    ]);
    expect(s.warnings).toBe(1);
    expect(s.tensorrtVersion).toBeNull();
    expect(s.buildSeconds).toBeNull();
  });

  it('stable-diffusion-webui-tensorrt#54 (8.6.1): parser failure; the "[8] Assertion…" line joins its [E] line', () => {
    const s = parseTrtexecLog(read('trt8.6.1-parse-failure-sdwebui54.log'));
    expect(s.errors).toEqual([
      '[TRT] ModelImporter.cpp:729: --- End node ---',
      '[TRT] ModelImporter.cpp:732: ERROR: builtin_op_importers.cpp:5428 In function importFallbackPluginImporter: [8] Assertion failed: creator && "Plugin not found, are the plugin name, version, and namespace correct?"',
      'Failed to parse onnx file',
      'Parsing model failed',
      'Failed to create engine from model or file.',
      'Engine set up failed',
    ]);
    expect(s.throughputQps).toBeNull();
    expect(s.latencyMs).toEqual(NONE);
  });

  it('NVIDIA/TensorRT#3747 (8.6.3): device information and peak GPU memory', () => {
    const s = parseTrtexecLog(read('trt8.6.3-device-3747.log'));
    expect(s.tensorrtVersion).toBe('8.6.3');
    expect(s.gpuName).toBe('NVIDIA GeForce RTX 2080');
    expect(s.computeCapability).toBe('7.5');
    expect(s.peakGpuMemoryMiB).toBe(597);
  });

  it('NVIDIA/TensorRT#4036 (10.2): banner and a Windows command line', () => {
    const s = parseTrtexecLog(read('trt10.2-banner-4036.log'));
    expect(s.tensorrtVersion).toBe('10.2.0');
    expect(s.commandLine).toBe(
      'D:\\TensorRT-10.2.0.19\\bin\\trtexec.exe --loadEngine=FM_P_D_fp16.engine --shapes=ref_y:1x128x100x160,c1:1x48x1600x2560,c2:1x64x800x1280,c3:1x96x400x640',
    );
    expect(s.status).toBe('unknown');
  });

  it('NVIDIA/TensorRT#4587 (10.13.3): banner with build tag [b9], one warning', () => {
    const s = parseTrtexecLog(read('trt10.13-banner-4587.log'));
    expect(s.tensorrtVersion).toBe('10.13.3');
    expect(s.commandLine).toBe('./trtexec --onnx=ISTD_NS.onnx --saveEngine=ISTD_N.trt --iterations=10 --precisionConstraints=obey');
    expect(s.warnings).toBe(1);
  });

  it('QwenAudio/CosyVoice#901 (10.0.1): TTS flow-decoder build, version and memory', () => {
    const s = parseTrtexecLog(read('trt10.0.1-tts-flow-cosyvoice901.log'));
    expect(s.tensorrtVersion).toBe('10.0.1');
    expect(s.commandLine).toBe(
      'trtexec --onnx=pretrained_models/CosyVoice2-0.5B/flow.decoder.estimator.fp32.onnx --saveEngine=pretrained_models/CosyVoice2-0.5B/flow.decoder.estimator.fp32.4090.plan',
    );
    expect(s.peakGpuMemoryMiB).toBe(13162);
    expect(s.errors).toEqual([]);
    expect(s.throughputQps).toBeNull(); // the per-10-runs trace is not the summary
  });

  it('OE4T/meta-tegra#2243 (10.16.2 on Orin): --skipInference build, two [W] lines, device', () => {
    const s = parseTrtexecLog(read('trt10.16.2-skipinference-metategra2243.log'));
    expect(s.tensorrtVersion).toBe('10.16.2');
    expect(s.commandLine).toBe(
      '/usr/src/tensorrt/bin/trtexec --onnx=/videos/tinyyolov2-8.onnx --saveEngine=/tmp/yolo.engine --optShapes=image:1x3x416x416 --skipInference',
    );
    expect(s.warnings).toBe(2);
    expect(s.gpuName).toBe('Orin');
    expect(s.computeCapability).toBe('8.7');
    expect(s.peakGpuMemoryMiB).toBe(1957);
  });
});

describe('golden cases where the last value is not the answer', () => {
  it('NVIDIA/TensorRT#2217: peak GPU memory is the largest figure (2222 MiB mid-log), not the last (87) nor the last device-wide (2201)', () => {
    const s = parseTrtexecLog(read('trt-loadengine-memory-2217.log'));
    expect(s.peakGpuMemoryMiB).toBe(2222);
    expect(s.engineBytes).toBe(21 * 1024 * 1024); // "[TRT] Loaded engine size: 21 MiB": no "Created" line in a --loadEngine run
    expect(s.buildSeconds).toBeNull();
    expect(s.errors).toEqual([]);
    expect(s.warnings).toBe(0);
  });

  // CONSTRUCTED logs (not quoted from anywhere), in the line formats of sampleEngines.cpp (10.x "Created engine
  // with size") and TensorRT's runtime ("[TRT] Loaded engine size"): a 10.x build that then loads the engine
  // it built for inference prints both, and the size it built is the one to report.
  const created = '[01/01/2025-00:00:01] [I] Created engine with size: 12.5 MiB';
  const loaded = '[01/01/2025-00:00:02] [I] [TRT] Loaded engine size: 13 MiB';
  it('constructed: a later "Loaded engine size" does not override "Created engine with size"', () => {
    expect(parseTrtexecLog([created, loaded].join('\n')).engineBytes).toBe(Math.round(12.5 * 1024 * 1024));
  });
  it('constructed: "Created" replaces an earlier "Loaded"; "Loaded" alone is used', () => {
    expect(parseTrtexecLog([loaded, created].join('\n')).engineBytes).toBe(Math.round(12.5 * 1024 * 1024));
    expect(parseTrtexecLog(loaded).engineBytes).toBe(13 * 1024 * 1024);
    expect(parseTrtexecLog(created.replace('12.5', '0.3')).engineBytes).toBe(Math.round(0.3 * 1024 * 1024));
  });
  it('constructed: peak memory takes the largest "now: … GPU n" of every [MemUsageChange] line, wherever it is', () => {
    const mem = (gpu: number, cpu = 10) => `[I] [TRT] [MemUsageChange] Init CUDA: CPU +1, GPU +1, now: CPU ${cpu}, GPU ${gpu} (MiB)`;
    expect(parseTrtexecLog([mem(300), mem(900), mem(500)].join('\n')).peakGpuMemoryMiB).toBe(900);
    expect(parseTrtexecLog([mem(900), mem(300)].join('\n')).peakGpuMemoryMiB).toBe(900);
    expect(parseTrtexecLog([mem(0)].join('\n')).peakGpuMemoryMiB).toBe(0);
    // the CPU figure is not the GPU figure, and a line without [MemUsageChange] does not count
    expect(parseTrtexecLog([mem(100, 5000), '[I] now: CPU 1, GPU 7000 (MiB)'].join('\n')).peakGpuMemoryMiB).toBe(100);
    expect(parseTrtexecLog('[I] Selected Device: X').peakGpuMemoryMiB).toBeNull();
  });
});

describe('parseTrtexecLog robustness (synthetic lines in the formats of sampleEngines.cpp / trtexec.cpp)', () => {
  it('CRLF, ANSI colours, PASSED, build time, engine size', () => {
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
  });

  it('8.6: engine size from "[TRT] Loaded engine size"; FAILED banner; empty text', () => {
    const s = parseTrtexecLog(
      ['[06/18/2023-17:01:42] [I] [TRT] Loaded engine size: 3 MiB', '&&&& FAILED TensorRT.trtexec [TensorRT v8601] # trtexec'].join('\n'),
    );
    expect(s.engineBytes).toBe(3 * 1024 * 1024);
    expect(s.status).toBe('failed');
    expect(s.tensorrtVersion).toBe('8.6.1');
    expect(parseTrtexecLog('').status).toBe('unknown');
  });

  it('a stamped line after an [E] line is not a continuation', () => {
    const s = parseTrtexecLog(['[01/01/2025-00:00:00] [E] first', '[01/01/2025-00:00:00] [I] info', 'loose text'].join('\n'));
    expect(s.errors).toEqual(['first']);
  });
});

// CONSTRUCTED lines (not quoted from any log), in the formats the parser documents at its top, one rule each.
describe('parseTrtexecLog rules, on constructed lines', () => {
  const P = (...lines: string[]) => parseTrtexecLog(lines.join('\n'));
  it('7.x blocks: Host Latency, GPU Compute (with or without "Time"), ignored blocks, first throughput and walltime', () => {
    const s = P(
      '[I] Host Latency',
      '[I] min: 1 ms (end to end 2 ms)',
      '[I] max: 9 ms (end to end 10 ms)',
      '[I] mean: 3 ms (end to end 4 ms)',
      '[I] median: 2.5 ms (end to end 3.5 ms)',
      '[I] percentile: 5 ms at 90% (end to end 6 ms at 90%)',
      '[I] percentile: 6 ms at 95%',
      '[I] percentile: 7 ms at 99%',
      '[I] percentile: 4 ms at 50%',
      '[W] a warning inside the block',
      '[E] min: 3 ms',
      '[I] throughput: 100 qps',
      '[I] walltime: 3.5 s',
      '[I] Enqueue Time',
      '[I] min: 0.1 ms',
      '[I] percentile: 0.3 ms at 99%',
      '[I] GPU Compute',
      '[I] min: 0.9 ms',
      '[I] percentile: 6.5 ms at 99%',
      '[I] throughput: 200 qps',
      '[I] walltime: 9 s',
      '[I] H2D Latency',
      '[I] mean: 0.05 ms',
      '[I] D2H Latency',
      '[I] median: 0.06 ms',
      '[I] GPU Compute Time',
      '[I] max: 8 ms',
      '[I] Selected Device: Foo',
      '[I] median: 77 ms',
    );
    expect(s.latencyMs).toEqual({ min: 1, max: 9, mean: 3, median: 2.5, p90: 5, p95: 6, p99: 7 });
    expect(s.gpuComputeMs).toEqual({ min: 0.9, max: 8, mean: null, median: null, p90: null, p95: null, p99: 6.5 });
    expect([s.throughputQps, s.hostWalltimeS, s.warnings, s.errors, s.gpuName]).toEqual([100, 3.5, 1, ['min: 3 ms'], 'Foo']);
  });
  it('7.x blocks whose statistics are not kept (Enqueue, H2D, D2H) still carry the run\'s throughput and walltime', () => {
    for (const header of ['Enqueue Time', 'H2D Latency', 'D2H Latency']) {
      const s = P(`[I] ${header}`, '[I] min: 0.1 ms', '[I] percentile: 0.3 ms at 99%', '[I] throughput: 50 qps', '[I] walltime: 2 s');
      expect([s.throughputQps, s.hostWalltimeS, s.latencyMs.min, s.gpuComputeMs.min], header).toEqual([50, 2, null, null]);
    }
  });
  it('block headers match whole lines only', () => {
    for (const decoy of ['Total Host Latency', 'Host Latency (ms)', 'my GPU Compute', 'GPU Compute Times', 'x Enqueue Time', 'Enqueue Time (ms)', 'D2H Latency avg']) {
      const s = P(`[I] ${decoy}`, '[I] min: 42 ms', '[I] throughput: 42 qps');
      expect([s.latencyMs.min, s.gpuComputeMs.min, s.throughputQps], decoy).toEqual([null, null, null]);
    }
  });
  it('one-line statistics: 90/95/99 % only, wherever they stand', () => {
    expect(P('[I] Latency: min = 1 ms, percentile(99%) = 3 ms, percentile(50%) = 2 ms').latencyMs.p99).toBe(3);
    expect(P('[I] GPU Compute Time: percentile(50%) = 2 ms, max = 4 ms').gpuComputeMs).toEqual({ min: null, max: 4, mean: null, median: null, p90: null, p95: null, p99: null });
  });
  it('timestamps and severities: only at the start, with or without the space after them', () => {
    expect(P('[01/01/2025-00:00:00][W] tight').warnings).toBe(1);
    expect(P('[W]tight').warnings).toBe(1);
    expect(P('[I]Selected Device: Tight').gpuName).toBe('Tight');
    expect(P('note [W] is not a warning').warnings).toBe(0);
    expect(P('[I] Selected Device: A [01/01/2025-00:00:00] B').gpuName).toBe('A [01/01/2025-00:00:00] B');
    expect(P('[E] A\rB').errors).toEqual(['A\rB']); // only a line-ending CR is dropped
    expect(P('[F] fatal').errors).toEqual(['fatal']);
    expect(P('[I]   Throughput: 5 qps   ').throughputQps).toBe(5);
  });
  it('continuation lines: only unstamped lines without severity after an error; never banners, comments, or the first line', () => {
    expect(P('Selected Device: NoStamp').gpuName).toBe('NoStamp');
    expect(P('[E] broke', '[01/01/2025-00:00:00] stamped text').errors).toEqual(['broke']);
    const s = P('[E] broke', '&&&& FAILED TensorRT.trtexec [TensorRT v8601] # trtexec', '# a comment');
    expect([s.errors, s.status]).toEqual([['broke'], 'failed']);
    expect(P('[E] broke', 'more of it').errors).toEqual(['broke more of it']);
  });
  it('banners: at the start of a line, "#" part optional, the first command line kept, a versionless banner keeps the version', () => {
    expect(P('echo &&&& PASSED TensorRT.trtexec').status).toBe('unknown');
    expect(P('&&&& PASSED TensorRT.trtexec [TensorRT v8601]').status).toBe('passed');
    expect(P('&&&& RUNNING TensorRT.trtexec [TensorRT v8601] #trtexec --onnx=a').commandLine).toBe('trtexec --onnx=a');
    const two = P('&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec --a   ', '&&&& PASSED TensorRT.trtexec [TensorRT v8601] # trtexec --b');
    expect([two.commandLine, two.status]).toEqual(['trtexec --a', 'passed']);
    expect(P('[I] TensorRT version: 8.6.1', '&&&& PASSED TensorRT.trtexec # trtexec').tensorrtVersion).toBe('8.6.1');
  });
  it('version, device and compute capability lines: anchored, any number of digits, space optional', () => {
    expect(P('[I] TensorRT version: 10.12.13').tensorrtVersion).toBe('10.12.13');
    expect(P('[I] TensorRT version:8.6.1').tensorrtVersion).toBe('8.6.1');
    expect(P('[I] the TensorRT version: 1.2.3 note').tensorrtVersion).toBeNull();
    expect(P('[I] Selected Device:X100').gpuName).toBe('X100');
    expect(P('[I] not Selected Device: X').gpuName).toBeNull();
    expect(P('[I] Compute Capability:10.12').computeCapability).toBe('10.12');
    expect(P('[I] see Compute Capability: 8.9').computeCapability).toBeNull();
  });
  it('a [MemUsageChange] line without a "now" GPU figure is skipped', () => {
    expect(P('[I] [TRT] [MemUsageChange] something else').peakGpuMemoryMiB).toBeNull();
  });
});
