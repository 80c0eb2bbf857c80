// Read a trtexec log (TensorRT 7.x–10.x) into a summary. Pure: text in, summary out; it never decides
// whether an engine is good (the build executor does). Line formats follow NVIDIA/TensorRT
// samples/common/{sampleReporting,sampleEngines,sampleDevice,logging}.h/.cpp and samples/trtexec/trtexec.cpp
// (read at 7.2.1, 8.4.1, v8.6.1, v10.3.0, v10.13.3):
//   &&&& RUNNING|PASSED|FAILED TensorRT.trtexec [TensorRT v100300] [b26] # <command line>   ([bN] from 10.13)
//   [I] TensorRT version: 8.6.1
//   [I] Engine built in 12.3 sec.                       trtexec.cpp in 8.6.1, sampleEngines.cpp in 10.x
//   [I] Created engine with size: 1.5 MiB               10.x only; 8.x: "[I] [TRT] Loaded engine size: 2 MiB"
//   [I] Throughput: 1234.5 qps
//   [I] Latency: min = a ms, max = b ms, mean = c ms, median = d ms, percentile(90%) = e ms, ...
//        (8.0–8.4 print one percentile, 99% by default; 8.5+ print 90, 95, 99)
//   [I] GPU Compute Time: min = ...                      [I] Total Host Walltime: 3.0012 s
//   [I] Selected Device: NVIDIA A100                    [I] Compute Capability: 8.0
//   [I] [TRT] [MemUsageChange] ...: CPU +1, GPU +2, now: CPU 3, GPU 4 (MiB)
// 7.x prints a multi-line block instead ("Host Latency" / "min: 1.6 ms (end to end …)" / … /
// "percentile: 1.67 ms at 99% (…)" / "throughput: N qps" / "walltime: N s").
// Tolerates CRLF, ANSI colours, "[03/24/2024-10:21:33] " timestamps, and quoted logs with "#" comments.
import { parseVersionBanner } from './version.ts';

export interface TimingStats {
  min: number | null;
  max: number | null;
  mean: number | null;
  median: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
}

export interface TrtexecSummary {
  tensorrtVersion: string | null;
  status: 'passed' | 'failed' | 'unknown';
  buildSeconds: number | null;
  throughputQps: number | null;
  latencyMs: TimingStats;
  gpuComputeMs: TimingStats;
  hostWalltimeS?: number | null;
  errors: string[];
  warnings: number;
  /** From "Created engine with size: X MiB" (10.x), else TRT's "Loaded engine size: X MiB"; X is rounded in the log. */
  engineBytes?: number | null;
  gpuName: string | null;
  computeCapability: string | null;
  /** Largest "now: CPU a, GPU b (MiB)" GPU figure of the [MemUsageChange] lines (device-wide, as TRT reports it). */
  peakGpuMemoryMiB: number | null;
  commandLine: string | null;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
const TIMESTAMP = /^\[\d{2}\/\d{2}\/\d{4}-\d{2}:\d{2}:\d{2}\]\s*/;
const SEVERITY = /^\[([VIWEF])\]\s?/;
const NUM = '([-+]?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)';

function emptyStats(): TimingStats {
  return { min: null, max: null, mean: null, median: null, p90: null, p95: null, p99: null };
}

function parseStats(body: string): TimingStats {
  const s = emptyStats();
  const re = new RegExp(`(min|max|mean|median|percentile\\((\\d+(?:\\.\\d+)?)%\\))\\s*=\\s*${NUM}\\s*ms`, 'g');
  for (const m of body.matchAll(re)) {
    const v = Number(m[3]);
    if (m[2] !== undefined) {
      const p = Number(m[2]);
      if (p === 90) s.p90 = v;
      else if (p === 95) s.p95 = v;
      else if (p === 99) s.p99 = v;
    } else {
      s[m[1] as 'min' | 'max' | 'mean' | 'median'] = v;
    }
  }
  return s;
}

/** Strip colours, CR, timestamp; return severity letter (or null) and the message. */
export function splitLogLine(raw: string): { severity: string | null; message: string; stamped: boolean } {
  let line = raw.replace(ANSI, '').replace(/\r$/, '');
  const stamped = TIMESTAMP.test(line);
  line = line.replace(TIMESTAMP, '');
  const sev = SEVERITY.exec(line);
  if (sev) return { severity: sev[1]!, message: line.slice(sev[0].length), stamped };
  return { severity: null, message: line, stamped };
}

/**
 * Whether a text is trtexec output at all: its "&&&& RUNNING TensorRT.trtexec" banner, or a line with
 * TensorRT's severity tag ([I], [W] …, after its timestamp if any). A log cut short still has those; an
 * empty file, binary data or other text has neither (parse-log says so instead of "status unknown").
 */
export function isTrtexecLog(text: string): boolean {
  return /^&&&& (?:RUNNING|PASSED|FAILED) TensorRT/m.test(text) || /^(?:\[\d{2}\/\d{2}\/\d{4}-\d{2}:\d{2}:\d{2}\]\s*)?\[[VIWEF]\] \S/m.test(text);
}

export function parseTrtexecLog(text: string): TrtexecSummary {
  const s: TrtexecSummary = {
    tensorrtVersion: null,
    status: 'unknown',
    buildSeconds: null,
    throughputQps: null,
    latencyMs: emptyStats(),
    gpuComputeMs: emptyStats(),
    hostWalltimeS: null,
    errors: [],
    warnings: 0,
    engineBytes: null,
    gpuName: null,
    computeCapability: null,
    peakGpuMemoryMiB: null,
    commandLine: null,
  };
  // 7.x multi-line blocks (see the top of this file).
  let block: 'latency' | 'gpu' | 'other' | null = null;
  // A multi-line [E] message (e.g. the ONNX parser's "[8] Assertion failed: …") continues on lines
  // with neither timestamp nor severity; they are joined onto the error they belong to.
  let lastWasError = false;
  let createdSize = false;
  for (const raw of text.split('\n')) {
    const { severity, message, stamped } = splitLogLine(raw);
    const msg = message.trim();
    if (!msg) continue;
    if (lastWasError && !stamped && severity === null && !msg.startsWith('&&&&') && !msg.startsWith('#')) {
      s.errors[s.errors.length - 1] += ` ${msg}`;
      continue;
    }
    lastWasError = false;
    if (/^Host Latency$/.test(msg)) {
      block = 'latency';
      continue;
    }
    if (/^GPU Compute(?: Time)?$/.test(msg)) {
      block = 'gpu';
      continue;
    }
    if (/^(Enqueue Time|H2D Latency|D2H Latency)$/.test(msg)) {
      block = 'other';
      continue;
    }
    if (block && severity !== 'E' && severity !== 'W') {
      const b = new RegExp(`^(min|max|mean|median):\\s*${NUM}\\s*ms`).exec(msg);
      const pc = new RegExp(`^percentile:\\s*${NUM}\\s*ms at (\\d+)%`).exec(msg);
      const target = block === 'latency' ? s.latencyMs : block === 'gpu' ? s.gpuComputeMs : null;
      if (b) {
        if (target) target[b[1] as 'min' | 'max' | 'mean' | 'median'] = Number(b[2]);
        continue;
      }
      if (pc) {
        const p = Number(pc[2]);
        if (target && (p === 90 || p === 95 || p === 99)) target[`p${p}` as 'p90' | 'p95' | 'p99'] = Number(pc[1]);
        continue;
      }
      let t: RegExpExecArray | null;
      if ((t = new RegExp(`^throughput:\\s*${NUM}\\s*qps`).exec(msg))) {
        if (s.throughputQps === null) s.throughputQps = Number(t[1]);
        continue;
      }
      if ((t = new RegExp(`^walltime:\\s*${NUM}\\s*s\\b`).exec(msg))) {
        if (s.hostWalltimeS == null) s.hostWalltimeS = Number(t[1]);
        continue;
      }
      block = null;
    }

    // Stryker: equivalent (no final $, or \s for \s*) — [^#]* and (.*) reach the end anyway, and the command is trimmed.
    const amp = /^&&&& (RUNNING|PASSED|FAILED)\b[^#]*(?:#\s*(.*))?$/.exec(msg);
    if (amp) {
      const v = parseVersionBanner(msg);
      if (v) s.tensorrtVersion = v;
      if (amp[1] === 'PASSED') s.status = 'passed';
      if (amp[1] === 'FAILED') s.status = 'failed';
      if (amp[2] && !s.commandLine) s.commandLine = amp[2].trim(); // Stryker: equivalent (no trim) — msg is trimmed, \s* took the rest
      continue;
    }
    if (severity === 'E' || severity === 'F') {
      s.errors.push(msg);
      lastWasError = true;
      continue;
    }
    if (severity === 'W') {
      s.warnings++;
      continue;
    }
    let m: RegExpExecArray | null;
    if (!s.tensorrtVersion && (m = /^TensorRT version:\s*(\d+\.\d+\.\d+)/.exec(msg))) {
      s.tensorrtVersion = m[1]!;
    } else if ((m = new RegExp(`^Engine built in ${NUM} sec`).exec(msg))) {
      s.buildSeconds = Number(m[1]);
    } else if ((m = new RegExp(`^Created engine with size:\\s*${NUM}\\s*MiB`).exec(msg))) {
      s.engineBytes = Math.round(Number(m[1]) * 1024 * 1024);
      createdSize = true;
    } else if (!createdSize && (m = new RegExp(`^\\[TRT\\] Loaded engine size:\\s*${NUM}\\s*MiB`).exec(msg))) {
      s.engineBytes = Math.round(Number(m[1]) * 1024 * 1024);
    } else if ((m = new RegExp(`^Throughput:\\s*${NUM}\\s*qps`).exec(msg))) {
      s.throughputQps = Number(m[1]);
    } else if (/^Latency:/.test(msg)) {
      s.latencyMs = parseStats(msg);
    } else if (/^GPU Compute Time:/.test(msg)) {
      s.gpuComputeMs = parseStats(msg);
    } else if ((m = new RegExp(`^Total Host Walltime:\\s*${NUM}\\s*s\\b`).exec(msg))) {
      s.hostWalltimeS = Number(m[1]);
      // Stryker: equivalent (no final $, or no trim) — (.+) runs to the end of the trimmed line; \s* takes the leading spaces.
    } else if ((m = /^Selected Device:\s*(.+)$/.exec(msg))) {
      s.gpuName = m[1]!.trim(); // Stryker: equivalent (no trim) — msg is trimmed, \s* took the leading spaces
    } else if ((m = /^Compute Capability:\s*(\d+\.\d+)/.exec(msg))) {
      s.computeCapability = m[1]!;
    }
    if (msg.includes('[MemUsageChange]')) {
      const g = new RegExp(`now:.*?GPU\\s+${NUM}\\b`).exec(msg);
      if (g) {
        const v = Number(g[1]);
        // Stryker: equivalent (>=) — an equal figure replaces the peak by itself.
        if (s.peakGpuMemoryMiB === null || v > s.peakGpuMemoryMiB) s.peakGpuMemoryMiB = v;
      }
    }
  }
  return s;
}
