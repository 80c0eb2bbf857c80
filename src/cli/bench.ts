// `emovoice bench --profile p`: the seed-style before/after table — end-to-end latency for a given
// amount of speech (text in, audio out), P99, concurrent streams that meet the P99 objective, memory,
// a per-stage breakdown, and the requests answered by the CPU fallback — for this backend next to the
// PyTorch eager baseline on the same machine, the same token ids and sentence parts, the same
// conditioning and so the same audio. Any family: stages, modules and the request come from the
// model's manifest. Flags in, core calls, printing out.
import type { Command } from 'commander';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { benchRunner, measureHostSteps } from '../bench/host.ts';
import { benchText, MIN_P99_SAMPLES, runStreams, stats, type StreamResult } from '../bench/load.ts';
import { renderOrt, renderTrt, stageRows, type Baseline, type FallbackSummary, type OrtReport, type TrtLevel, type TrtReport } from '../bench/report.ts';
import { benchEngines, combineTimings, fromTrtexec, shapesOfParts, type ModuleTiming, type StageShapes } from '../bench/trt.ts';
import { resample } from '../audio/resample.ts';
import { UserError } from '../core/errors.ts';
import { moduleOrder, type ModelManifest } from '../model/manifest.ts';
import { registry } from '../pipeline/registry.ts';
import { Pipeline } from '../pipeline/executor.ts';
import { openModel, type OpenModel } from '../pipeline/model.ts';
import type { RequestConditioning } from '../pipeline/conditioning.ts';
import { loadProfile, type LoadedProfile } from '../profile/load.ts';
import { loadProfileModel } from '../profile/model.ts';
import { FallbackRunner } from '../runtime/fallback.ts';
import { OrtThreadRunner } from '../runtime/ort-thread.ts';
import { cpuModels } from '../synth/precision.ts';
import { makeRunners, servingFor, servingRunnerOptions } from '../synth/runners.ts';
import { splitWarning, synthesizeText, type TextResult } from '../synth/speak.ts';
import { e2eCases } from '../verify/e2e.ts';
import { encodeNpy } from '../tensor/npy.ts';
import { findTrtexec } from '../trtexec/find.ts';
import { detectTensorRt } from '../trtexec/version.ts';
import { checkTensorRtBackend } from '../runtime/providers.ts';
import { sampleGpuMemory } from '../bench/gpu-memory.ts';
import { CONFIGS_DIR, ROOT, backendOf, collect, log, positiveInt, positiveInts, positiveNumber } from './common.ts';
import { addRequestOptions, requestConditioning, type RequestOpts } from './request.ts';

interface Opts extends RequestOpts {
  profile: string;
  backend?: string;
  textSeconds: string;
  streams: string;
  sloP99Ms: string;
  requests: string;
  warmup: string;
  baseline: string;
  baselineMode: string;
  failEngine?: string[];
  json?: boolean;
  stream?: boolean;
  set?: string[];
  triton?: string;
  html?: string;
}

/** The PyTorch sides a GPU bench can be compared with (the baseline's request `mode`). */
const BASELINE_MODES = ['eager-fp32', 'eager-fp16', 'compile-fp16'];

/** emovoice's own Python reference implementations (the baselines of the bundled families). */
const REFERENCE_DIR = resolve(ROOT, 'reference');

export interface Flags {
  seconds: number;
  streams: number[];
  slo: number;
  requests: number;
  warmup: number;
  failEngines: string[];
}

export function register(program: Command): void {
  const cmd = program
    .command('bench')
    .description('before/after table: end-to-end latency (text in, audio out), P99, concurrent streams under a P99 objective, memory, per-stage, CPU fallbacks — vs the model baseline (PyTorch eager, or piper-tts for a Piper voice) on the same work')
    .option('--profile <name|path>', 'build profile', 'cpu')
    .option('--backend <ort|cuda|trt|trtexec>', 'override the profile backend (trtexec: per-module trtexec performance runs)')
    .option('--baseline-mode <m>', 'PyTorch baseline on a GPU backend: eager-fp32, eager-fp16 (autocast) or compile-fp16 (torch.compile, autocast)', 'eager-fp32')
    .option('--text-seconds <s>', 'amount of speech per request', '15')
    .option('--streams <list>', 'concurrent streams to sweep', '1,2,4,8')
    .option('--slo-p99-ms <ms>', 'P99 latency objective', '130')
    .option('--requests <n>', `measured requests per streams level (a P99 needs ≥ ${MIN_P99_SAMPLES}; fewer are reported as "max of N")`, String(MIN_P99_SAMPLES))
    .option('--warmup <n>', 'requests run first and not counted, on each side', '2')
    .option('--baseline <pytorch|none>', 'baseline column', 'pytorch')
    .option('--fail-engine <module>', "make this module's engine fail at load, so its CPU fallback serves it (repeatable or comma list)", collect)
    .option('--set <key=value>', 'override a profile value (repeatable)', collect)
    .option('--triton <url>', "measure a running Triton server's HTTP endpoint (emovoice serve --triton) instead of the embedded pipeline; the profile names its model")
    .option('--stream', 'streaming requests: time to first audio (P50/P99) beside full latency per streams level, and the baseline\'s own first audio where it streams (piper-tts: its first sentence)')
    .option('--json', 'print JSON')
    .option('--html <file>', 'also write a self-contained HTML page: latency histograms, P50/P99 against streams with the objective, per-stage breakdown, next to the baseline')
    .option('--file <txt>', 'long-form throughput instead: synth --file on this text at batch 1 and at the profile\'s batch (audio s per wall s, peak memory)')
    .option('--batch <n>', '--file: the batch to compare with batch 1 (default: the profile\'s serving.max_batch)')
    .option('--rounds <n>', '--file: rounds of runs, each batch size once a round, alternating the order', '2');
  addRequestOptions(cmd).action(async (opts: Opts & { file?: string; batch?: string; rounds?: string }) => {
    if (opts.file !== undefined) return (await import('./bench-file.ts')).benchFile({ ...opts, file: opts.file });
    const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
    const p = loaded.profile;
    const backend = backendOf(opts.backend, p.backend);
    if (opts.baseline !== 'pytorch' && opts.baseline !== 'none') throw new UserError(`--baseline: unknown baseline "${opts.baseline}"`, { hint: 'use pytorch or none' });
    const manifest = await loadProfileModel(loaded);
    const modules = moduleOrder(manifest);
    const failEngines = (opts.failEngine ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
    for (const m of failEngines) {
      if (!modules.includes(m)) throw new UserError(`--fail-engine: unknown module "${m}"`, { hint: `use one of: ${modules.join(', ')}` });
    }
    const f: Flags = {
      seconds: positiveNumber('--text-seconds', opts.textSeconds),
      streams: positiveInts('--streams', opts.streams),
      slo: positiveNumber('--slo-p99-ms', opts.sloP99Ms),
      requests: positiveInt('--requests', opts.requests),
      warmup: opts.warmup === '0' ? 0 : positiveInt('--warmup', opts.warmup),
      failEngines: [...new Set(failEngines)],
    };
    const conditioning = await benchConditioning(manifest, opts);
    if (opts.triton) return (await import('./bench-triton.ts')).benchTritonCommand(opts.triton, p, manifest, conditioning, f, !!opts.json);
    if (!BASELINE_MODES.includes(opts.baselineMode)) throw new UserError(`--baseline-mode: unknown mode "${opts.baselineMode}"`, { hint: `use ${BASELINE_MODES.join(', ')}` });
    if (opts.stream) {
      if (backend !== 'ort') throw new UserError('bench --stream runs on the CPU backend (ort) here', { hint: 'use --backend ort; on TensorRT the chunk shapes are timed by `emovoice build --measure`' });
      const { benchStream } = await import('./bench-stream.ts');
      return await benchStream(loaded, manifest, conditioning, { ...f, baseline: opts.baseline, json: !!opts.json });
    }
    if (backend === 'trt') await checkTensorRtBackend(p.output);
    const report = backend === 'trtexec' ? await benchTrt(loaded, manifest, conditioning, opts, f) : await benchOrt(loaded, manifest, conditioning, opts, f, backend);
    if (opts.html) {
      const { writeHtmlReport } = await import('../report/html/write.ts');
      await writeHtmlReport(opts.html, [{ kind: 'bench', doc: report, source: `emovoice bench --profile ${p.name}` }]);
    }
    if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else process.stdout.write(report.backend === 'trtexec' ? renderTrt(report) : renderOrt(report));
  });
}

/** The request's conditioning: the flags given, else the model's first end-to-end reference case's request. */
async function benchConditioning(m: ModelManifest, opts: RequestOpts): Promise<RequestConditioning> {
  const given = await requestConditioning(m, opts);
  if (Object.keys(given).length) return given;
  // none: the model takes text only, or the user must give the flags (resolveConditioning says which)
  return (await e2eCases(m))[0]?.conditioning ?? given;
}

/** Text of about `seconds` of speech for this model: its sample sentence repeated, lengths measured, not assumed. */
export async function textFor(pipeline: Pipeline, conditioning: RequestConditioning, seconds: number): Promise<string> {
  const m = pipeline.model.manifest;
  const sentence = m.frontend.sampleText ?? registry.families.get(m.family)?.sampleText;
  if (!sentence) throw new UserError('the model gives no sample sentence for bench', { place: { file: m.path, path: 'frontend.sample_text' }, hint: 'add frontend.sample_text: <a sentence in its language>' });
  const one = await synthesizeText(pipeline, { text: sentence, conditioning });
  pipeline.cache.clear(); // the first measured request pays for a new voice/prompt once, as a server does
  const idsPerSecond = one.phonemes / Math.max(one.audioSeconds, 1e-6);
  const count = async (t: string) => (await pipeline.model.frontend.toIds(t, { limit: Number.MAX_SAFE_INTEGER })).sentences.reduce((a, s) => a + s.ids.length, 0);
  return benchText(Math.max(1, Math.round(seconds * idsPerSecond)), count, sentence);
}

/** The ONNX Runtime path: the real pipeline, every module wrapped in a FallbackRunner, requests from text. */
async function benchOrt(loaded: LoadedProfile, manifest: ModelManifest, conditioning: RequestConditioning, opts: Opts, f: Flags, backend: 'ort' | 'cuda' | 'trt'): Promise<OrtReport> {
  const p = loaded.profile;
  const timeoutMs = p.serving?.timeout_ms ?? null;
  const model = await openModel(manifest, servingFor(p.serving, backend));
  // Every module behind its CPU fallback, loaded when first needed (a module taken out: up front), so
  // the memory row counts the sessions a request actually uses, not a second copy of every model.
  // each module at the precision the profile gives it, as synth runs it on the CPU
  // (the CUDA provider runs the strongly typed files themselves; engines run at the precision they were built with)
  const cpu = backend === 'trt' ? { files: {}, precisions: {} } : await cpuModels(loaded, manifest, undefined, { log, runtime: backend === 'cuda' ? 'cuda' : 'cpu' });
  const gpuMemory = backend === 'ort' ? null : await sampleGpuMemory();
  const runners = makeRunners(manifest, backend, { fallback: 'always', failModules: f.failEngines, timeoutMs: timeoutMs ?? undefined, onnx: cpu.files, engineDir: p.output, ...servingRunnerOptions(p.serving) });
  try {
    await Promise.all(Object.values(runners).map((r) => r.load()));
    const pipeline = new Pipeline(model, runners);
    const text = await textFor(pipeline, conditioning, f.seconds);
    const serve = () => synthesizeText(pipeline, { text, conditioning });
    // the first request fills the cache (a voice's embeddings …): its stages say what a new voice costs once
    const first = await serve();
    for (let i = 1; i < f.warmup; i++) await serve();
    const warnings = [...(first.split ? [splitWarning(first.split, loaded.locate(['serving', 'max_text_len']))] : []), ...first.warnings];
    for (const w of warnings) log(`warning: ${w}`);
    const perStream = (s: number) => Math.max(1, Math.ceil(f.requests / s));
    const single = await runStreams(serve, 1, f.requests, f.slo);
    const sweep: StreamResult[] = [];
    for (const s of f.streams) {
      sweep.push(s === 1 ? single : await runStreams(serve, s, perStream(s), f.slo));
      const r = sweep.at(-1)!;
      log(`streams ${s}: p99 ${r.latency.p99.toFixed(1)} ms, ${r.throughputRps.toFixed(1)} req/s, ${r.fellBack}/${r.requests} fell back`);
    }
    const peakRssMiB = process.resourceUsage().maxRSS / 1024; // KiB: this process's peak, worker threads included
    const peakGpuMiB = (await gpuMemory?.stop()) ?? null; // before the baseline process starts
    const baseline = opts.baseline === 'pytorch' ? await pytorchBaseline(manifest, first, conditioning, backend === 'ort' ? 'cpu' : 'cuda', f, { mode: opts.baselineMode }) : null;
    const firstRun = Object.fromEntries(first.stages.map((s) => [s.stage, s.ms]));
    return {
      profile: p.name,
      backend,
      textSeconds: f.seconds,
      text,
      phonemes: first.split?.phonemes ?? first.phonemes,
      parts: first.parts.length,
      maxTextLen: model.maxTextLen,
      audioSeconds: first.audioSeconds,
      sloP99Ms: f.slo,
      warmup: f.warmup,
      single: single.latency,
      stages: stageRows(single.stages.map((s) => s.stage), single.stages, baseline, firstRun, single.requests),
      sweep,
      maxStreamsWithinSlo: Math.max(0, ...sweep.filter((s) => s.meetsSlo).map((s) => s.streams)),
      peakRssMiB,
      peakGpuMiB,
      baseline,
      fallback: fallbackSummary(runners as Record<string, FallbackRunner>, timeoutMs, f.failEngines),
      warnings,
    };
  } finally {
    await Promise.all([...Object.values(runners).map((r) => r.close()), model.close()]);
  }
}

function fallbackSummary(runners: Record<string, FallbackRunner>, timeoutMs: number | null, failEngines: string[]): FallbackSummary {
  const onFallback: FallbackSummary['onFallback'] = [];
  const timeouts: Record<string, number> = {};
  const overran: Record<string, number> = {};
  for (const [module, r] of Object.entries(runners)) {
    overran[module] = r.overran;
    const broken = r.events.find((e) => e.stage !== 'timeout');
    if (broken) onFallback.push({ module, why: broken.stage as 'load' | 'infer', reason: broken.reason });
    timeouts[module] = r.events.filter((e) => e.stage === 'timeout').length;
  }
  return { timeoutMs, failEngines, onFallback, timeouts, overran };
}

/** Stage labels whose outputs depend on conditioning only: cached per voice/speaker/prompt after the first request. */
function cachedStages(model: OpenModel): Set<string> {
  const out = new Set<string>();
  for (const st of model.manifest.graph) {
    const deps = model.deps.get(st.index)!;
    if (deps.size && [...deps].every((d) => d.startsWith('conditioning:'))) out.add(st.label);
  }
  return out;
}

/** The TensorRT path: trtexec performance runs per module stage at the shapes a real run of the request gave, plus host steps measured here. */
async function benchTrt(loaded: LoadedProfile, manifest: ModelManifest, conditioning: RequestConditioning, opts: Opts, f: Flags): Promise<TrtReport> {
  const p = loaded.profile;
  const exe = await findTrtexec();
  if (!exe) {
    throw new UserError('the trt benchmark runs engines with trtexec, which was not found', {
      hint: 'on a GPU machine with TensorRT: `emovoice build --profile ' + p.name + '` then rerun; here use --backend ort',
      exitCode: 3,
    });
  }
  const engineModules = moduleOrder(manifest).filter((m) => manifest.modules[m]!.engine);
  const missing = engineModules.filter((m) => !f.failEngines.includes(m) && !existsSync(join(p.output, `${m}.engine`)));
  if (missing.length) {
    throw new UserError(`engines not built yet: ${missing.map((m) => join(p.output, `${m}.engine`)).join(', ')}`, {
      hint: `run \`emovoice build --profile ${p.name}\` first, or measure without them: --fail-engine ${missing.join(',')}`,
      exitCode: 3,
    });
  }
  const { version, dialect } = await detectTensorRt(exe);
  const work = await mkdtemp(join(tmpdir(), 'emovoice-bench-'));
  // One real run of the request on the CPU gives every engine call's shapes and the host steps' inputs.
  const model = await openModel(manifest, p.serving);
  const probeRunners = makeRunners(manifest, 'ort');
  let probe: TextResult;
  let text: string;
  let host: Awaited<ReturnType<typeof measureHostSteps>>;
  const cached = cachedStages(model);
  try {
    await Promise.all(Object.values(probeRunners).map((r) => r.load()));
    const pipeline = new Pipeline(model, probeRunners);
    text = await textFor(pipeline, conditioning, f.seconds);
    probe = await synthesizeText(pipeline, { text, conditioning });
    host = await measureHostSteps(model, text, probe.parts.map((x) => x.intermediates), cached, Math.max(20, f.requests));
  } finally {
    await Promise.all([...Object.values(probeRunners).map((r) => r.close()), model.close()]);
  }
  const warnings = probe.split ? [splitWarning(probe.split, loaded.locate(['serving', 'max_text_len']))] : [];
  for (const w of warnings) log(`warning: ${w}`);
  const groups = shapesOfParts(manifest, probe.parts.map((x) => x.intermediates), (stage) => !cached.has(stage));
  const cachedShapes = shapesOfParts(manifest, [probe.parts[0]!.intermediates], (stage) => cached.has(stage))[0]?.shapes ?? [];
  // The CPU fallbacks of engines taken out (and modules kept off the engine path) run in worker threads,
  // as synth's do: concurrent streams queue on them for real, so their latency under load is measured.
  const onCpu = moduleOrder(manifest).filter((m) => f.failEngines.includes(m) || !manifest.modules[m]!.engine);
  const fallbacks = new Map(onCpu.map((m) => [m, new OrtThreadRunner(manifest.modules[m]!.file)]));
  const sweep: TrtLevel[] = [];
  const cachedRuns: TrtLevel['runs'] = [];
  try {
    await Promise.all([...fallbacks.values()].map((r) => r.load()));
    /** Each stage at one part's shapes under `streams` streams: on its engine (trtexec) or on the CPU. */
    const measure = async (streams: number, shapes: StageShapes, count: number, tag: string, runs: TrtLevel['runs']): Promise<ModuleTiming[]> => {
      const timings: ModuleTiming[] = [];
      const textLen = shapes[0]?.inputs[0]?.dims[1] ?? null;
      // The report keeps each run's numbers; the per-call samples only feed the request P99 estimate.
      const record = ({ samples, ...t }: ModuleTiming, log?: string) => runs.push({ ...t, textLen, count, samples: samples?.length ?? 0, ...(log && { log }) });
      const onEngine = shapes.filter((s) => !fallbacks.has(s.module));
      for (const b of await benchEngines({ exe, dialect, engineDir: p.output, shapes: onEngine, streams, durationS: 3, workDir: work, logTag: `s${streams}.${tag}` })) {
        timings.push(fromTrtexec(b));
        record(timings.at(-1)!, b.log);
      }
      for (const s of shapes.filter((x) => fallbacks.has(x.module))) {
        const inputs = s.inputs.map((i) => ({ ...i, dtype: manifest.modules[s.module]!.inputs[i.name]!.dtype }));
        const st = await benchRunner(fallbacks.get(s.module)!, inputs, streams, Math.max(1, Math.ceil(f.requests / streams)));
        timings.push({ module: s.stage, meanMs: st.mean, p99Ms: st.p99, source: 'ort-cpu fallback', samples: st.samples });
        record(timings.at(-1)!);
      }
      return timings;
    };
    // Conditioning-only stages (a style encoder …) run once per new voice/speaker/prompt: timed once, for the table's note.
    const cachedTimings = await measure(1, cachedShapes, 1, 'cached', cachedRuns);
    for (const streams of f.streams) {
      const runs: TrtLevel['runs'] = [];
      const parts = [{ count: 1, modules: cachedTimings }];
      for (const [i, g] of groups.entries()) parts.push({ count: g.count, modules: await measure(streams, g.shapes, g.count, `g${i}`, runs) });
      const c = combineTimings(parts, host, [...cached]);
      // The objective is judged on the estimate when every stage has per-call samples, else on the P99 sum.
      const p99 = c.p99EstimateMs ?? c.p99Ms;
      sweep.push({ streams, ...c, meetsSlo: p99 != null && p99 <= f.slo, runs });
      log(`streams ${streams}: mean ${c.meanMs?.toFixed(2) ?? '-'} ms, p99 ${c.p99EstimateMs?.toFixed(2) ?? '-'} ms (sum of P99s ${c.p99Ms?.toFixed(2) ?? '-'} ms)`);
    }
  } finally {
    await Promise.all([...fallbacks.values()].map((r) => r.close()));
  }
  const baseline = opts.baseline === 'pytorch' ? await pytorchBaseline(manifest, probe, conditioning, 'cuda', f, { mode: opts.baselineMode }) : null;
  const first = sweep[0]!;
  const measured = first.stages.map((s) => (cached.has(s.stage) ? { stage: `${s.stage} (cached)`, mean: 0, p99: 0 } : { stage: s.stage, mean: s.meanMs, p99: s.p99Ms }));
  const firstRun = Object.fromEntries(cachedRuns.filter((r) => r.meanMs != null).map((r) => [r.module, r.meanMs!]));
  return {
    profile: p.name,
    backend: 'trtexec',
    tensorrt: version,
    trtexec: exe,
    textSeconds: f.seconds,
    text,
    phonemes: probe.split?.phonemes ?? probe.phonemes,
    parts: probe.parts.map((x) => x.phonemes),
    maxTextLen: model.maxTextLen,
    sloP99Ms: f.slo,
    host: host.map(({ samples: _, ...h }) => h),
    // in pipeline order (the probe request's), the stages that were timed
    stages: stageRows(probe.stages.map((s) => s.stage).filter((s) => first.stages.some((x) => x.stage === s)), measured, baseline, firstRun),
    cachedStages: cachedRuns,
    sweep,
    maxStreamsWithinSlo: Math.max(0, ...sweep.filter((s) => s.meetsSlo).map((s) => s.streams)),
    baseline,
    fallback: {
      timeoutMs: p.serving?.timeout_ms ?? null,
      failEngines: f.failEngines,
      onFallback: f.failEngines.map((module) => ({ module, why: 'load' as const, reason: `${module} disabled by --fail-engine` })),
      timeouts: {},
      overran: {},
    },
    logs: work,
    warnings,
  };
}

/** What a baseline process prints (docs/bench-baseline.md): raw latencies, so both sides get the same statistics. */
interface BaselineOutput {
  /** What the baseline is, short ("PyTorch eager", "piper-tts 1.8.0"): the column's label. */
  name?: string;
  /** Its longer self-description (versions, what it runs). */
  runtime?: string;
  device: string;
  torch?: string;
  latencies_ms: number[];
  stages_ms: Record<string, number[]>;
  sweep?: { streams: number; latencies_ms: number[]; wall_s: number; first_audio_ms?: number[] }[];
  /** Streaming requests (bench --stream): time to each request's first audio. */
  first_audio_ms?: number[];
  peak_rss_mib?: number;
  peak_gpu_mib?: number | null;
  audio_seconds: number;
  phonemes: number;
}

/**
 * PyTorch eager on exactly our request (the manifest's `baseline:` Python module): the same token ids in
 * the same parts, the same conditioning; null with a warning when it cannot run.
 */
export async function pytorchBaseline(m: ModelManifest, ours: Pick<TextResult, 'frontend'>, conditioning: RequestConditioning, device: 'cpu' | 'cuda', f: Pick<Flags, 'warmup' | 'requests' | 'streams' | 'slo'>, extra: Record<string, unknown> = {}): Promise<Baseline | null> {
  if (!m.baseline) {
    log(`warning: no PyTorch baseline: the model's manifest names none (baseline: { python: <module> }); --baseline none hides this`);
    return null;
  }
  const dir = await mkdtemp(join(tmpdir(), 'emovoice-baseline-'));
  const cond: Record<string, unknown> = {};
  for (const [flag, v] of Object.entries(conditioning)) {
    if (v && typeof v === 'object') {
      // at the model's rate, resampled here as our pipeline does, so both sides hear the same voice
      const x = v.sampleRate === m.audio.sample_rate ? v.samples : resample(v.samples, v.sampleRate, m.audio.sample_rate);
      const file = join(dir, `${flag}.npy`);
      await writeFile(file, encodeNpy({ dtype: 'float32', shape: [x.length], data: x }));
      cond[flag] = { npy: file, sample_rate: m.audio.sample_rate };
    } else if (v !== undefined) cond[flag] = v;
  }
  const request = {
    model: m.dir,
    device,
    mode: 'eager-fp32',
    parts: ours.frontend.sentences.map((s) => [...s.ids]),
    texts: ours.frontend.sentences.map((s) => s.text),
    conditioning: cond,
    warmup: f.warmup,
    requests: f.requests,
    streams: f.streams,
    ...extra,
  };
  const reqFile = join(dir, 'request.json');
  await writeFile(reqFile, JSON.stringify(request));
  const py = await execa('python3', ['-m', m.baseline.python, '--request', reqFile], {
    cwd: m.baseline.cwd ?? m.dir,
    env: { PYTHONPATH: [REFERENCE_DIR, process.env.PYTHONPATH].filter(Boolean).join(delimiter) },
    reject: false,
  });
  if (py.exitCode !== 0) {
    log(`warning: PyTorch baseline not run (${py.stderr.trim().split('\n').pop() || `python3 exit ${py.exitCode}`}); fix: pip install -r reference/requirements.txt${device === 'cuda' ? ' (with CUDA)' : ''}, or --baseline none`);
    return null;
  }
  const o = JSON.parse(py.stdout) as BaselineOutput;
  const sweep = (o.sweep ?? []).map((s) => {
    const latency = stats(s.latencies_ms);
    return { streams: s.streams, latency, latenciesMs: s.latencies_ms, throughputRps: s.latencies_ms.length / s.wall_s, meetsSlo: latency.p99 <= f.slo, ...(s.first_audio_ms?.length && { firstAudio: stats(s.first_audio_ms) }) };
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    name: o.name ?? `${m.baseline.python} (it names no runtime)`,
    ...(o.runtime && { runtime: o.runtime }),
    device: o.device,
    ...(o.torch && { torch: o.torch }),
    stages: Object.fromEntries(Object.entries(o.stages_ms).map(([k, xs]) => [k, mean(xs)])),
    latency: stats(o.latencies_ms),
    ...(o.first_audio_ms?.length && { firstAudio: stats(o.first_audio_ms) }),
    warmup: f.warmup,
    sweep,
    maxStreamsWithinSlo: Math.max(0, ...sweep.filter((s) => s.meetsSlo).map((s) => s.streams)),
    ...(o.peak_rss_mib !== undefined && { peakRssMiB: o.peak_rss_mib }),
    peakGpuMiB: o.peak_gpu_mib ?? null,
    phonemes: o.phonemes,
    audioSeconds: o.audio_seconds,
  };
}
